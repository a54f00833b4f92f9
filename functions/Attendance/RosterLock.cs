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

    /// <summary>Locks the roster; the refusal lists what is still open. Locking a locked roster answers it as it is.</summary>
    public async Task<(bool Already, Refusal? Refused)> LockAsync(CycleRecord cycle, AuditActor actor, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var current = await store.LockAsync(cycle.CycleId, cancellationToken);
            if (current?.Locked == true)
            {
                return (true, null);
            }

            var pending = (await store.ListAsync(cycle.CycleId, cancellationToken)).Where(r => r.Status == AbsenceStatus.Pending).Select(r => r.Id).ToList();
            var unmarked = await UnmarkedAsync(cycle, cancellationToken);
            if (pending.Count > 0 || unmarked.Count > 0)
            {
                return (false, new Refusal(StatusCodes.Status409Conflict, "roster_open_items", nameof(Texts.Error_Roster_OpenItems), [unmarked.Count, pending.Count],
                    new { unmarked, pendingAbsenceRequests = pending }));
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
                continue;
            }

            await audit.WriteAsync(cycle.CycleId, actor, "roster.locked", cancellationToken: cancellationToken);
            return (false, null);
        }

        return (false, new Refusal(StatusCodes.Status409Conflict, "busy", nameof(Texts.Error_Att_Busy)));
    }

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
        var ended = cycle.Schedule.Sessions.Where(s => s.EndsAt <= now).ToList();
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
