using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Attendance;

/// <summary>
/// #20: the storage side of the roster-lock wait (<see cref="RosterLockWait"/>, in Cycles so the cycle's workflow does
/// not depend on this layer): the activity that re-reads the lock, and the signal the lock route raises.
/// </summary>
public sealed class RosterLockGate(CycleStore cycles, AbsenceStore absences, AuditLog audit, TimeProvider time, ILogger<RosterLockGate> logger)
{
    [Function(RosterLockWait.CheckActivity)]
    public async Task<RosterGateState> CheckRosterGate([ActivityTrigger] string cycleId)
    {
        var cycle = await cycles.GetAsync(cycleId) ?? throw new InvalidOperationException($"Cycle {cycleId} not found");
        var state = RosterLockWait.Decide(cycle.Definition.Completion, await absences.IsLockedAsync(cycleId, default), cycle.TrainingEndsAt, time.GetUtcNow());
        if (state.Why == "wait-over")
        {
            // At least once: a retried activity may write it twice, which says the same.
            await audit.WriteAsync(cycleId, AuditLog.System, "roster.lock-wait-over", details: $"{cycle.Definition.Completion!.RosterLockWaitHours} h");
        }

        return state;
    }

    /// <summary>Tells the cycle's workflow the roster was locked; harmless when it is not waiting (the gate re-reads the lock).</summary>
    public async Task SignalAsync(DurableTaskClient durable, string cycleId, CancellationToken cancellationToken)
    {
        try
        {
            await durable.RaiseEventAsync(cycleId, RosterLockWait.EventName, "locked", cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // No running workflow (completed, or gone): nothing waits. The gate's timer covers a lost event.
            logger.LogInformation(e, "Roster-locked event for cycle {CycleId} not delivered", cycleId);
        }
    }
}
