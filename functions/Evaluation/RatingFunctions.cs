using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using TrainingCycles.Certificates;
using TrainingCycles.Cycles;
using TrainingCycles.Evaluation.Views;
using TrainingCycles.Infrastructure;
using TrainingCycles.Infrastructure.Views;
using static TrainingCycles.Infrastructure.Pages;

namespace TrainingCycles.Evaluation;

/// <summary>
/// A participant rates a session (and its instructor) once it has started, and the organisation once the last session
/// has started, through their personal link: fixed items 1–5 and a bounded plain-text comment. One rating each,
/// insert-only (storage refuses the second).
/// </summary>
public sealed class RatingFunctions(ParticipantLink links, EvaluationStore store, TimeProvider time, ILogger<RatingFunctions> logger)
{
    [Function(nameof(RateSession))]
    public async Task<IActionResult> RateSession(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", Route = "cycles/{cycleId}/rate/{target}")] HttpRequest request,
        [DurableClient] DurableTaskClient durable,
        string cycleId,
        string target)
    {
        var ct = request.HttpContext.RequestAborted;
        var lang = Language(request);
        var (link, refusal) = await links.ResolveAsync(request, cycleId, lang, ct, FollowUpActivities.PurposeOf(target));
        if (link is null)
        {
            return refusal!;
        }

        var isPost = HttpMethods.IsPost(request.Method);
        IFormCollection? form = null;
        if (isPost)
        {
            (form, refusal) = await ParticipantLink.ReadFormAsync(request, lang, ct);
            if (form is null)
            {
                return refusal!;
            }

            lang = Language(request, form["lang"].FirstOrDefault());
        }

        var sessions = link.Cycle.Schedule.Sessions;
        var session = sessions.FirstOrDefault(s => s.Id == target);
        if (session is null && target != Ratings.Organisation && !Ratings.IsFollowUp(target))
        {
            return View.Message(lang, StatusCodes.Status404NotFound, nameof(Texts.Eval_Rate_NotFound_Title), nameof(Texts.Eval_Rate_NotFound_Text));
        }

        var view = new RatingView(request, lang, link, target, session);
        var answerStatus = isPost ? StatusCodes.Status409Conflict : StatusCodes.Status200OK;
        if (await store.GetRatingAsync(cycleId, target, link.Participant.RowKey, ct) is not null)
        {
            return view.Show(RatingPage.Kind.Done, isPost ? Text.Get(lang, nameof(Texts.Eval_Rate_Already)) : null, answerStatus);
        }

        var now = time.GetUtcNow();
        var opensAt = session?.StartsAt ?? (Ratings.IsFollowUp(target) ? link.Cycle.Entity.CompletedAt ?? sessions[^1].EndsAt : sessions[^1].StartsAt);
        if (now < opensAt || !isPost)
        {
            return now >= opensAt ? view.Show(RatingPage.Kind.Form, null)
                : view.Show(RatingPage.Kind.Closed, Text.Get(lang, nameof(Texts.Eval_Rate_NotYet), Formatting.DateTime(opensAt, link.Cycle.Schedule.TimeZone, lang)), answerStatus);
        }

        var (scores, comment) = ReadRating(form!, view.Items.Count);
        if (scores.Any(s => s is null) || comment.Length > Ratings.MaxCommentLength)
        {
            var problem = scores.Any(s => s is null) ? Text.Get(lang, nameof(Texts.Eval_Rate_Missing)) : Text.Get(lang, nameof(Texts.Eval_Rate_CommentTooLong), Ratings.MaxCommentLength);
            return view.Show(RatingPage.Kind.Form, problem, StatusCodes.Status422UnprocessableEntity, scores, comment.Length > Ratings.MaxCommentLength ? comment[..Ratings.MaxCommentLength] : comment);
        }

        return await SaveAsync(link, target, scores, comment, now, durable, ct)
            ? view.Show(RatingPage.Kind.Done, Text.Get(lang, nameof(Texts.Eval_Rate_Thanks)))
            : view.Show(RatingPage.Kind.Done, Text.Get(lang, nameof(Texts.Eval_Rate_Already)), StatusCodes.Status409Conflict);
    }

    /// <summary>The 1–5 score per item (null where missing or out of range) and the comment as one plain line.</summary>
    private static (List<int?> Scores, string Comment) ReadRating(IFormCollection form, int items)
    {
        var scores = new List<int?>();
        for (var i = 0; i < items; i++)
        {
            var value = form[$"item-{i}"].FirstOrDefault();
            scores.Add(int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v is >= 1 and <= 5 ? v : null);
        }

        return (scores, PlainText.Line(form["comment"].FirstOrDefault() ?? "", Ratings.MaxCommentLength + 1));
    }

    /// <summary>Insert-only: false when the person had already rated this target (another tab, another instance).</summary>
    private async Task<bool> SaveAsync(ParticipantLink.Resolved link, string target, List<int?> scores, string comment, DateTimeOffset now, DurableTaskClient durable, CancellationToken ct)
    {
        var cycleId = link.Cycle.CycleId;
        var added = await store.AddRatingAsync(new RatingEntity
        {
            PartitionKey = cycleId,
            RowKey = EvaluationStore.RatingKey(target, link.Participant.RowKey),
            Target = target,
            ParticipantId = link.Participant.RowKey,
            Scores = string.Join(',', scores),
            Comment = comment,
            SubmittedAt = now,
            NoticeVersion = ConsentNotice.For(link.Cycle.Definition).Version,
        }, ct);
        if (added && target == Ratings.Organisation && EvaluationGate.Applies(link.Cycle) && link.Cycle.Phase is CyclePhase.Completing or CyclePhase.Completed)
        {
            // The gate held this person's certificate back: the certificate follow-up numbers, issues and mails it now
            // (workflow work, idempotent; the instance id is derived from the person's id, never their data).
            await CertificateFollowUpOrchestration.ScheduleAsync(durable, cycleId, CertificateFollowUpOrchestration.ChangeKey("evaluation", link.Participant.RowKey), logger, ct);
        }

        return added;
    }

    /// <summary>The rating page for one target, in the page's language; every state shows what is rated and by whom.</summary>
    private sealed class RatingView(HttpRequest request, string lang, ParticipantLink.Resolved link, string target, ScheduledSession? session)
    {
        public IReadOnlyList<string> Items { get; } = [.. Ratings.ItemsOf(target).Select(k => Text.Get(lang, k))];

        public IActionResult Show(RatingPage.Kind kind, string? text, int status = StatusCodes.Status200OK, IReadOnlyList<int?>? chosen = null, string comment = "")
        {
            var title = session?.Title ?? Text.Get(lang, target switch
            {
                Ratings.FollowUp => nameof(Texts.Eval_Rate_FollowUp),
                Ratings.FollowUpSuperior => nameof(Texts.Eval_Rate_FollowUpSuperior),
                _ => nameof(Texts.Eval_Rate_Organisation),
            });
            var instructor = session is null ? null : Ratings.InstructorOf(link.Cycle.Definition, session.Id);
            var action = $"{request.Path}?t={Uri.EscapeDataString(link.Token)}";
            return View.Page<RatingPage>(lang, new RatingPage.Data(kind, title, instructor, link.Cycle.Entity.Title, link.Participant.FullName ?? "", Items,
                chosen ?? [.. Items.Select(_ => (int?)null)], comment, text, action, ConsentNotice.For(link.Cycle.Definition)), status);
        }
    }
}
