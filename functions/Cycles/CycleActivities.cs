using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Cycles;

/// <summary>The cycle orchestration's I/O. Each activity is safe to run twice (activities run at least once).</summary>
public sealed class CycleActivities(CycleStore cycles, AuditLog audit, TimeProvider time, ILogger<CycleActivities> logger)
{
    [Function(nameof(LoadCyclePlan))]
    public async Task<CyclePlan> LoadCyclePlan([ActivityTrigger] string cycleId)
    {
        var cycle = await cycles.GetAsync(cycleId) ?? throw new InvalidOperationException($"Cycle {cycleId} not found");
        var s = cycle.Schedule;
        return new CyclePlan(
            cycleId,
            cycle.Entity.ScheduleVersion,
            s.RegistrationOpensAt,
            cycle.RegistrationClosesAt,
            s.TrainingStartsAt,
            cycle.TrainingEndsAt,
            s.RemindersBeforeDeadline,
            s.RemindersBeforeTraining,
            cycle.Entity.CancelledAt is not null,
            cycle.Entity.RegistrationClosedAt is not null,
            cycle.Entity.TrainingEndedAt is not null);
    }

    /// <summary>How early a durable timer may fire (or this instance's clock may lag the one that planned) and still be waited out.</summary>
    public static readonly TimeSpan MaxTimerSkew = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Durable timers may fire a few hundred milliseconds before their time, and an activity may run on an instance
    /// whose clock is a little behind. A step whose meaning is "this planned time has passed" waits out such a
    /// small difference and then uses the planned time, never a clock read that is still before it. A larger
    /// difference is not skew (the step was reached otherwise, e.g. by an organizer's command): then it is now.
    /// </summary>
    public static async Task<DateTimeOffset> NotBeforeAsync(TimeProvider time, DateTimeOffset planned, CancellationToken cancellationToken = default)
    {
        var early = planned - time.GetUtcNow();
        if (early <= TimeSpan.Zero || early > MaxTimerSkew)
        {
            return time.GetUtcNow();
        }

        await Task.Delay(early, time, cancellationToken);
        var now = time.GetUtcNow();
        return now > planned ? now : planned;
    }

    /// <summary>The planned time a phase is entered at, when only a timer leads there (an organizer's command sets its own time).</summary>
    private static DateTimeOffset? PlannedEntry(CycleRecord cycle, CyclePhase phase) => phase switch
    {
        CyclePhase.RegistrationOpen => cycle.Schedule.RegistrationOpensAt,
        CyclePhase.AwaitingTraining when cycle.Entity.RegistrationClosedAt is null => cycle.Schedule.RegistrationClosesAt,
        CyclePhase.InTraining => cycle.Schedule.TrainingStartsAt,
        CyclePhase.Completing => cycle.TrainingEndsAt,
        _ => null,
    };

    [Function(nameof(SetCyclePhase))]
    public async Task<CycleCounts> SetCyclePhase([ActivityTrigger] PhaseChange change)
    {
        var before = await cycles.GetAsync(change.CycleId) ?? throw new InvalidOperationException($"Cycle {change.CycleId} not found");
        var planned = before.Entity.Phase == change.Phase.ToString() ? null : PlannedEntry(before, change.Phase);
        var now = planned is { } at ? await NotBeforeAsync(time, at) : time.GetUtcNow();
        var changed = false;
        var cycle = await cycles.UpdateAsync(change.CycleId, entity =>
        {
            if (entity.Phase == change.Phase.ToString())
            {
                return false;
            }

            entity.Phase = change.Phase.ToString();
            if (change.Phase == CyclePhase.AwaitingTraining && entity.RegistrationClosedAt is null)
            {
                // Closed by the deadline's timer: registration closed at the deadline (the form refuses from then
                // on by its own clock), even when the timer fired a little early or much later.
                entity.RegistrationClosedAt = before.Schedule.RegistrationClosesAt;
            }

            if (change.Phase == CyclePhase.Completed)
            {
                entity.CompletedAt = now;
            }

            changed = true;
            return true;
        });
        if (changed)
        {
            await audit.WriteAsync(change.CycleId, AuditLog.System, "cycle.phase", details: change.Phase.ToString());
            Telemetry.PhaseChanges.Add(1, new KeyValuePair<string, object?>("from", before.Entity.Phase), new KeyValuePair<string, object?>("to", change.Phase.ToString()));
            logger.LogInformation("Cycle {CycleId} phase {FromPhase} → {ToPhase}", change.CycleId, before.Entity.Phase, change.Phase);
        }

        return await cycles.CountsAsync(cycle);
    }

    [Function(nameof(GetCycleCounts))]
    public Task<CycleCounts> GetCycleCounts([ActivityTrigger] string cycleId) => cycles.CountsAsync(cycleId);
}
