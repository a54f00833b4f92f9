using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using TrainingCycles.Attendance;
using TrainingCycles.Certificates;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Cycles;

/// <summary>The cycle orchestration's I/O. Each activity is safe to run twice (activities run at least once).</summary>
public sealed class CycleActivities(CycleStore cycles, ParticipantStore participants, AttendanceStore attendance, CertificateIssuer certificates, AuditLog audit, TimeProvider time, ILogger<CycleActivities> logger)
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

    /// <summary>
    /// Every confirmed participant with no mark for a session that has ended becomes absent. Runs when training has
    /// ended, so "now" is at least the end of training (<see cref="CycleRecord.TrainingEndsAt"/>): a timer that fired
    /// a few hundred milliseconds early must not leave the last session unmarked for ever.
    /// </summary>
    [Function(nameof(FinalizeAttendance))]
    public async Task<StepResult> FinalizeAttendance([ActivityTrigger] string cycleId)
    {
        var cycle = await cycles.GetAsync(cycleId) ?? throw new InvalidOperationException($"Cycle {cycleId} not found");
        var now = await NotBeforeAsync(time, cycle.TrainingEndsAt);
        var confirmed = await ConfirmedAsync(cycleId);
        var marked = (await attendance.ForCycleAsync(cycleId)).Select(a => a.RowKey).ToHashSet(StringComparer.Ordinal);
        var ended = cycle.Schedule.Sessions.Where(s => s.EndsAt <= now || cycle.Entity.TrainingEndedAt is not null).ToList();
        var missing = (from s in ended
                       from p in confirmed
                       where !marked.Contains(AttendanceStore.Key(s.Id, p.RowKey))
                       select new AttendanceEntity
                       {
                           PartitionKey = cycleId,
                           RowKey = AttendanceStore.Key(s.Id, p.RowKey),
                           SessionId = s.Id,
                           ParticipantId = p.RowKey,
                           Status = AttendanceStatus.Absent,
                           Source = AttendanceSource.Auto,
                           MarkedBy = AuditLog.System,
                           MarkedAt = now,
                       }).ToList();
        var added = await attendance.AddMissingAsync(cycleId, missing);
        if (added > 0)
        {
            await audit.WriteAsync(cycleId, AuditLog.System, "attendance.auto-absent", details: $"{added} marks");
        }

        return new StepResult(added);
    }

    /// <summary>Applies the completion rule to every confirmed participant and records the reason.</summary>
    [Function(nameof(EvaluateCompletion))]
    public async Task<StepResult> EvaluateCompletion([ActivityTrigger] string cycleId)
    {
        var cycle = await cycles.GetAsync(cycleId) ?? throw new InvalidOperationException($"Cycle {cycleId} not found");
        var rule = cycle.Definition.Completion ?? new CompletionRule();
        var marks = (await attendance.ForCycleAsync(cycleId)).GroupBy(a => a.ParticipantId).ToDictionary(g => g.Key, g => (IReadOnlyDictionary<string, string>)g.ToDictionary(a => a.SessionId, a => a.Status));
        var now = time.GetUtcNow();
        var verdicts = new List<EligibilityVerdict>();
        var audits = new List<AuditEntry>();
        foreach (var p in await ConfirmedAsync(cycleId))
        {
            var result = CompletionRuleEvaluator.Evaluate(rule, cycle.Schedule.Sessions, marks.GetValueOrDefault(p.RowKey) ?? new Dictionary<string, string>());
            if (p.Eligible == result.Eligible && p.EligibilityExplanation == result.ExplanationEn)
            {
                continue;
            }

            verdicts.Add(new EligibilityVerdict(p.RowKey, result.Eligible, result.ExplanationEn));
            audits.Add(new AuditEntry(now, AuditLog.System, result.Eligible ? "completion.eligible" : "completion.not-eligible", p.RowKey, CompletionRuleEvaluator.AuditDetails(result)));
        }

        await participants.RecordEligibilityAsync(cycleId, verdicts);
        await audit.WriteManyAsync(cycleId, audits);
        return new StepResult(verdicts.Count);
    }

    [Function(nameof(IssueCertificates))]
    public async Task<StepResult> IssueCertificates([ActivityTrigger] string cycleId)
    {
        var numbered = await certificates.AssignNumbersAsync(cycleId);
        var issued = await certificates.IssuePendingAsync(cycleId);
        Telemetry.CertificatesIssued.Add(issued);
        logger.LogInformation("Certificates of cycle {CycleId}: {Numbered} numbered, {Issued} issued", cycleId, numbered, issued);
        return new StepResult(issued);
    }

    private async Task<List<ParticipantEntity>> ConfirmedAsync(string cycleId) =>
        [.. (await participants.ListAsync(cycleId)).Where(p => p.Status == ParticipantStatus.Confirmed)];
}
