using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using TrainingCycles.Cycles;
using TrainingCycles.Identity;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Attendance;

/// <summary>Body of <c>PUT …/participants/{participantId}/completion-override</c>.</summary>
public sealed record CompletionOverrideRequest(string? Outcome, string? Reason);

/// <summary>
/// #20: an organizer's inputs to the completion rule beside attendance — an override of one person's outcome, with a
/// reason (audited, shown in the person's explanation), and post-test scores imported as CSV until the evaluation
/// capability supplies them. After the training both re-run the rule for the people they touch.
/// </summary>
public sealed class CompletionFunctions(CycleStore cycles, ParticipantStore participants, CompletionStore store, CompletionFollowUp followUp, AuditLog audit, TimeProvider time, AbsenceStore absences)
{
    /// <summary>A cancelled cycle, or a locked roster (#20: reopened by an administrator first), takes no override or score.</summary>
    private async Task<IActionResult?> RefusedAsync(CycleRecord cycle, CancellationToken ct) =>
        cycle.Phase == CyclePhase.Cancelled ? CycleFunctions.WrongPhase(cycle.Phase)
        : await absences.IsLockedAsync(cycle.CycleId, ct) ? AbsenceService.RosterLocked.ToResult()
        : null;

    public const int MaxReasonLength = 500;
    public const int MaxScoreRows = 20_000;
    public const int MaxScoreBytes = 2 * 1024 * 1024;

