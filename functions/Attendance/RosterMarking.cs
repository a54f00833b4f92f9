using Azure.Data.Tables;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using TrainingCycles.Cycles;
using TrainingCycles.Identity;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Attendance;

/// <summary>A mark that passed the checks: a confirmed participant, a known status, a bounded note.</summary>
public sealed record ValidMark(string ParticipantId, string Status, string? Note);

/// <summary>What a marking request changed for one participant (From null: there was no row).</summary>
public sealed record MarkChange(string ParticipantId, string? From, string To, string? Note);

/// <summary>What a marking request did: refused (nothing written), or the valid marks and the changes among them.</summary>
public sealed record MarkingResult(Refusal? Refused, IReadOnlyList<ValidMark> Marks, IReadOnlyList<MarkChange> Changes);

/// <summary>
/// Bulk marking of one session from the organizer's roster (<see cref="RosterFunctions"/> is its trigger):
/// all or nothing on the shape, idempotent, every actual change audited.
/// </summary>
public sealed class RosterMarking(ParticipantStore participants, AttendanceStore attendance, AuditLog audit, TimeProvider time, ILogger<RosterMarking> logger, AbsenceStore absences)
{
    public async Task<MarkingResult> MarkAsync(string cycleId, string sessionId, MarkAttendanceRequest input, AuditActor actor, CancellationToken cancellationToken)
    {
        if (input.Marks is null)
        {
            return Refused(new Refusal(StatusCodes.Status400BadRequest, "marks_required", nameof(Texts.Error_Att_MarksRequired)));
        }

        if (input.Marks.Count > RosterFunctions.MaxMarks)
        {
            return Refused(new Refusal(StatusCodes.Status422UnprocessableEntity, "too_many_marks", nameof(Texts.Error_Att_TooManyMarks), [RosterFunctions.MaxMarks]));
        }

        // Who marks is the proven caller; automation may name the officer it acts for, in one short line.
        var typed = input.MarkedBy?.Trim() ?? "";
        if (typed.Length > RosterFunctions.MaxMarkedByLength || typed.Any(char.IsControl))
        {
            return Refused(new Refusal(StatusCodes.Status422UnprocessableEntity, "invalid_marked_by", nameof(Texts.Error_Att_InvalidMarkedBy), [RosterFunctions.MaxMarkedByLength]));
        }

        if (await absences.IsLockedAsync(cycleId, cancellationToken))
        {
            return Refused(AbsenceService.RosterLocked); // #20: an administrator reopens it first
        }

        var people = (await participants.ListAsync(cycleId, cancellationToken)).ToDictionary(p => p.RowKey, StringComparer.Ordinal);
        var (marks, errors) = Validate(input.Marks, people);
        if (errors.Count > 0)
        {
            // All or nothing, like the invitee import: fix the listed items and send the same request again (it is idempotent).
            return Refused(new Refusal(StatusCodes.Status422UnprocessableEntity, "invalid_marks", nameof(Texts.Error_Att_InvalidMarks), [errors.Count], errors));
        }

        var (changes, locked) = await ApplyAsync(cycleId, sessionId, marks, actor, cancellationToken);
        return locked
            ? new MarkingResult(AbsenceService.RosterLocked, marks, changes ?? []) // locked meanwhile: what committed before it counts, the rest is refused
            : changes is null
            ? Refused(new Refusal(StatusCodes.Status409Conflict, "busy", nameof(Texts.Error_Att_Busy)))
            : new MarkingResult(null, marks, changes);
    }

    private static MarkingResult Refused(Refusal refusal) => new(refusal, [], []);

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
            if (note is { Length: > RosterFunctions.MaxNoteLength })
            {
                errors.Add(MarkError.Of(i, id, "note", nameof(Texts.Field_Att_Note_TooLong), RosterFunctions.MaxNoteLength));
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
    private async Task<(List<MarkChange>? Changes, bool Locked)> ApplyAsync(string cycleId, string sessionId, List<ValidMark> marks, AuditActor actor, CancellationToken cancellationToken)
    {
        var applied = new List<MarkChange>();
        for (var attempt = 0; attempt < AttendanceStore.FencedAttempts; attempt++)
        {
            var stored = (await attendance.ForSessionAsync(cycleId, sessionId, cancellationToken)).ToDictionary(r => r.ParticipantId, StringComparer.Ordinal);
            var now = time.GetUtcNow();
            var pending = marks
                .Select(m => (Mark: m, Row: stored.GetValueOrDefault(m.ParticipantId)))
                .Where(x => x.Row is null || x.Row.Status != x.Mark.Status || x.Row.Note != x.Mark.Note)
                .ToList();
            if (pending.Count == 0)
            {
                return (applied, false);
            }

            var raced = false;

            // #20: each chunk commits with the session's roster fence (one slot of the 100 a transaction holds).
            foreach (var chunk in pending.Chunk(AttendanceStore.MaxFencedActions))
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
                var written = await attendance.SubmitFencedAsync(cycleId, sessionId, actions, cancellationToken);
                if (written == FencedWrite.Locked)
                {
                    return (applied, true);
                }

                if (written == FencedWrite.Conflict)
                {
                    raced = true;
                    break;
                }

                var changes = chunk.Select(x => new MarkChange(x.Mark.ParticipantId, x.Row?.Status, x.Mark.Status, x.Mark.Note)).ToList();
                applied.AddRange(changes);
                await audit.WriteManyAsync(cycleId, [.. changes.Select(c => AuditEntry.By(actor, now, "attendance.marked", c.ParticipantId, AuditDetails(sessionId, c)))], cancellationToken);
            }

            if (!raced)
            {
                return (applied, false);
            }

            // A check-in or another organizer wrote one of these rows meanwhile: read again, recompute what differs.
            logger.LogInformation("Attendance marks for session {SessionId} of cycle {CycleId} raced another write; retrying", sessionId, cycleId);
            await AttendanceStore.BackoffAsync(attempt, cancellationToken); // concurrent markers of a session share its fence row
        }

        return (null, false);
    }

    private static string AuditDetails(string sessionId, MarkChange c) =>
        c.From == c.To ? $"{sessionId}: {c.To} (catatan/note)" : $"{sessionId}: {c.From ?? "—"} → {c.To}";

}
