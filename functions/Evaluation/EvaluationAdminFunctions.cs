using System.Globalization;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using TrainingCycles.Cycles;
using TrainingCycles.Identity;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Evaluation;

/// <summary>
/// Organizer side: build a test (JSON, or CSV exported from a spreadsheet), read it back, and the results: per person
/// and per question, learning gain, ratings per session and instructor. An instructor reads their own session's
/// ratings once the cycle is completed.
/// </summary>
public sealed class EvaluationAdminFunctions(CycleStore cycles, ParticipantStore participants, EvaluationStore store, AuditLog audit, TimeProvider time)
{
    private const int MaxTestBytes = 256 * 1024;

    [Function(nameof(PutTest))]
    [Requires(Permission.RunCycle, AccessScope.Cycle)]
    public async Task<IActionResult> PutTest(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "cycles/{cycleId}/tests/{kind}")] HttpRequest request,
        string cycleId,
        string kind)
    {
        var ct = request.HttpContext.RequestAborted;
        if (!TestKinds.IsKnown(kind))
        {
            return Http.Error(StatusCodes.Status404NotFound, "not_found", nameof(Texts.Error_Eval_UnknownKind));
        }

        if (await cycles.GetAsync(cycleId, ct) is not { } cycle)
        {
            return Http.NotFound(Missing.Cycle);
        }

        if (await Http.ReadBodyAsync(request, MaxTestBytes, ct) is not { } body)
        {
            return Http.TooLarge(MaxTestBytes);
        }

        TestDefinitionRequest? definition;
        if ((request.ContentType ?? "").StartsWith("text/csv", StringComparison.OrdinalIgnoreCase))
        {
            var (questions, error) = TestRules.ParseCsv(body);
            if (questions is null)
            {
                return Http.Error(StatusCodes.Status422UnprocessableEntity, "invalid_test", nameof(Texts.Error_Eval_InvalidTest), details: new[] { error });
            }

            var limit = request.Query["timeLimitMinutes"].FirstOrDefault();
            definition = new TestDefinitionRequest
            {
                OpensAt = request.Query["opensAt"].FirstOrDefault(),
                ClosesAt = request.Query["closesAt"].FirstOrDefault(),
                TimeLimitMinutes = limit is null ? null : int.TryParse(limit, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) ? l : -1,
                Questions = questions,
            };
        }
        else if (!Http.TryParseJson(body, out definition, out var jsonError))
        {
            return jsonError!;
        }

        var (test, errors) = TestRules.Validate(kind, definition, cycle.Schedule);
        if (test is null)
        {
            return Http.Error(StatusCodes.Status422UnprocessableEntity, "invalid_test", nameof(Texts.Error_Eval_InvalidTest), details: errors);
        }

        if (!await store.SaveTestAsync(cycleId, test, time.GetUtcNow(), ct))
        {
            return Http.Error(StatusCodes.Status409Conflict, "test_taken", nameof(Texts.Error_Eval_TestTaken));
        }

        await audit.WriteAsync(cycleId, AuditActors.Of(request), "evaluation.test-saved", details: $"{kind}: {test.Questions.Count} questions, {test.MaxPoints} points", cancellationToken: ct);
        return Http.Ok(test);
    }

    [Function(nameof(GetTest))]
    [Requires(Permission.RunCycle, AccessScope.Cycle)]
    public async Task<IActionResult> GetTest(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "cycles/{cycleId}/tests/{kind}")] HttpRequest request,
        string cycleId,
        string kind)
    {
        var test = TestKinds.IsKnown(kind) ? await store.GetTestAsync(cycleId, kind, request.HttpContext.RequestAborted) : null;
        return test is null ? Http.Error(StatusCodes.Status404NotFound, "not_found", nameof(Texts.Error_Eval_NoTest)) : Http.Ok(test);
    }

    /// <summary>Per-person scores with the learning gain, per-question results and the cohort's figures (<c>?format=csv</c>: one row per person).</summary>
    [Function(nameof(TestResults))]
    [Requires(Permission.ViewPersonalData, AccessScope.Cycle)]
    public async Task<IActionResult> TestResults(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "cycles/{cycleId}/evaluation/results")] HttpRequest request,
        string cycleId)
    {
        var ct = request.HttpContext.RequestAborted;
        if (await cycles.GetAsync(cycleId, ct) is null)
        {
            return Http.NotFound(Missing.Cycle);
        }

        var pre = await store.ListAttemptsAsync(cycleId, TestKinds.Pre, ct);
        var post = await store.ListAttemptsAsync(cycleId, TestKinds.Post, ct);
        var people = await participants.ListAsync(cycleId, ct);
        var (rows, cohort) = EvaluationReport.Gain(pre, post, people);
        await audit.WriteAsync(cycleId, AuditActors.Of(request), "evaluation.results-viewed", details: request.Query["format"].FirstOrDefault() ?? "json", cancellationToken: ct);
        if (request.Query["format"].FirstOrDefault() == "csv")
        {
            return new FileContentResult(ToCsv(rows), "text/csv; charset=utf-8") { FileDownloadName = $"nilai-{cycleId}.csv" };
        }

        return Http.Ok(new
        {
            pre = EvaluationReport.Test(TestKinds.Pre, await store.GetTestAsync(cycleId, TestKinds.Pre, ct), pre),
            post = EvaluationReport.Test(TestKinds.Post, await store.GetTestAsync(cycleId, TestKinds.Post, ct), post),
            cohort,
            people = rows,
        });
    }

    /// <summary>
    /// Ratings per session, per instructor and of the organisation: averages, distributions, comments without names
    /// (<c>?format=csv</c>: one row per target × item; <c>&amp;part=comments</c>: the comments; <c>&amp;lang=en</c>: English item texts).
    /// </summary>
    [Function(nameof(RatingResults))]
    [Requires(Permission.ViewReports, AccessScope.Cycle)]
    public async Task<IActionResult> RatingResults(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "cycles/{cycleId}/evaluation/ratings")] HttpRequest request,
        string cycleId)
    {
        var ct = request.HttpContext.RequestAborted;
        if (await cycles.GetAsync(cycleId, ct) is not { } cycle)
        {
            return Http.NotFound(Missing.Cycle);
        }

        var (targets, instructors) = EvaluationReport.Ratings(cycle, await store.ListRatingsAsync(cycleId, ct));
        if (request.Query["format"].FirstOrDefault() != "csv")
        {
            return Http.Ok(new { sessions = targets, instructors });
        }

        var part = request.Query["part"].FirstOrDefault();
        if (part is not (null or "" or "items" or RatingsCsv.Comments))
        {
            return Http.Error(StatusCodes.Status400BadRequest, "invalid_part", nameof(Texts.Error_Eval_UnknownCsvPart));
        }

        var lang = request.Query["lang"].FirstOrDefault() == "en" ? "en" : "id";
        return part == RatingsCsv.Comments
            ? new FileContentResult(RatingsCsv.CommentRows(targets, lang), "text/csv; charset=utf-8") { FileDownloadName = $"komentar-evaluasi-{cycleId}.csv" }
            : new FileContentResult(RatingsCsv.Items(targets, lang), "text/csv; charset=utf-8") { FileDownloadName = $"penilaian-{cycleId}.csv" };
    }

    /// <summary>One session's ratings: organizers any time; the session's instructor once the cycle is completed.</summary>
    [Function(nameof(SessionRatings))]
    [Requires(Permission.TeachSession, AccessScope.Session)]
    public async Task<IActionResult> SessionRatings(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "cycles/{cycleId}/sessions/{sessionId}/ratings")] HttpRequest request,
        string cycleId,
        string sessionId)
    {
        var ct = request.HttpContext.RequestAborted;
        if (await cycles.GetAsync(cycleId, ct) is not { } cycle)
        {
            return Http.NotFound(Missing.Cycle);
        }

        if (cycle.Schedule.Sessions.FirstOrDefault(s => s.Id == sessionId) is not { } session)
        {
            return Http.NotFound(Missing.Session);
        }

        var seesAll = RequestAccess.Of(request)?.Allows(Permission.ViewReports, AccessScope.Cycle, cycleId) ?? false;
        if (!seesAll && cycle.Phase != CyclePhase.Completed)
        {
            return Http.Error(StatusCodes.Status409Conflict, "not_completed", nameof(Texts.Error_Eval_NotCompleted));
        }

        var rows = (await store.ListRatingsAsync(cycleId, ct)).Where(r => r.Target == sessionId).ToList();
        return Http.Ok(EvaluationReport.Target(sessionId, session.Title, Ratings.InstructorOf(cycle.Definition, sessionId), rows));
    }

    public static byte[] ToCsv(IReadOnlyList<PersonResult> rows)
    {
        var config = new CsvConfiguration(CultureInfo.InvariantCulture) { InjectionOptions = InjectionOptions.None };
        using var buffer = new MemoryStream();
        using (var writer = new StreamWriter(buffer, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true)))
        using (var csv = new CsvWriter(writer, config))
        {
            foreach (var header in new[] { "participant_id", "registration_number", "full_name", "pre_test", "post_test", "gain" })
            {
                csv.WriteField(header);
            }

            csv.NextRecord();
            foreach (var r in rows)
            {
                csv.WriteField(r.ParticipantId);
                csv.WriteField(ParticipantFunctions.FormulaSafe(r.RegistrationNumber));
                csv.WriteField(ParticipantFunctions.FormulaSafe(r.Name));
                csv.WriteField(r.Pre?.ToString("0.##", CultureInfo.InvariantCulture) ?? "");
                csv.WriteField(r.Post?.ToString("0.##", CultureInfo.InvariantCulture) ?? "");
                csv.WriteField(r.Gain?.ToString("0.##", CultureInfo.InvariantCulture) ?? "");
                csv.NextRecord();
            }
        }

        return buffer.ToArray();
    }
}
