using Microsoft.AspNetCore.Http;
using TrainingCycles.Cycles;
using TrainingCycles.Identity;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Attendance;

/// <summary>A door scan: refused with a reason, or the person and their row with what happened (recorded, confirmed, already).</summary>
public sealed record DoorCheckInResult(Refusal? Refused, ParticipantEntity? Participant = null, AttendanceEntity? Row = null, string? Outcome = null);

/// <summary>One pending check-in after a decision: confirmed, rejected, notPending (decided elsewhere, or never held), locked (the roster is locked), or busy (still pending: every try lost the race; ask again).</summary>
public sealed record PendingOutcome(string ParticipantId, string Outcome, string? Status);

/// <summary>
/// The organizer's side of presence-bound check-in (<see cref="PresenceFunctions"/> are its triggers): the scan at
/// the door and the decisions on check-ins held as Pending. Every write is a single row under its ETag (or an
/// insert), so two organizers at two doors — on two instances — never overwrite each other; every change is audited.
/// </summary>
public sealed class PresenceDesk(ParticipantStore participants, AttendanceStore attendance, AuditLog audit, Tokens tokens, TimeProvider time)
{
    public const int MaxDecisions = 1000;
    public const int MaxScannedLength = 2000;
    public const string Confirm = "confirm";
    public const string Reject = "reject";
    private const int Attempts = AttendanceStore.FencedAttempts;

    public async Task<DoorCheckInResult> DoorCheckInAsync(CycleRecord cycle, CheckInWindow window, string? scanned, AuditActor actor, CancellationToken cancellationToken)
    {
        if (cycle.Phase is CyclePhase.Completing or CyclePhase.Completed || cycle.Entity.TrainingEndedAt is not null)
        {
            return new(new Refusal(StatusCodes.Status409Conflict, "training_ended", nameof(Texts.Error_Att_TrainingEnded)));
        }

        var problem = tokens.Validate(Scanned(scanned), TokenPurpose.Presence, out var claims);
        if (problem != TokenProblem.None || claims!.CycleId != cycle.CycleId)
        {
            return new(problem == TokenProblem.Expired
                ? new Refusal(StatusCodes.Status422UnprocessableEntity, "presence_expired", nameof(Texts.Error_Att_PresenceExpired))
                : new Refusal(StatusCodes.Status422UnprocessableEntity, "presence_invalid", nameof(Texts.Error_Att_PresenceInvalid)));
        }

        var participant = await participants.GetAsync(cycle.CycleId, claims.SubjectId, cancellationToken);
        if (participant is null || participant.Status != ParticipantStatus.Confirmed || participant.TokenVersion != claims.Version)
        {
            return new(new Refusal(StatusCodes.Status422UnprocessableEntity, "not_confirmed",
                participant?.Status is not null ? nameof(Texts.Error_Att_NotConfirmed) : nameof(Texts.Error_Att_NotConfirmed_NoStatus), [participant?.Status]));
        }

        var now = time.GetUtcNow();
        if (!window.IsOpen(now))
        {
            return new(new Refusal(StatusCodes.Status409Conflict, "checkin_closed", nameof(Texts.Error_Att_CheckinClosed), Details: new { opensAt = window.OpensAt, closesAt = window.ClosesAt }));
        }

        var sessionId = window.Session.Id;
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var existing = await attendance.GetAsync(cycle.CycleId, sessionId, participant.RowKey, cancellationToken);
            // Recorded already (by the code, a scan or an organizer): nothing changes. A held or a rejected check-in is
            // what the door is for: the person is here now.
            if (existing is not null && existing.Status is not (AttendanceStatus.Pending or AttendanceStatus.Absent))
            {
                return new(null, participant, existing, "already");
            }

            var row = new AttendanceEntity
            {
                PartitionKey = cycle.CycleId,
                RowKey = AttendanceStore.Key(sessionId, participant.RowKey),
                SessionId = sessionId,
                ParticipantId = participant.RowKey,
                Status = window.StatusAt(now),
                CheckedInAt = now,
                Source = AttendanceSource.Door,
                MarkedBy = actor.Name,
                MarkedAt = now,
                ETag = existing?.ETag ?? default,
            };
            var written = await attendance.WriteFencedAsync(row, add: existing is null, cancellationToken); // #20: refused once the roster is locked
            if (written == FencedWrite.Locked)
            {
                return new(AbsenceService.RosterLocked);
            }

            if (written == FencedWrite.Written)
            {
                await audit.WriteAsync(cycle.CycleId, actor, "attendance.door-checkin", participant.RowKey, $"{sessionId}: {existing?.Status ?? "—"} → {row.Status}", cancellationToken);
                return new(null, participant, row, existing is null ? "recorded" : "confirmed");
            }

            await AttendanceStore.BackoffAsync(attempt, cancellationToken);
        }

