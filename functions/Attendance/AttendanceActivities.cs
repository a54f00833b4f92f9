using Microsoft.Azure.Functions.Worker;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Attendance;

/// <summary>The cycle workflow's attendance steps, in the capability they belong to (the orchestration calls them by
/// name, so Cycles does not depend on this folder). Each is safe to run twice.</summary>
public sealed class AttendanceActivities(CycleStore cycles, ParticipantStore participants, AttendanceStore attendance, AuditLog audit, TimeProvider time)
{
    /// <summary>
    /// Every confirmed participant with no mark for a session that has ended becomes absent. Runs when training has
    /// ended, so "now" is at least the end of training (<see cref="CycleRecord.TrainingEndsAt"/>): a timer that fired
    /// a few hundred milliseconds early must not leave the last session unmarked for ever.
    /// </summary>
    [Function(nameof(FinalizeAttendance))]
    public async Task<StepResult> FinalizeAttendance([ActivityTrigger] string cycleId)
    {
        var cycle = await cycles.GetAsync(cycleId) ?? throw new InvalidOperationException($"Cycle {cycleId} not found");
        var now = await CycleActivities.NotBeforeAsync(time, cycle.TrainingEndsAt);
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

    private async Task<List<ParticipantEntity>> ConfirmedAsync(string cycleId) =>
        [.. (await participants.ListAsync(cycleId)).Where(p => p.Status == ParticipantStatus.Confirmed)];
}
