using Azure;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Attendance;

/// <summary>Body of <c>POST …/roster/reopen</c>.</summary>
public sealed record RosterReopenRequest(string? Reason);

/// <summary>
/// The locked roster (#20): an organizer locks it before documents are issued — refused while a confirmed participant
/// has no mark for a session that has ended, or an absence request waits for a decision. While locked, roster marks,
/// completion overrides, score imports and absence requests/decisions are refused; an administrator reopens it with a
/// reason, and the rule is then re-run for the whole cycle as workflow work (the certificate follow-up, see
/// <see cref="ReevaluateCompletion"/>).
/// </summary>
public sealed class RosterLock(AbsenceStore store, ParticipantStore participants, AttendanceStore attendance, CompletionEvaluation evaluation, CycleStore cycles, AuditLog audit, TimeProvider time)
{
    public const int MaxReasonLength = 500;

    /// <summary>
    /// Locks the roster; the refusal lists what is still open. Locking a locked roster answers it as it is.
    /// The lock and the marks live in different partitions, so no transaction covers both. Storage decides the race
    /// anyway, in this order: (1) the sessions' fence rows in the marks' partition say locked — from that write on, a
    /// mark either committed before it (its transaction merged the fence under the old ETag) or is refused (the ETag
    /// moved, or it reads "locked"); (2) the open items are checked again on the marks as they now stand, none can
    /// change any more; (3) the lock row is written under the ETag read first, which absence requests also touch.
    /// A refused attempt lifts only the fences it set (<see cref="AttendanceStore.LiftOwnFencesAsync"/>).
    /// </summary>
    public async Task<(bool Already, Refusal? Refused)> LockAsync(CycleRecord cycle, AuditActor actor, CancellationToken cancellationToken)
    {
        var sessions = cycle.Schedule.Sessions.Select(s => s.Id).ToList();
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var current = await store.LockAsync(cycle.CycleId, cancellationToken);
            if (current?.Locked == true)
            {
                return (true, null);
            }

            if (await OpenItemsAsync(cycle, cancellationToken) is { } open)
            {
                return (false, open);
            }

            var owner = Guid.NewGuid().ToString("N");
            await attendance.SetFencesAsync(cycle.CycleId, sessions, locked: true, owner, time.GetUtcNow(), cancellationToken);
            if (await OpenItemsAsync(cycle, cancellationToken) is { } openNow)
            {
                await attendance.LiftOwnFencesAsync(cycle.CycleId, owner, time.GetUtcNow(), cancellationToken);
                return (false, openNow);
            }

            var row = new RosterLockEntity
            {
                PartitionKey = AbsenceStore.Partition(cycle.CycleId), Locked = true, ChangedBy = actor.Name, ChangedAt = time.GetUtcNow(),
                ReopenReason = current?.ReopenReason, Reopened = current?.Reopened ?? 0,
            };
            var table = await store.TableAsync(cancellationToken);
            try
            {
                // Under the ETag read above: an absence request written since (it touches this row) makes us check again.
                if (current is null)
                {
                    await table.AddEntityAsync(row, cancellationToken);
                }
                else
                {
                    await table.UpdateEntityAsync(row, current.ETag, TableUpdateMode.Replace, cancellationToken);
                }
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412)
            {
                await attendance.LiftOwnFencesAsync(cycle.CycleId, owner, time.GetUtcNow(), cancellationToken);
                continue;
            }

            await audit.WriteAsync(cycle.CycleId, actor, "roster.locked", cancellationToken: cancellationToken);
            return (false, null);
        }

