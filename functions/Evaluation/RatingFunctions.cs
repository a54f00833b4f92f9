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
        var (link, refusal) = await links.ResolveAsync(request, cycleId, lang, ct, target == Ratings.FollowUp ? FollowUpActivities.TokenPurpose : TokenPurpose.Manage);
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
        if (session is null && target is not (Ratings.Organisation or Ratings.FollowUp))
        {
            return View.Message(lang, StatusCodes.Status404NotFound, nameof(Texts.Eval_Rate_NotFound_Title), nameof(Texts.Eval_Rate_NotFound_Text));
        }

        var title = session?.Title ?? Text.Get(lang, target == Ratings.FollowUp ? nameof(Texts.Eval_Rate_FollowUp) : nameof(Texts.Eval_Rate_Organisation));
        var instructor = session is null ? null : Ratings.InstructorOf(link.Cycle.Definition, session.Id);
        var items = Ratings.ItemsOf(target).Select(k => Text.Get(lang, k)).ToList();
        var action = $"{request.Path}?t={Uri.EscapeDataString(link.Token)}";
        RatingPage.Data Page(RatingPage.Kind kind, string? text, IReadOnlyList<int?>? chosen = null, string comment = "") =>
            new(kind, title, instructor, link.Cycle.Entity.Title, link.Participant.FullName ?? "", items, chosen ?? [.. items.Select(_ => (int?)null)], comment, text, action);

        if (await store.GetRatingAsync(cycleId, target, link.Participant.RowKey, ct) is not null)
        {
            return View.Page<RatingPage>(lang, Page(RatingPage.Kind.Done, isPost ? Text.Get(lang, nameof(Texts.Eval_Rate_Already)) : null), isPost ? StatusCodes.Status409Conflict : StatusCodes.Status200OK);
        }

        var now = time.GetUtcNow();
        var opensAt = session?.StartsAt ?? (target == Ratings.FollowUp ? link.Cycle.Entity.CompletedAt ?? sessions[^1].EndsAt : sessions[^1].StartsAt);
        if (now < opensAt)
        {
            return View.Page<RatingPage>(lang, Page(RatingPage.Kind.Closed, Text.Get(lang, nameof(Texts.Eval_Rate_NotYet), Formatting.DateTime(opensAt, link.Cycle.Schedule.TimeZone, lang))), isPost ? StatusCodes.Status409Conflict : StatusCodes.Status200OK);
        }

        if (!isPost)
        {
            return View.Page<RatingPage>(lang, Page(RatingPage.Kind.Form, null));
        }

        var scores = new List<int?>();
        for (var i = 0; i < items.Count; i++)
        {
            var value = form![$"item-{i}"].FirstOrDefault();
            scores.Add(int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v is >= 1 and <= 5 ? v : null);
        }

        var raw = form!["comment"].FirstOrDefault() ?? "";
        var comment = PlainText.Line(raw, Ratings.MaxCommentLength + 1);
        if (scores.Any(s => s is null))
        {
            return View.Page<RatingPage>(lang, Page(RatingPage.Kind.Form, Text.Get(lang, nameof(Texts.Eval_Rate_Missing)), scores, comment), StatusCodes.Status422UnprocessableEntity);
        }

        if (comment.Length > Ratings.MaxCommentLength)
        {
            return View.Page<RatingPage>(lang, Page(RatingPage.Kind.Form, Text.Get(lang, nameof(Texts.Eval_Rate_CommentTooLong), Ratings.MaxCommentLength), scores, comment[..Ratings.MaxCommentLength]), StatusCodes.Status422UnprocessableEntity);
        }

        var added = await store.AddRatingAsync(new RatingEntity
        {
            PartitionKey = cycleId,
            RowKey = EvaluationStore.RatingKey(target, link.Participant.RowKey),
            Target = target,
            ParticipantId = link.Participant.RowKey,
            Scores = string.Join(',', scores),
            Comment = comment,
            SubmittedAt = now,
        }, ct);
        if (added && target == Ratings.Organisation && EvaluationGate.Applies(link.Cycle) && link.Cycle.Phase is CyclePhase.Completing or CyclePhase.Completed)
        {
            // The gate held this person's certificate back: the certificate follow-up numbers, issues and mails it now
            // (workflow work, idempotent; the instance id is derived from the person's id, never their data).
            await CertificateFollowUpOrchestration.ScheduleAsync(durable, cycleId, CertificateFollowUpOrchestration.ChangeKey("evaluation", link.Participant.RowKey), logger, ct);
        }

        return added
            ? View.Page<RatingPage>(lang, Page(RatingPage.Kind.Done, Text.Get(lang, nameof(Texts.Eval_Rate_Thanks))))
            : View.Page<RatingPage>(lang, Page(RatingPage.Kind.Done, Text.Get(lang, nameof(Texts.Eval_Rate_Already))), StatusCodes.Status409Conflict);
    }
}