    [Function(nameof(SetCompletionOverride))]
    [Requires(Permission.RunCycle, AccessScope.Cycle)]
    public async Task<IActionResult> SetCompletionOverride(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", "delete", Route = "cycles/{cycleId}/participants/{participantId}/completion-override")] HttpRequest request,
        [DurableClient] DurableTaskClient durable,
        string cycleId,
        string participantId)
    {
        var ct = request.HttpContext.RequestAborted;
        var cycle = await cycles.GetAsync(cycleId, ct);
        if (cycle is null)
        {
            return Http.NotFound(Missing.Cycle);
        }

        var person = await participants.GetAsync(cycleId, participantId, ct);
        if (person is null || person.Status != ParticipantStatus.Confirmed)
        {
            return Http.NotFound(Missing.Participant);
        }

        if (await RefusedAsync(cycle, ct) is { } blocked)
        {
            return blocked;
        }

        var actor = AuditActors.Of(request);
        string changeKey;
        if (HttpMethods.IsDelete(request.Method))
        {
            if (!await store.RemoveOverrideAsync(cycleId, participantId, ct))
            {
                return Http.Error(StatusCodes.Status404NotFound, "no_override", nameof(Texts.Error_Completion_NoOverride));
            }

            await audit.WriteAsync(cycleId, actor, "completion.override-removed", participantId, cancellationToken: ct);
            changeKey = CompletionFollowUp.ChangeKey("override-removed", participantId, time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
        }
        else
        {
            var (outcome, reason, refused) = await ReadOverrideAsync(request, ct);
            if (refused is not null)
            {
                return refused;
            }

            await store.SetOverrideAsync(cycleId, participantId, outcome!, reason, actor.Name, time.GetUtcNow(), ct);
            await audit.WriteAsync(cycleId, actor, "completion.override", participantId, outcome + "\n" + reason, ct);
            changeKey = CompletionFollowUp.ChangeKey("override", participantId, outcome!, reason);
        }

        return await AfterChangeAsync(request, durable, cycleId, [participantId], changeKey, new Dictionary<string, object?> { ["cycleId"] = cycleId, ["participantId"] = participantId });
    }

    /// <summary>The override's body: a known outcome and a reason of one bounded line; each field's problem is reported at once.</summary>
    private static async Task<(string? Outcome, string Reason, IActionResult? Refused)> ReadOverrideAsync(HttpRequest request, CancellationToken ct)
    {
        var body = await Http.ReadBodyAsync(request, 16 * 1024, ct);
        if (body is null)
        {
            return (null, "", Http.TooLarge(16 * 1024));
        }

        if (!Http.TryParseJson<CompletionOverrideRequest>(body, out var input, out var parseError))
        {
            return (null, "", parseError);
        }

        var outcome = CompletionOutcome.Normalize(input!.Outcome);
        var reason = input.Reason?.Trim() ?? "";
        var errors = new List<FieldError>();
        if (outcome is null)
        {
            errors.Add(FieldError.Of("outcome", nameof(Texts.Field_Completion_Outcome)));
        }

        if (reason.Length is 0 or > MaxReasonLength || reason.Any(char.IsControl))
        {
            errors.Add(FieldError.Of("reason", nameof(Texts.Field_Completion_Reason), MaxReasonLength));
        }

        return errors.Count > 0
            ? (null, reason, Http.Error(StatusCodes.Status422UnprocessableEntity, "invalid_override", nameof(Texts.Error_Completion_InvalidOverride), details: errors))
            : (outcome, reason, null);
    }

    /// <summary>CSV with a header: a person column (<c>nip</c>, <c>email</c> or <c>participantId</c>) and <c>nilai</c>/<c>score</c> (0-100). All or nothing.</summary>
    [Function(nameof(ImportPostTestScores))]
    [Requires(Permission.RunCycle, AccessScope.Cycle)]
    public async Task<IActionResult> ImportPostTestScores(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "cycles/{cycleId}/post-test-scores")] HttpRequest request,
        [DurableClient] DurableTaskClient durable,
        string cycleId)
    {
        var ct = request.HttpContext.RequestAborted;
        var cycle = await cycles.GetAsync(cycleId, ct);
        if (cycle is null)
        {
            return Http.NotFound(Missing.Cycle);
        }

        if (await RefusedAsync(cycle, ct) is { } blocked)
        {
            return blocked;
        }

        var body = await Http.ReadBodyAsync(request, MaxScoreBytes, ct);
        if (body is null)
        {
            return Http.TooLarge(MaxScoreBytes);
        }

        var people = (await participants.ListAsync(cycleId, ct)).Where(p => p.Status == ParticipantStatus.Confirmed).ToList();
        var (scores, errors) = ParseScores(body, people);
        if (errors.Count > 0 || scores.Count == 0)
        {
            return Http.Error(StatusCodes.Status422UnprocessableEntity, "invalid_scores", nameof(Texts.Error_Completion_InvalidScores), [errors.Count], errors);
        }

        var actor = AuditActors.Of(request);
        await store.SaveScoresAsync(cycleId, scores, actor.Name, time.GetUtcNow(), ct);
        await audit.WriteAsync(cycleId, actor, "completion.scores-imported", details: scores.Count.ToString(CultureInfo.InvariantCulture), cancellationToken: ct);
        var changeKey = CompletionFollowUp.ChangeKey(["scores", .. scores.Select(s => s.ParticipantId + "=" + s.Score.ToString(CultureInfo.InvariantCulture)).Order(StringComparer.Ordinal)]);
        return await AfterChangeAsync(request, durable, cycleId, [.. scores.Select(s => s.ParticipantId)], changeKey, new Dictionary<string, object?> { ["cycleId"] = cycleId, ["imported"] = scores.Count });
    }

    /// <summary>After the training the rule is decided: re-decide it for these people, and once Completed schedule the documents as workflow work.</summary>
    private async Task<IActionResult> AfterChangeAsync(HttpRequest request, DurableTaskClient durable, string cycleId, IReadOnlyCollection<string> ids, string changeKey, Dictionary<string, object?> response)
    {
        var ct = request.HttpContext.RequestAborted;
        var current = await cycles.GetAsync(cycleId, ct);
        if (current is not null && current.Phase is CyclePhase.Completing or CyclePhase.Completed)
        {
            var outcomes = await followUp.ReevaluateAsync(current, ids, ct);
            response["completion"] = outcomes.Select(o => new
            {
                participantId = o.ParticipantId,
                outcome = o.Result.Outcome,
                eligible = o.Result.Eligible,
                changed = o.OutcomeChanged,
                explanation = o.Result.Explanation,
                explanationEn = o.Result.ExplanationEn,
                certificateNumber = o.CertificateNumber,
                certificateToReview = o.CertificateToReview,
            }).ToList();
            if (current.Phase == CyclePhase.Completed && outcomes.Any(o => o.OutcomeChanged))
            {
                var followUpId = await followUp.ScheduleCertificatesAsync(current, changeKey, durable, ct);
                if (followUpId is null)
                {
                    return CompletionFollowUp.NotScheduled(request);
                }

                response["certificates"] = new { scheduled = true, followUpId };
            }
        }

        return Http.Ok(response);
    }

    internal static (List<(string ParticipantId, decimal Score)> Scores, List<RowError> Errors) ParseScores(string text, IReadOnlyList<ParticipantEntity> people)
    {
        var scores = new List<(string, decimal)>();
        var errors = new List<RowError>();
        var byNip = people.Where(p => !string.IsNullOrEmpty(p.Nip)).GroupBy(p => p.Nip!).ToDictionary(g => g.Key, g => g.First().RowKey, StringComparer.Ordinal);
        var byEmail = people.GroupBy(p => p.Email, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.First().RowKey, StringComparer.OrdinalIgnoreCase);
        var byId = people.ToDictionary(p => p.RowKey, p => p.RowKey, StringComparer.Ordinal);
        var config = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            DetectDelimiter = true,
            DetectDelimiterValues = [",", ";", "\t"],
            TrimOptions = TrimOptions.Trim,
            BadDataFound = null,
            MissingFieldFound = null,
        };
        using var reader = new StringReader(text.TrimStart('\uFEFF'));
        using var csv = new CsvReader(reader, config);
        if (!csv.Read() || !csv.ReadHeader() || csv.HeaderRecord is null)
        {
            errors.Add(new(1, "header", Text.Both(nameof(Texts.Field_Completion_ScoreHeader))));
            return (scores, errors);
        }

        int Column(params string[] names) => Array.FindIndex(csv.HeaderRecord, h => names.Contains(h.Trim(), StringComparer.OrdinalIgnoreCase));
        var nipColumn = Column("nip");
        var emailColumn = Column("email", "surel", "e-mail");
        var idColumn = Column("participantId", "id peserta");
        var scoreColumn = Column("nilai", "score", "nilai post-test", "post-test", "posttest");
        if (scoreColumn < 0 || nipColumn < 0 && emailColumn < 0 && idColumn < 0)
        {
            errors.Add(new(1, "header", Text.Both(nameof(Texts.Field_Completion_ScoreHeader))));
            return (scores, errors);
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (csv.Read())
        {
            var line = csv.Parser.RawRow;
            if (csv.Parser.Record is { } record && record.All(string.IsNullOrWhiteSpace))
            {
                continue;
            }

            if (scores.Count + errors.Count >= MaxScoreRows)
            {
                errors.Add(new(line, "", Text.Both(nameof(Texts.Field_Completion_ScoreTooManyRows), MaxScoreRows)));
                break;
            }

            string Cell(int i) => i >= 0 ? csv.GetField(i)?.Trim() ?? "" : "";
            var (nip, email, id) = (Cell(nipColumn).Replace(" ", "", StringComparison.Ordinal), Cell(emailColumn), Cell(idColumn));
            string? who = nip.Length > 0 && byNip.TryGetValue(nip, out var a) ? a
                : email.Length > 0 && byEmail.TryGetValue(email, out var b) ? b
                : id.Length > 0 && byId.TryGetValue(id, out var c) ? c : null;
            var named = nip.Length > 0 ? nip : email.Length > 0 ? email : id;
            if (who is null)
            {
                errors.Add(new(line, "participant", Text.Both(nameof(Texts.Field_Completion_ScoreUnknownPerson)), value: named));
                continue;
            }

            var raw = Cell(scoreColumn).Replace(',', '.');
            if (!decimal.TryParse(raw, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var score) || score > 100 || decimal.Round(score, 2) != score)
            {
                errors.Add(new(line, "score", Text.Both(nameof(Texts.Field_Completion_ScoreInvalid)), value: Cell(scoreColumn)));
                continue;
            }

            if (!seen.Add(who))
            {
                errors.Add(new(line, "participant", Text.Both(nameof(Texts.Field_Completion_ScoreDuplicate)), value: named));
                continue;
            }

            scores.Add((who, score));
        }

        return (scores, errors);
    }
}
