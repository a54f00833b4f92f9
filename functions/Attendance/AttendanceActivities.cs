using Microsoft.Azure.Functions.Worker;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Attendance;

/// <summary>The cycle workflow's attendance steps, in the capability they belong to (the orchestration calls them by
/// name, so Cycles does not depend on this folder). Each is safe to run twice.</summary>
public sealed class AttendanceActivities(CycleStore cycles, ParticipantStore participants, AttendanceStore attendance, CompletionEvaluation evaluation, AuditLog audit, TimeProvider time)
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

    /// <summary>Applies the completion rule to every confirmed participant and records the outcome and the reason.</summary>
    [Function(nameof(EvaluateCompletion))]
    public async Task<StepResult> EvaluateCompletion([ActivityTrigger] string cycleId)
    {
        var cycle = await cycles.GetAsync(cycleId) ?? throw new InvalidOperationException($"Cycle {cycleId} not found");
        var outcomes = await evaluation.EvaluateAsync(cycle, participantIds: null);
        return new StepResult(outcomes.Count(o => o.Changed || o.OutcomeChanged));
    }

    private async Task<List<ParticipantEntity>> ConfirmedAsync(string cycleId) =>
        [.. (await participants.ListAsync(cycleId)).Where(p => p.Status == ParticipantStatus.Confirmed)];
}