        return (false, new Refusal(StatusCodes.Status409Conflict, "busy", nameof(Texts.Error_Att_Busy)));
    }

    /// <summary>Why the roster cannot be locked now: a session not over yet, an unmarked participant, a pending absence request; null when nothing is open.</summary>
    private async Task<Refusal?> OpenItemsAsync(CycleRecord cycle, CancellationToken cancellationToken)
    {
        // Every session over (by time, or training ended early): no check-in or automatic absence can add a mark later.
        var now = time.GetUtcNow();
        var running = cycle.Schedule.Sessions.Where(s => !Ended(cycle, s, now)).Select(s => s.Id).ToList();
        if (running.Count > 0)
        {
            return new Refusal(StatusCodes.Status409Conflict, "roster_sessions_not_ended", nameof(Texts.Error_Roster_SessionsNotEnded), [running.Count], new { sessionsNotEnded = running });
        }

        var pending = (await store.ListAsync(cycle.CycleId, cancellationToken)).Where(r => r.Status == AbsenceStatus.Pending).Select(r => r.Id).ToList();
        var unmarked = await UnmarkedAsync(cycle, cancellationToken);
        return pending.Count > 0 || unmarked.Count > 0
            ? new Refusal(StatusCodes.Status409Conflict, "roster_open_items", nameof(Texts.Error_Roster_OpenItems), [unmarked.Count, pending.Count], new { unmarked, pendingAbsenceRequests = pending })
            : null;
    }

    /// <summary>Whether a session is over, as the workflow's automatic absence sees it (<see cref="AttendanceActivities.FinalizeAttendance"/>).</summary>
    public static bool Ended(CycleRecord cycle, ScheduledSession session, DateTimeOffset now) => session.EndsAt <= now || cycle.Entity.TrainingEndedAt is not null;

    /// <summary>Reopens a locked roster (administrators), audited with the reason; the number of the reopening keys the re-run.</summary>
    public async Task<(int Reopened, Refusal? Refused)> ReopenAsync(CycleRecord cycle, string? reason, AuditActor actor, CancellationToken cancellationToken)
    {
        var line = PlainText.Line(reason, MaxReasonLength + 1);
        if (line.Length is 0 or > MaxReasonLength)
        {
            return (0, new Refusal(StatusCodes.Status422UnprocessableEntity, "invalid_reason", nameof(Texts.Error_Roster_ReopenReason), [MaxReasonLength]));
        }

        var current = await store.LockAsync(cycle.CycleId, cancellationToken);
        if (current?.Locked != true)
        {
            return (0, new Refusal(StatusCodes.Status409Conflict, "roster_not_locked", nameof(Texts.Error_Roster_NotLocked)));
        }

        // The fences first: a reopening cut off here leaves the lock row locked, and a second reopening finishes it.
        await attendance.SetFencesAsync(cycle.CycleId, cycle.Schedule.Sessions.Select(s => s.Id), locked: false, "reopen", time.GetUtcNow(), cancellationToken);
        current.Locked = false;
        current.ChangedBy = actor.Name;
        current.ChangedAt = time.GetUtcNow();
        current.ReopenReason = line;
        current.Reopened++;
        try
        {
            await (await store.TableAsync(cancellationToken)).UpdateEntityAsync(current, current.ETag, TableUpdateMode.Replace, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            return (0, new Refusal(StatusCodes.Status409Conflict, "busy", nameof(Texts.Error_Att_Busy)));
        }

        await audit.WriteAsync(cycle.CycleId, actor, "roster.reopened", details: line, cancellationToken: cancellationToken);
        return (current.Reopened, null);
    }

    /// <summary><c>{sessionId}|{participantId}</c> of every confirmed participant without a mark (or only a held door check-in) for an ended session.</summary>
    public async Task<IReadOnlyList<string>> UnmarkedAsync(CycleRecord cycle, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var ended = cycle.Schedule.Sessions.Where(s => Ended(cycle, s, now)).ToList();
        if (ended.Count == 0)
        {
            return [];
        }

        var confirmed = (await participants.ListAsync(cycle.CycleId, cancellationToken)).Where(p => p.Status == ParticipantStatus.Confirmed).ToList();
        var result = new List<string>();
        foreach (var session in ended)
        {
            var marked = (await attendance.ForSessionAsync(cycle.CycleId, session.Id, cancellationToken))
                .Where(r => r.Status != AttendanceStatus.Pending).Select(r => r.ParticipantId).ToHashSet(StringComparer.Ordinal);
            result.AddRange(confirmed.Where(p => !marked.Contains(p.RowKey)).Select(p => AbsenceStore.Key(session.Id, p.RowKey)));
        }

        return result;
    }

    /// <summary>
    /// Workflow step of the certificate follow-up after a reopening: the rule again for every confirmed participant
    /// (the same run as the workflow's completion step), before the certificates and letters follow. Returns how many
    /// changed their outcome.
    /// </summary>
    [Function(nameof(ReevaluateCompletion))]
    public async Task<int> ReevaluateCompletion([ActivityTrigger] string cycleId)
    {
        if (await cycles.GetAsync(cycleId) is not { } cycle)
        {
            return 0;
        }

        return (await evaluation.EvaluateAsync(cycle, null)).Count(o => o.OutcomeChanged);
    }
}
