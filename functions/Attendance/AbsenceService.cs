using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Attendance;

/// <summary>What a participant's request came to: a page (status, title and text keys).</summary>
public sealed record AbsencePageOutcome(int Status, string TitleKey, string TextKey, object?[]? Args = null);

/// <summary>A participant's excused-absence request, read from the form.</summary>
public sealed record AbsenceRequestInput(string? SessionId, string? Reason, string? Note, byte[]? Evidence);

/// <summary>Body of <c>POST …/absence-requests/{requestId}/decision</c>.</summary>
public sealed record AbsenceDecisionRequest(string? Decision, string? Note);

/// <summary>
/// Excused absence (izin) end to end: the participant asks from their personal link (before or after the session,
/// until the roster is locked), the organizer approves or rejects with a note; an approval is the <c>Excused</c> mark
/// through <see cref="RosterMarking"/> (audited, re-decided like any roster correction). The decision is mailed once
/// (<see cref="AbsenceMail"/>).
/// </summary>
public sealed class AbsenceService(AbsenceStore store, ParticipantStore participants, RosterMarking marking, AuditLog audit, TimeProvider time, ILogger<AbsenceService> logger)
{
    public const int MaxNoteLength = 500;

    public async Task<AbsencePageOutcome> RequestAsync(CycleRecord cycle, ParticipantEntity participant, AbsenceRequestInput input, CancellationToken cancellationToken)
    {
        var session = cycle.Schedule.Sessions.FirstOrDefault(s => s.Id == input.SessionId?.Trim());
        var reason = AbsenceReason.Normalize(input.Reason);
        var note = Blank(PlainText.Line(input.Note, MaxNoteLength + 1));
        if (session is null || reason is null || note is { Length: > MaxNoteLength })
        {
            return new(StatusCodes.Status422UnprocessableEntity, nameof(Texts.Absence_Refused_Title), nameof(Texts.Absence_Refused_Invalid), [MaxNoteLength]);
        }

        string? contentType = null;
        if (input.Evidence is { Length: > 0 } evidence)
        {
            var (problem, type) = EvidenceCheck.Check(evidence);
            if (problem != EvidenceProblem.None)
            {
                return new(problem == EvidenceProblem.TooLarge ? StatusCodes.Status413PayloadTooLarge : StatusCodes.Status415UnsupportedMediaType,
                    nameof(Texts.Absence_Refused_Title), problem == EvidenceProblem.TooLarge ? nameof(Texts.Absence_Refused_EvidenceTooLarge) : nameof(Texts.Absence_Refused_EvidenceType),
                    [EvidenceCheck.MaxBytes / (1024 * 1024)]);
            }

            contentType = type;
        }

        var table = await store.TableAsync(cancellationToken);
        var partition = AbsenceStore.Partition(cycle.CycleId);
        var key = AbsenceStore.Key(session.Id, participant.RowKey);
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var existing = await store.GetAsync(cycle.CycleId, key, cancellationToken);
            if (existing is { Status: AbsenceStatus.Pending or AbsenceStatus.Approved })
            {
                return new(StatusCodes.Status409Conflict, nameof(Texts.Absence_Refused_Title), nameof(Texts.Absence_Refused_AlreadyAsked));
            }

            var rosterLock = await store.LockAsync(cycle.CycleId, cancellationToken);
            if (rosterLock?.Locked == true)
            {
                return new(StatusCodes.Status409Conflict, nameof(Texts.Absence_Refused_Title), nameof(Texts.Absence_Refused_Locked));
            }

            if (input.Evidence is { Length: > 0 })
            {
                // Overwrite-safe (one name per person and session); written before the row so a row never names a missing file.
                await store.Evidence.CreateIfNotExistsAsync(PublicAccessType.None, cancellationToken: cancellationToken);
                await store.Evidence.GetBlobClient(AbsenceStore.EvidenceBlobName(cycle.CycleId, session.Id, participant.RowKey))
                    .UploadAsync(new BinaryData(input.Evidence), new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = contentType } }, cancellationToken);
            }

            var row = new AbsenceRequestEntity
            {
                PartitionKey = partition, RowKey = key, SessionId = session.Id, ParticipantId = participant.RowKey, Reason = reason, Note = note,
                EvidenceContentType = contentType, EvidenceBytes = input.Evidence?.Length ?? 0, RequestedAt = time.GetUtcNow(), Round = (existing?.Round ?? 0) + 1,
            };

            // The lock row is touched in the same entity-group transaction: a lock decided meanwhile fails this one (and the reverse).
            var lockRow = new RosterLockEntity { PartitionKey = partition, Locked = false, ChangedBy = rosterLock?.ChangedBy, ChangedAt = rosterLock?.ChangedAt, ReopenReason = rosterLock?.ReopenReason, Reopened = rosterLock?.Reopened ?? 0 };
            TableTransactionAction[] actions =
            [
                existing is null ? new(TableTransactionActionType.Add, row) : new(TableTransactionActionType.UpdateReplace, row, existing.ETag),
                rosterLock is null ? new(TableTransactionActionType.Add, lockRow) : new(TableTransactionActionType.UpdateReplace, lockRow, rosterLock.ETag),
            ];
            try
            {
                await table.SubmitTransactionAsync(actions, cancellationToken);
            }
            catch (TableTransactionFailedException e) when (e.Status is 409 or 412)
            {
                logger.LogInformation("Absence request in cycle {CycleId} raced another write; retrying", cycle.CycleId);
                continue;
            }

            if (input.Evidence is not { Length: > 0 } && existing?.EvidenceContentType is not null)
            {
                await store.Evidence.GetBlobClient(AbsenceStore.EvidenceBlobName(cycle.CycleId, session.Id, participant.RowKey)).DeleteIfExistsAsync(cancellationToken: cancellationToken);
            }

            await audit.WriteAsync(cycle.CycleId, "participant", "absence.requested", participant.RowKey, $"{session.Id}: {reason}", cancellationToken);
            return new(StatusCodes.Status200OK, nameof(Texts.Absence_Sent_Title), nameof(Texts.Absence_Sent_Text), [session.Title]);
        }

        return new(StatusCodes.Status409Conflict, nameof(Texts.Absence_Refused_Title), nameof(Texts.Absence_Refused_Busy));
    }

    /// <summary>Approve or reject a pending request. Deciding the same way again answers the stored decision (idempotent).</summary>
    public async Task<(AbsenceRequestEntity? Decided, bool Changed, Refusal? Refused)> DecideAsync(CycleRecord cycle, string requestId, AbsenceDecisionRequest input, AuditActor actor, CancellationToken cancellationToken)
    {
        var approve = string.Equals(input.Decision?.Trim(), "approve", StringComparison.OrdinalIgnoreCase);
        var reject = string.Equals(input.Decision?.Trim(), "reject", StringComparison.OrdinalIgnoreCase);
        var note = Blank(PlainText.Line(input.Note, MaxNoteLength + 1));
        if ((!approve && !reject) || note is { Length: > MaxNoteLength } || (reject && string.IsNullOrEmpty(note)))
        {
            return (null, false, new Refusal(StatusCodes.Status422UnprocessableEntity, "invalid_decision", nameof(Texts.Error_Absence_InvalidDecision), [MaxNoteLength]));
        }

        if (AbsenceStore.KeyOfId(requestId) is not { } key || await store.GetAsync(cycle.CycleId, key, cancellationToken) is not { } row)
        {
            return (null, false, new Refusal(StatusCodes.Status404NotFound, "not_found", nameof(Texts.Error_Absence_NotFound)));
        }

        var status = approve ? AbsenceStatus.Approved : AbsenceStatus.Rejected;
        if (row.Status != AbsenceStatus.Pending)
        {
            return row.Status == status
                ? (row, false, null)
                : (null, false, new Refusal(StatusCodes.Status409Conflict, "already_decided", nameof(Texts.Error_Absence_AlreadyDecided)));
        }

        if (await store.IsLockedAsync(cycle.CycleId, cancellationToken))
        {
            return (null, false, RosterLocked);
        }

        if (approve)
        {
            // The mark first: if the person can no longer be marked nothing is decided; a decision write lost after it is healed by asking again.
            var label = AbsenceReason.Label(row.Reason, "id");
            var marked = await marking.MarkAsync(cycle.CycleId, row.SessionId,
                new MarkAttendanceRequest([new AttendanceMark(row.ParticipantId, AttendanceStatus.Excused, PlainText.Line($"izin disetujui: {label}" + (note is null ? "" : " — " + note), RosterFunctions.MaxNoteLength))], null),
                actor, cancellationToken);
            if (marked.Refused is { } refused)
            {
                return (null, false, refused);
            }
        }

        row.Status = status;
        row.DecidedBy = actor.Name;
        row.DecidedAt = time.GetUtcNow();
        row.DecisionNote = note;
        try
        {
            await (await store.TableAsync(cancellationToken)).UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            return (null, false, new Refusal(StatusCodes.Status409Conflict, "busy", nameof(Texts.Error_Att_Busy)));
        }

        await audit.WriteAsync(cycle.CycleId, actor, approve ? "absence.approved" : "absence.rejected", row.ParticipantId, $"{row.SessionId}: {row.Reason}" + (note is null ? "" : "\n" + note), cancellationToken);
        return (row, true, null);
    }

    private static string? Blank(string value) => value.Length == 0 ? null : value;

    public static Refusal RosterLocked => new(StatusCodes.Status409Conflict, "roster_locked", nameof(Texts.Error_Roster_Locked));

    /// <summary>The people listed with their requests, for the organizer.</summary>
    public async Task<object> ListAsync(CycleRecord cycle, CancellationToken cancellationToken)
    {
        var rows = await store.ListAsync(cycle.CycleId, cancellationToken);
        var people = (await participants.GetManyAsync(cycle.CycleId, rows.Select(r => r.ParticipantId).Distinct())).ToDictionary(p => p.RowKey, StringComparer.Ordinal);
        return new
        {
            cycleId = cycle.CycleId,
            locked = await store.IsLockedAsync(cycle.CycleId, cancellationToken),
            requests = rows.OrderBy(r => r.RequestedAt).Select(r => new
            {
                requestId = r.Id, sessionId = r.SessionId, participantId = r.ParticipantId, name = people.GetValueOrDefault(r.ParticipantId)?.FullName,
                reason = r.Reason, note = r.Note, hasEvidence = r.EvidenceContentType is not null, evidenceContentType = r.EvidenceContentType,
                requestedAt = r.RequestedAt, status = r.Status, decidedBy = r.DecidedBy, decidedAt = r.DecidedAt, decisionNote = r.DecisionNote,
            }).ToList(),
        };
    }

    /// <summary>Schedules the decision mail (ids only; exactly once through the email log).</summary>
    public Task MailDecisionAsync(DurableTaskClient durable, string cycleId, AbsenceRequestEntity row) =>
        AbsenceMail.ScheduleAsync(durable, new AbsenceMailRequest(cycleId, row.RowKey, AbsenceMail.Occurrence(row)), logger);
}
