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
    CycleStore cycles, ParticipantStore participants, AttendanceStore attendance, AppTables tables, AuditLog audit,
    CompletionFollowUp followUp, TimeProvider time, ILogger<RosterFunctions> logger)
{
    public const int MaxMarks = 1000;
    public const int MaxBodyBytes = 1024 * 1024;
    public const int MaxNoteLength = 500;
    public const int MaxMarkedByLength = 100;
    public const string DefaultActor = "organizer";

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

        if (input!.Marks is null)
        {
            return Http.Error(StatusCodes.Status400BadRequest, "marks_required", nameof(Texts.Error_Att_MarksRequired));
        }

        if (input.Marks.Count > MaxMarks)
        {
            return Http.Error(StatusCodes.Status422UnprocessableEntity, "too_many_marks", nameof(Texts.Error_Att_TooManyMarks), [MaxMarks]);
        }

        // Who marks is the proven caller; automation may name the officer it acts for, in one short line.
        var typed = input.MarkedBy?.Trim() ?? "";
        if (typed.Length > MaxMarkedByLength || typed.Any(char.IsControl))
        {
            return Http.Error(StatusCodes.Status422UnprocessableEntity, "invalid_marked_by", nameof(Texts.Error_Att_InvalidMarkedBy), [MaxMarkedByLength]);
        }

        var people = (await participants.ListAsync(cycleId, cancellationToken)).ToDictionary(p => p.RowKey, StringComparer.Ordinal);
        var (marks, errors) = Validate(input.Marks, people);
        if (errors.Count > 0)
        {
            // All or nothing, like the invitee import: fix the listed items and send the same request again (it is idempotent).
            return Http.Error(StatusCodes.Status422UnprocessableEntity, "invalid_marks", nameof(Texts.Error_Att_InvalidMarks), [errors.Count], errors);
        }

        var changes = await ApplyAsync(cycleId, session.Id, marks, AuditActors.Of(request, input.MarkedBy), cancellationToken);
        if (changes is null)
        {
            return Http.Error(StatusCodes.Status409Conflict, "busy", nameof(Texts.Error_Att_Busy));
        }

        var response = new Dictionary<string, object?>
        {
            ["cycleId"] = cycleId,
            ["sessionId"] = session.Id,
            ["received"] = marks.Count,
            ["changed"] = changes.Count,
            ["unchanged"] = marks.Count - changes.Count,
            ["changes"] = changes.Select(c => new { participantId = c.ParticipantId, from = c.From, to = c.To, note = c.Note }).ToList(),
        };

        // After the training the rule is decided; a correction re-decides it for the people it touched.
        var current = await cycles.GetAsync(cycleId, cancellationToken) ?? cycle;
        if (current.Phase is CyclePhase.Completing or CyclePhase.Completed)
        {
            // Everyone the request marks, not only those whose marks changed now: write-free for the rest, and a
            // request sent again after one that saved its marks but died before this step finishes the job. The
            // answer lists those whose marks changed and anyone whose verdict changed.
            var changedIds = changes.Select(c => c.ParticipantId).ToHashSet(StringComparer.Ordinal);
            var outcomes = (await followUp.ReevaluateAsync(current, [.. marks.Select(m => m.ParticipantId)], cancellationToken))
                .Where(o => changedIds.Contains(o.ParticipantId) || o.Changed).ToList();
            response["completion"] = outcomes.Select(o => new
            {
                participantId = o.ParticipantId,
                eligible = o.Result.Eligible,
                changed = o.Changed,
                explanation = o.Result.Explanation,
                explanationEn = o.Result.ExplanationEn,
                certificateNumber = o.CertificateNumber,
                certificateToReview = o.CertificateToReview,
            }).ToList();
            if (current.Phase == CyclePhase.Completed)
            {
                // Numbering, PDFs and mail are workflow work: the answer says they are scheduled, not done.
                // The key is what was asked (not what changed), so the same request sent again after a lost
                // answer names the same follow-up, and one whose marks were saved but whose follow-up was not
                // started (the request failed between) starts it now.
                var changeKey = CertificateFollowUpOrchestration.ChangeKey(["roster", session.Id, .. marks.Select(m => $"{m.ParticipantId}={m.Status}").Order(StringComparer.Ordinal),
                    .. changes.Select(c => $"{c.ParticipantId}:{c.From}>{c.To}").Order(StringComparer.Ordinal)]);
                var followUpId = await followUp.ScheduleCertificatesAsync(current, changeKey, durable, cancellationToken);
                if (followUpId is null)
                {
                    return CompletionFollowUp.NotScheduled(request);
                }

                response["certificates"] = new { scheduled = true, followUpId };
            }
        }

        return Http.Ok(response);
    }

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
        var roster = (await participants.ListAsync(cycleId, cancellationToken))
            .Where(p => p.Status == ParticipantStatus.Confirmed || byParticipant.ContainsKey(p.RowKey))
            .OrderBy(p => p.FullName ?? p.Email, StringComparer.CurrentCultureIgnoreCase).ThenBy(p => p.RowKey, StringComparer.Ordinal)
            .Select(p =>
            {
                IReadOnlyDictionary<string, AttendanceEntity> marks = byParticipant.GetValueOrDefault(p.RowKey) ?? new Dictionary<string, AttendanceEntity>();
                var result = CompletionRuleEvaluator.Evaluate(rule, cycle.Schedule.Sessions, marks.ToDictionary(m => m.Key, m => m.Value.Status));
                return new RosterLine(p, marks, result);
            })
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
            }).ToList(),
        });
    }

    private sealed record RosterLine(ParticipantEntity Participant, IReadOnlyDictionary<string, AttendanceEntity> Marks, CompletionResult Result);

    private sealed record ValidMark(string ParticipantId, string Status, string? Note);

    private sealed record MarkChange(string ParticipantId, string? From, string To, string? Note);

    private static (List<ValidMark> Marks, List<MarkError> Errors) Validate(IReadOnlyList<AttendanceMark?> input, IReadOnlyDictionary<string, ParticipantEntity> people)
    {
        var marks = new List<ValidMark>(input.Count);
        var errors = new List<MarkError>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < input.Count; i++)
        {
            var item = input[i];
            var id = item?.ParticipantId?.Trim();
            var before = errors.Count;
            if (string.IsNullOrEmpty(id))
            {
                errors.Add(MarkError.Of(i, id, "participantId", nameof(Texts.Field_Att_ParticipantId_Missing)));
            }
            else if (!people.TryGetValue(id, out var person))
            {
                errors.Add(MarkError.Of(i, id, "participantId", nameof(Texts.Field_Att_ParticipantId_Unknown)));
            }
            else if (person.Status != ParticipantStatus.Confirmed)
            {
                errors.Add(MarkError.Of(i, id, "participantId", nameof(Texts.Field_Att_ParticipantId_NotConfirmed), person.Status));
            }
            else if (!seen.Add(id))
            {
                errors.Add(MarkError.Of(i, id, "participantId", nameof(Texts.Field_Att_ParticipantId_Twice)));
            }

            var status = AttendanceStatus.Normalize(item?.Status);
            if (status is null)
            {
                errors.Add(MarkError.Of(i, id, "status", nameof(Texts.Field_Att_Status_Invalid)));
            }

            var note = string.IsNullOrWhiteSpace(item?.Note) ? null : item.Note.Trim();
            if (note is { Length: > MaxNoteLength })
            {
                errors.Add(MarkError.Of(i, id, "note", nameof(Texts.Field_Att_Note_TooLong), MaxNoteLength));
            }

            if (errors.Count == before)
            {
                marks.Add(new ValidMark(id!, status!, note));
            }
        }

        return (marks, errors);
    }

    /// <summary>
    /// Writes the marks that differ from what is stored, in entity-group transactions of up to 100 under ETags
    /// (a check-in racing a mark makes the batch fail and be recomputed, never silently lost), and audits each
    /// change once it is committed. Null when the session kept changing under us.
    /// </summary>
    private async Task<List<MarkChange>?> ApplyAsync(string cycleId, string sessionId, List<ValidMark> marks, AuditActor actor, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.Attendance, cancellationToken);
        var applied = new List<MarkChange>();
        for (var attempt = 0; attempt < 8; attempt++)
        {
            var stored = (await attendance.ForSessionAsync(cycleId, sessionId, cancellationToken)).ToDictionary(r => r.ParticipantId, StringComparer.Ordinal);
            var now = time.GetUtcNow();
            var pending = marks
                .Select(m => (Mark: m, Row: stored.GetValueOrDefault(m.ParticipantId)))
                .Where(x => x.Row is null || x.Row.Status != x.Mark.Status || x.Row.Note != x.Mark.Note)
                .ToList();
            if (pending.Count == 0)
            {
                return applied;
            }

            try
            {
                foreach (var chunk in pending.Chunk(100))
                {
                    var actions = chunk.Select(x =>
                    {
                        var entity = new AttendanceEntity
                        {
                            PartitionKey = cycleId,
                            RowKey = AttendanceStore.Key(sessionId, x.Mark.ParticipantId),
                            SessionId = sessionId,
                            ParticipantId = x.Mark.ParticipantId,
                            Status = x.Mark.Status,
                            CheckedInAt = x.Row?.CheckedInAt,
                            Source = AttendanceSource.Roster,
                            MarkedBy = actor.Name,
                            MarkedAt = now,
                            Note = x.Mark.Note,
                        };
                        return x.Row is null
                            ? new TableTransactionAction(TableTransactionActionType.Add, entity)
                            : new TableTransactionAction(TableTransactionActionType.UpdateReplace, entity, x.Row.ETag);
                    }).ToList();
                    await table.SubmitTransactionAsync(actions, cancellationToken);
                    var changes = chunk.Select(x => new MarkChange(x.Mark.ParticipantId, x.Row?.Status, x.Mark.Status, x.Mark.Note)).ToList();
                    applied.AddRange(changes);
                    await audit.WriteManyAsync(cycleId, [.. changes.Select(c => AuditEntry.By(actor, now, "attendance.marked", c.ParticipantId, AuditDetails(sessionId, c)))], cancellationToken);
                }

                return applied;
            }
            catch (TableTransactionFailedException e) when (e.Status is 409 or 412)
            {
                // A check-in or another organizer wrote one of these rows meanwhile: read again, recompute what differs.
                logger.LogInformation("Attendance marks for session {SessionId} of cycle {CycleId} raced another write; retrying", sessionId, cycleId);
            }
        }

        return null;
    }

    private static string AuditDetails(string sessionId, MarkChange c) =>
        c.From == c.To ? $"{sessionId}: {c.To} (catatan/note)" : $"{sessionId}: {c.From ?? "—"} → {c.To}";

    /// <summary>CSV for spreadsheets: one line per participant, one column per session; formula-like cells are escaped.</summary>
    private static byte[] ToCsv(IReadOnlyList<ScheduledSession> sessions, IReadOnlyList<RosterLine> roster)
    {
        var config = new CsvConfiguration(CultureInfo.InvariantCulture) { InjectionOptions = InjectionOptions.Escape };
        using var buffer = new MemoryStream();
        using (var writer = new StreamWriter(buffer, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true)))
        using (var csv = new CsvWriter(writer, config))
        {
            string[] head = ["participant_id", "registration_number", "full_name", "nip", "agency", "participant_status"];
            string[] tail = ["counted", "total", "percent", "meets_rule", "eligible", "completion", "completion_en", "certificate_number"];
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
                    r.Eligible ? "true" : "false", p.Eligible is null ? "" : p.Eligible.Value ? "true" : "false", r.Explanation, r.ExplanationEn, p.CertificateNumber];
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
