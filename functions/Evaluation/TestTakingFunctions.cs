using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using TrainingCycles.Cycles;
using TrainingCycles.Evaluation.Views;
using TrainingCycles.Infrastructure;
using TrainingCycles.Infrastructure.Views;
using static TrainingCycles.Infrastructure.Pages;

namespace TrainingCycles.Evaluation;

/// <summary>
/// A participant takes the pre- or post-test through their personal link on a phone: the first open starts the
/// attempt (and its time limit), "Simpan jawaban" saves the answers so far, "Kirim" submits once. Plain forms (no
/// JavaScript needed on a cheap phone). Storage decides a double submit (If-Match).
/// </summary>
public sealed class TestTakingFunctions(ParticipantLink links, EvaluationStore store, TimeProvider time)
{
    /// <summary>A submit or save this long after the time limit still counts (a slow phone network).</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);

    [Function(nameof(TakeTest))]
    public async Task<IActionResult> TakeTest(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", Route = "cycles/{cycleId}/tests/{kind}/take")] HttpRequest request,
        string cycleId,
        string kind)
    {
        var ct = request.HttpContext.RequestAborted;
        var lang = Language(request);
        var (link, refusal) = TestKinds.IsKnown(kind) ? await links.ResolveAsync(request, cycleId, lang, ct) : (null, NotFound(lang));
        if (link is null)
        {
            return refusal!;
        }

        var isPost = HttpMethods.IsPost(request.Method);
        var (form, formRefusal) = isPost ? await ParticipantLink.ReadFormAsync(request, lang, ct) : (null, null);
        if (formRefusal is not null)
        {
            return formRefusal;
        }

        lang = Language(request, form?["lang"].FirstOrDefault());

        if (await store.GetTestAsync(cycleId, kind, ct) is not { } test)
        {
            return NotFound(lang);
        }

        var page = new Builder(request, lang, link, test);
        var now = time.GetUtcNow();
        var attempt = await store.GetAttemptAsync(cycleId, kind, link.Participant.RowKey, ct);
        if (attempt?.SubmittedAt is not null)
        {
            return page.Done(attempt, isPost ? StatusCodes.Status409Conflict : StatusCodes.Status200OK, isPost ? Text.Get(lang, nameof(Texts.Eval_Test_AlreadySubmitted)) : null);
        }

        if (!test.IsOpenAt(now))
        {
            return page.Closed(isPost ? StatusCodes.Status409Conflict : StatusCodes.Status200OK, WindowText(test, now, link.Cycle.Schedule.TimeZone, lang));
        }

        attempt ??= await store.StartAsync(cycleId, kind, link.Participant.RowKey, now, ct, ConsentNotice.For(link.Cycle.Definition).Version);
        var saved = EvaluationStore.Answers(attempt);
        var deadline = Deadline(test, attempt);
        if (!isPost)
        {
            return page.Form(saved, deadline, null, null, StatusCodes.Status200OK);
        }

        // Every answer is checked before anything is written: an unknown question or option changes nothing.
        var (posted, invalid) = ReadAnswers(test, form!, lang);
        if (invalid is not null)
        {
            return page.Form(saved, deadline, invalid, null, StatusCodes.Status422UnprocessableEntity);
        }

        return await SaveAsync(page, lang, test, attempt, saved, deadline, posted!, form!["action"].FirstOrDefault() == "submit", now, ct);
    }

    private static IActionResult NotFound(string lang) =>
        View.Message(lang, StatusCodes.Status404NotFound, nameof(Texts.Eval_Test_NotFound_Title), nameof(Texts.Eval_Test_NotFound_Text));

    /// <summary>Why the test cannot be taken now: not open yet (from when), or closed (since when).</summary>
    private static string WindowText(TestDefinition test, DateTimeOffset now, string zone, string lang) => now < test.OpensAt
        ? Text.Get(lang, nameof(Texts.Eval_Test_NotYetOpen), Formatting.DateTime(test.OpensAt, zone, lang))
        : Text.Get(lang, nameof(Texts.Eval_Test_Closed), Formatting.DateTime(test.ClosesAt, zone, lang));

    /// <summary>The answers in the form (<c>q-{questionId}</c> = option index); the first unknown question or option is refused with its text.</summary>
    private static (Dictionary<string, int>? Posted, string? Error) ReadAnswers(TestDefinition test, IFormCollection form, string lang)
    {
        var posted = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (key, values) in form)
        {
            if (!key.StartsWith("q-", StringComparison.Ordinal))
            {
                continue;
            }

            var question = test.Questions.FirstOrDefault(q => q.Id == key[2..]);
            if (question is null)
            {
                return (null, Text.Get(lang, nameof(Texts.Eval_Test_UnknownQuestion)));
            }

            if (values.Count != 1 || !int.TryParse(values[0], NumberStyles.None, CultureInfo.InvariantCulture, out var choice) || choice >= TestRules.OptionCount(question))
            {
                return (null, Text.Get(lang, nameof(Texts.Eval_Test_BadAnswer), question.Text));
            }

            posted[question.Id] = choice;
        }