        return new(new Refusal(StatusCodes.Status409Conflict, "busy", nameof(Texts.Error_Att_PresenceBusy)));
    }

    /// <summary>All or nothing on the shape, like the roster: a bad item refuses the request before anything is written.</summary>
    public static Refusal? Check(IReadOnlyList<PendingDecision?>? decisions)
    {
        if (decisions is not { Count: > 0 })
        {
            return new Refusal(StatusCodes.Status400BadRequest, "decisions_required", nameof(Texts.Error_Att_DecisionsRequired));
        }

        if (decisions.Count > MaxDecisions)
        {
            return new Refusal(StatusCodes.Status422UnprocessableEntity, "too_many_decisions", nameof(Texts.Error_Att_TooManyDecisions), [MaxDecisions]);
        }

        var errors = new List<MarkError>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < decisions.Count; i++)
        {
            var d = decisions[i];
            var id = d?.ParticipantId?.Trim();
            if (string.IsNullOrEmpty(id) || !seen.Add(id))
            {
                errors.Add(MarkError.Of(i, id, "participantId", nameof(Texts.Field_Att_Decision_ParticipantId)));
            }

            if (d?.Decision?.Trim().ToLowerInvariant() is not (Confirm or Reject))
            {
                errors.Add(MarkError.Of(i, id, "decision", nameof(Texts.Field_Att_Decision_Invalid)));
            }

            if (d?.Note is { Length: > RosterFunctions.MaxNoteLength })
            {
                errors.Add(MarkError.Of(i, id, "note", nameof(Texts.Field_Att_Note_TooLong), RosterFunctions.MaxNoteLength));
            }
        }

        return errors.Count > 0 ? new Refusal(StatusCodes.Status422UnprocessableEntity, "invalid_decisions", nameof(Texts.Error_Att_InvalidDecisions), [errors.Count], errors) : null;
    }

    /// <summary>Confirms or rejects held check-ins (already <see cref="Check"/>ed); anything no longer pending is left as it is and reported.</summary>
    public async Task<IReadOnlyList<PendingOutcome>> DecideAsync(string cycleId, CheckInWindow window, IReadOnlyList<PendingDecision?> decisions, AuditActor actor, CancellationToken cancellationToken)
    {
        var sessionId = window.Session.Id;
        var results = new List<PendingOutcome>();
        foreach (var d in decisions)
        {
            var id = d!.ParticipantId!.Trim();
            var confirm = d.Decision!.Trim().Equals(Confirm, StringComparison.OrdinalIgnoreCase);
            var result = new PendingOutcome(id, "notPending", null);
            for (var attempt = 0; attempt < Attempts; attempt++)
            {
                var row = await attendance.GetAsync(cycleId, sessionId, id, cancellationToken);
                if (row is null || row.Status != AttendanceStatus.Pending)
                {
                    result = new PendingOutcome(id, "notPending", row?.Status);
                    break;
                }

                var now = time.GetUtcNow();
                // Confirmed: Present or Late as of the moment the code was typed; rejected: Absent, with the reason.
                row.Status = confirm ? window.StatusAt(row.CheckedInAt ?? now) : AttendanceStatus.Absent;
                row.MarkedBy = actor.Name;
                row.MarkedAt = now;
                row.Note = string.IsNullOrWhiteSpace(d.Note) ? row.Note : d.Note.Trim();
                result = new PendingOutcome(id, "busy", AttendanceStatus.Pending); // unless a try below wins
                var written = await attendance.WriteFencedAsync(row, add: false, cancellationToken);
                if (written == FencedWrite.Locked)
                {
                    result = new PendingOutcome(id, "locked", AttendanceStatus.Pending); // #20: the roster was locked meanwhile
                    break;
                }

                if (written == FencedWrite.Written)
                {
                    await audit.WriteAsync(cycleId, actor, confirm ? "attendance.pending-confirmed" : "attendance.pending-rejected", id, $"{sessionId}: {AttendanceStatus.Pending} → {row.Status}", cancellationToken);
                    result = new PendingOutcome(id, confirm ? "confirmed" : "rejected", row.Status);
                    break;
                }

                await AttendanceStore.BackoffAsync(attempt, cancellationToken);
            }

            results.Add(result);
        }

        return results;
    }

    /// <summary>What a scanner typed: the token itself, or a URL carrying it as <c>p=</c>.</summary>
    private static string? Scanned(string? text)
    {
        text = text?.Trim();
        if (string.IsNullOrEmpty(text) || text.Length > MaxScannedLength)
        {
            return null;
        }

        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && !string.IsNullOrEmpty(uri.Query))
        {
            return Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(uri.Query).TryGetValue("p", out var p) ? p.FirstOrDefault() : null;
        }

        return text;
    }
}
