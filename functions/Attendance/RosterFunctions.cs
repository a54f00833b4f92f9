using System.Globalization;
using System.Text;
using Azure;
using Azure.Data.Tables;
using CsvHelper;
using CsvHelper.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using TrainingCycles.Certificates;
using TrainingCycles.Cycles;
using TrainingCycles.Identity;
using TrainingCycles.Infrastructure;
using TrainingCycles.Reminders;

namespace TrainingCycles.Attendance;

/// <summary>Body of <c>PUT …/sessions/{sessionId}/attendance</c>.</summary>
public sealed record MarkAttendanceRequest(IReadOnlyList<AttendanceMark?>? Marks, string? MarkedBy);

public sealed record AttendanceMark(string? ParticipantId, string? Status, string? Note);

/// <summary>A mark that cannot be applied; the whole request is then refused (nothing is written).</summary>
public sealed record MarkError(int Index, string? ParticipantId, string Field, string Message, string MessageEn)
{
    /// <summary>A problem with one item of a request, its message from the catalog in both languages.</summary>
    public static MarkError Of(int index, string? participantId, string field, string key, params object?[] args)
    {
        var (message, messageEn) = Text.Both(key, args);
        return new(index, participantId, field, message, messageEn);
    }
}

/// <summary>
/// The organizer's roster: bulk marking of one session (idempotent, every actual change audited), the session
/// roster and the whole cycle's attendance as JSON or CSV, each participant with the completion rule's reason.
/// </summary>
public sealed class RosterFunctions(
    CycleStore cycles, ParticipantStore participants, AttendanceStore attendance, RosterMarking marking, AuditLog audit,
    CompletionFollowUp followUp, TimeProvider time, CompletionEvaluation evaluation)
{
    public const int MaxMarks = 1000;
    public const int MaxBodyBytes = 1024 * 1024;
    public const int MaxNoteLength = 500;
    public const int MaxMarkedByLength = 100;

    [Function(nameof(MarkSessionAttendance))]

    [Requires(Permission.TeachSession, AccessScope.Session)]
    public async Task<IActionResult> MarkSessionAttendance(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "cycles/{cycleId}/sessions/{sessionId}/attendance")] HttpRequest request,
        [DurableClient] DurableTaskClient durable,
        string cycleId,
        string sessionId)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        var cycle = await cycles.GetAsync(cycleId, cancellationToken);
        if (cycle is null)
        {
            return Http.NotFound(Missing.Cycle);
        }

        var session = cycle.Schedule.Sessions.FirstOrDefault(s => s.Id == sessionId);
        if (session is null)
        {
            return Http.NotFound(Missing.Session);
        }

        var body = await Http.ReadBodyAsync(request, MaxBodyBytes, cancellationToken);
        if (body is null)
        {
            return Http.TooLarge(MaxBodyBytes);
        }

        if (!Http.TryParseJson<MarkAttendanceRequest>(body, out var input, out var parseError))
        {
            return parseError!;
        }

        if (cycle.Phase == CyclePhase.Cancelled)
        {
            return CycleFunctions.WrongPhase(cycle.Phase);
        }

        var result = await marking.MarkAsync(cycleId, session.Id, input!, AuditActors.Of(request, input!.MarkedBy), cancellationToken);
        if (result.Refused is { } refused)
        {
            return refused.ToResult();
        }

        var (marks, changes) = (result.Marks, result.Changes);
        var response = Answer(cycleId, session.Id, result);

        // After the training the rule is decided; a correction re-decides it for everyone the request marks, not only
        // those whose marks changed now: write-free for the rest, and a request sent again after one that saved its
        // marks but died before this step finishes the job. The answer lists those whose marks changed and anyone
        // whose verdict changed. The follow-up's key is what was asked (not what changed), so the same request sent
        // again after a lost answer names the same follow-up.
        var changedIds = changes.Select(c => c.ParticipantId).ToHashSet(StringComparer.Ordinal);
        var current = await cycles.GetAsync(cycleId, cancellationToken) ?? cycle;
        string[] changeKey = ["roster", session.Id, .. marks.Select(m => $"{m.ParticipantId}={m.Status}").Order(StringComparer.Ordinal),
            .. changes.Select(c => $"{c.ParticipantId}:{c.From}>{c.To}").Order(StringComparer.Ordinal)];
        var scheduled = await followUp.AfterCorrectionAsync(current, [.. marks.Select(m => m.ParticipantId)], o => changedIds.Contains(o.ParticipantId) || o.Changed, changeKey, durable, response, cancellationToken);
        return scheduled ? Http.Ok(response) : CompletionFollowUp.NotScheduled(request);
    }

    private static Dictionary<string, object?> Answer(string cycleId, string sessionId, MarkingResult result) => new()
    {
        ["cycleId"] = cycleId,
        ["sessionId"] = sessionId,
        ["received"] = result.Marks.Count,
        ["changed"] = result.Changes.Count,
        ["unchanged"] = result.Marks.Count - result.Changes.Count,
        ["changes"] = result.Changes.Select(c => new { participantId = c.ParticipantId, from = c.From, to = c.To, note = c.Note }).ToList(),
    };

    [Function(nameof(GetSessionAttendance))]

    [Requires(Permission.TeachSession, AccessScope.Session)]
    public async Task<IActionResult> GetSessionAttendance(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "cycles/{cycleId}/sessions/{sessionId}/attendance")] HttpRequest request,
        string cycleId,
        string sessionId)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        var cycle = await cycles.GetAsync(cycleId, cancellationToken);
        var window = cycle is null ? null : CheckInWindows.For(cycle).FirstOrDefault(w => w.Session.Id == sessionId);
        if (cycle is null || window is null)
        {
            return Http.NotFound(cycle is null ? Missing.Cycle : Missing.Session);
        }

        await audit.ViewedAsync(cycleId, AuditActors.Of(request), "attendance", details: sessionId, cancellationToken: cancellationToken);
        var rows = (await attendance.ForSessionAsync(cycleId, sessionId, cancellationToken)).ToDictionary(r => r.ParticipantId, StringComparer.Ordinal);
        var people = (await participants.ListAsync(cycleId, cancellationToken))
            .Where(p => p.Status == ParticipantStatus.Confirmed || rows.ContainsKey(p.RowKey))
            .OrderBy(p => p.FullName ?? p.Email, StringComparer.CurrentCultureIgnoreCase).ThenBy(p => p.RowKey, StringComparer.Ordinal)
            .ToList();
        var items = people.Select(p =>
        {
            var row = rows.GetValueOrDefault(p.RowKey);
            return new
            {
                participantId = p.RowKey,
                fullName = p.FullName,
                registrationNumber = p.RegistrationNumber,
                agency = p.Agency,
                participantStatus = p.Status,
                status = row?.Status,
                checkedInAt = row?.CheckedInAt,
                source = row?.Source,
                markedBy = row?.MarkedBy,
                markedAt = row?.MarkedAt,
                note = row?.Note,
            };
        }).ToList();
        var now = time.GetUtcNow();
        var mode = await attendance.ModeAsync(cycleId, sessionId, cancellationToken);
        return Http.Ok(new
        {
            cycleId,
            session = new { id = window.Session.Id, title = window.Session.Title, startsAt = window.Session.StartsAt, endsAt = window.Session.EndsAt },
            window = new { opensAt = window.OpensAt, closesAt = window.ClosesAt, lateAfter = window.LateAfter, open = window.IsOpen(now) },
            presenceRequired = mode?.PresenceRequired ?? false,
            counts = new
            {
                pending = items.Count(i => i.status == AttendanceStatus.Pending),
                confirmed = people.Count(p => p.Status == ParticipantStatus.Confirmed),
                present = items.Count(i => i.status == AttendanceStatus.Present),
                late = items.Count(i => i.status == AttendanceStatus.Late),
                excused = items.Count(i => i.status == AttendanceStatus.Excused),
                absent = items.Count(i => i.status == AttendanceStatus.Absent),
                unmarked = items.Count(i => i.status is null),
            },
            items,
        });
    }

    /// <summary>Participant × session with statuses and the completion rule's reason; <c>?format=csv</c> for spreadsheets.</summary>
    [Function(nameof(ExportAttendance))]
    [Requires(Permission.ViewPersonalData, AccessScope.Cycle)]
    public async Task<IActionResult> ExportAttendance(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "cycles/{cycleId}/attendance")] HttpRequest request,
        string cycleId)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        var cycle = await cycles.GetAsync(cycleId, cancellationToken);
        if (cycle is null)
        {
            return Http.NotFound(Missing.Cycle);
        }

        await audit.ViewedAsync(cycleId, AuditActors.Of(request), "attendance-export", cancellationToken: cancellationToken);

        var rule = cycle.Definition.Completion ?? new CompletionRule();
        var byParticipant = (await attendance.ForCycleAsync(cycleId, cancellationToken))
            .GroupBy(r => r.ParticipantId)
            .ToDictionary(g => g.Key, g => g.ToDictionary(r => r.SessionId, StringComparer.Ordinal), StringComparer.Ordinal);
        var people = (await participants.ListAsync(cycleId, cancellationToken))
            .Where(p => p.Status == ParticipantStatus.Confirmed || byParticipant.ContainsKey(p.RowKey))
            .OrderBy(p => p.FullName ?? p.Email, StringComparer.CurrentCultureIgnoreCase).ThenBy(p => p.RowKey, StringComparer.Ordinal)
            .ToList();
        // #20: with post-test scores and overrides, the same run the workflow makes.
        var previews = await evaluation.PreviewAsync(cycle, [.. people.Select(p => p.RowKey)], cancellationToken);
        var roster = people
            .Select(p => new RosterLine(p, byParticipant.GetValueOrDefault(p.RowKey) ?? new Dictionary<string, AttendanceEntity>(), previews[p.RowKey]))
            .ToList();

        if (string.Equals(request.Query["format"], "csv", StringComparison.OrdinalIgnoreCase))
        {
            return new FileContentResult(ToCsv(cycle.Schedule.Sessions, roster), "text/csv; charset=utf-8") { FileDownloadName = $"presensi-{cycleId}.csv" };
        }

        return Http.Ok(new
        {
            cycleId,
            rule = new { minimumAttendancePercent = rule.MinimumAttendancePercent, lateCounts = rule.LateCounts, excusedCounts = rule.ExcusedCounts },
            sessions = cycle.Schedule.Sessions.Select(s => new { id = s.Id, title = s.Title, startsAt = s.StartsAt, endsAt = s.EndsAt }).ToList(),
            items = roster.Select(l => new
            {
                participantId = l.Participant.RowKey,
                fullName = l.Participant.FullName,
                registrationNumber = l.Participant.RegistrationNumber,
                agency = l.Participant.Agency,
                participantStatus = l.Participant.Status,
                marks = l.Marks.ToDictionary(m => m.Key, m => new { status = m.Value.Status, checkedInAt = m.Value.CheckedInAt, source = m.Value.Source, markedBy = m.Value.MarkedBy, markedAt = m.Value.MarkedAt, note = m.Value.Note }),
                counted = l.Result.Counted,
                total = l.Result.Total,
                percent = l.Result.Percent,
                meetsRule = l.Result.Eligible,
                explanation = l.Result.Explanation,
                explanationEn = l.Result.ExplanationEn,
                eligible = l.Participant.Eligible,
                certificateNumber = l.Participant.CertificateNumber,
                outcome = l.Result.Outcome,
                postTestScore = l.Preview.PostTestScore,
                overridden = l.Preview.Override is not null,
                overrideReason = l.Preview.Override?.Reason,
            }).ToList(),
        });
    }

    private sealed record RosterLine(ParticipantEntity Participant, IReadOnlyDictionary<string, AttendanceEntity> Marks, CompletionPreview Preview)
    {
        public CompletionResult Result => Preview.Result;
    }

    /// <summary>CSV for spreadsheets: one line per participant, one column per session; formula-like cells are escaped.</summary>
    private static byte[] ToCsv(IReadOnlyList<ScheduledSession> sessions, IReadOnlyList<RosterLine> roster)
    {
        var config = new CsvConfiguration(CultureInfo.InvariantCulture) { InjectionOptions = InjectionOptions.Escape };
        using var buffer = new MemoryStream();
        using (var writer = new StreamWriter(buffer, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true)))
        using (var csv = new CsvWriter(writer, config))
        {
            string[] head = ["participant_id", "registration_number", "full_name", "nip", "agency", "participant_status"];
            string[] tail = ["counted", "total", "percent", "meets_rule", "eligible", "completion", "completion_en", "certificate_number", "outcome", "post_test_score", "overridden", "override_reason"];
            foreach (var header in head.Concat(sessions.Select(s => $"{s.Id}: {s.Title}")).Concat(tail))
            {
                csv.WriteField(header);
            }

            csv.NextRecord();
            foreach (var line in roster)
            {
                var p = line.Participant;
                var r = line.Result;
                IEnumerable<string?> values = [
                    p.RowKey, p.RegistrationNumber, p.FullName, p.Nip, p.Agency, p.Status,
                    .. sessions.Select(s => line.Marks.GetValueOrDefault(s.Id)?.Status),
                    r.Counted.ToString(CultureInfo.InvariantCulture), r.Total.ToString(CultureInfo.InvariantCulture), r.Percent.ToString(CultureInfo.InvariantCulture),
                    r.Eligible ? "true" : "false", p.Eligible is null ? "" : p.Eligible.Value ? "true" : "false", r.Explanation, r.ExplanationEn, p.CertificateNumber,
                    r.Outcome, line.Preview.PostTestScore?.ToString(CultureInfo.InvariantCulture), line.Preview.Override is null ? "false" : "true", line.Preview.Override?.Reason];
                foreach (var value in values)
                {
                    csv.WriteField(value ?? "");
                }

                csv.NextRecord();
            }
        }

        return buffer.ToArray();
    }
}