        return (posted, null);
    }

    /// <summary>
    /// Saves the answers (after the time limit, only the ones saved before it) and, on submit or when time is up,
    /// the score; the write is a replace under the attempt's ETag, so of two tabs or phones only one gets through.
    /// </summary>
    private async Task<IActionResult> SaveAsync(Builder page, string lang, TestDefinition test, AttemptEntity attempt, Dictionary<string, int> saved,
        DateTimeOffset? deadline, Dictionary<string, int> posted, bool wantsSubmit, DateTimeOffset now, CancellationToken ct)
    {
        var timeUp = deadline is { } d && now > d + Grace;
        var answers = new Dictionary<string, int>(saved, StringComparer.Ordinal);
        if (!timeUp)
        {
            foreach (var (id, choice) in posted)
            {
                answers[id] = choice;
            }
        }

        var submit = timeUp || wantsSubmit;
        attempt.AnswersJson = EvaluationStore.AnswersJson(answers);
        if (submit)
        {
            var score = TestRules.Score(test, answers);
            attempt.SubmittedAt = now;
            attempt.Points = score.Points;
            attempt.MaxPoints = score.MaxPoints;
            attempt.Percent = (double)score.Percent;
            attempt.CorrectIds = string.Join(',', score.CorrectIds);
        }

        if (!await store.ReplaceAsync(attempt, ct))
        {
            // Someone (the same person on another tab or phone) wrote first: storage refused this write.
            var current = await store.GetAttemptAsync(attempt.PartitionKey, attempt.Kind, attempt.ParticipantId, ct);
            return current?.SubmittedAt is not null
                ? page.Done(current, StatusCodes.Status409Conflict, Text.Get(lang, nameof(Texts.Eval_Test_AlreadySubmitted)))
                : page.Form(current is null ? saved : EvaluationStore.Answers(current), deadline, Text.Get(lang, nameof(Texts.Eval_Test_Conflict)), null, StatusCodes.Status409Conflict);
        }

        return submit
            ? page.Done(attempt, StatusCodes.Status200OK, timeUp ? Text.Get(lang, nameof(Texts.Eval_Test_TimeUp)) : null)
            : page.Form(answers, deadline, null, Text.Get(lang, nameof(Texts.Eval_Test_Saved), answers.Count, test.Questions.Count), StatusCodes.Status200OK);
    }

    public static DateTimeOffset? Deadline(TestDefinition test, AttemptEntity attempt)
    {
        if (test.TimeLimitMinutes is not { } limit)
        {
            return null;
        }

        var end = attempt.StartedAt.AddMinutes(limit);
        return end < test.ClosesAt ? end : test.ClosesAt;
    }

    private sealed class Builder(HttpRequest request, string lang, ParticipantLink.Resolved link, TestDefinition test)
    {
        private string Title => Text.Get(lang, test.Kind == TestKinds.Pre ? nameof(Texts.Eval_Test_Pre) : nameof(Texts.Eval_Test_Post));

        private string Action => $"{request.Path}?t={Uri.EscapeDataString(link.Token)}";

        public IActionResult Form(IReadOnlyDictionary<string, int> answers, DateTimeOffset? deadline, string? error, string? notice, int status)
        {
            var questions = test.Questions.Select(q => new TestPage.Question(q.Id, q.Text, TestRules.OptionsOf(q, lang), answers.TryGetValue(q.Id, out var a) ? a : null, q.Points)).ToList();
            var deadlineText = deadline is { } d ? Text.Get(lang, nameof(Texts.Eval_Test_Deadline), Formatting.Time(d, link.Cycle.Schedule.TimeZone, lang)) : null;
            return View.Page<TestPage>(lang, new TestPage.Data(TestPage.Kind.Form, Title, link.Cycle.Entity.Title, link.Participant.FullName ?? "", questions, error, notice, deadlineText, Action, null, ConsentNotice.For(link.Cycle.Definition)), status);
        }

        public IActionResult Done(AttemptEntity attempt, int status, string? notice) =>
            View.Page<TestPage>(lang, new TestPage.Data(TestPage.Kind.Done, Title, link.Cycle.Entity.Title, link.Participant.FullName ?? "", [], null, notice, null, Action,
                Text.Get(lang, nameof(Texts.Eval_Test_Score), attempt.Points, attempt.MaxPoints, ((decimal)attempt.Percent).ToString("0.##", Formatting.Culture(lang)))), status);

        public IActionResult Closed(int status, string text) =>
            View.Page<TestPage>(lang, new TestPage.Data(TestPage.Kind.Closed, Title, link.Cycle.Entity.Title, link.Participant.FullName ?? "", [], null, text, null, Action, null), status);
    }
}
