using Azure.Data.Tables;
using Microsoft.Azure.Functions.Worker;
using TrainingCycles.Attendance;
using TrainingCycles.Certificates;
using TrainingCycles.Infrastructure;
using TrainingCycles.Registration;

namespace TrainingCycles.Cycles;

/// <summary>The cycle orchestration's I/O. Each activity is safe to run twice (activities run at least once).</summary>
public sealed class CycleActivities(CycleStore cycles, AppTables tables, AttendanceStore attendance, CertificateIssuer certificates, AuditLog audit, TimeProvider time)
{
    [Function(nameof(LoadCyclePlan))]
    public async Task<CyclePlan> LoadCyclePlan([ActivityTrigger] string cycleId)
    {
        var cycle = await cycles.GetAsync(cycleId) ?? throw new InvalidOperationException($"Cycle {cycleId} not found");
        var s = cycle.Schedule;
        var checkIn = cycle.Definition.CheckIn ?? new CheckInSettings();
        // Training ends when the last session ends and its check-in window has closed, whichever is later.
        var trainingEnds = s.Sessions.Max(x => x.EndsAt > x.StartsAt.AddMinutes(checkIn.ClosesMinutesAfterStart) ? x.EndsAt : x.StartsAt.AddMinutes(checkIn.ClosesMinutesAfterStart));
        return new CyclePlan(
            cycleId,
            cycle.Entity.ScheduleVersion,
            s.RegistrationOpensAt,
            cycle.Entity.RegistrationClosedAt is { } closed && closed < s.RegistrationClosesAt ? closed : s.RegistrationClosesAt,
            s.TrainingStartsAt,
            cycle.Entity.TrainingEndedAt is { } ended && ended < trainingEnds ? ended : trainingEnds,
            s.RemindersBeforeDeadline,
            s.RemindersBeforeTraining,
            cycle.Entity.CancelledAt is not null,
            cycle.Entity.RegistrationClosedAt is not null,
            cycle.Entity.TrainingEndedAt is not null);
    }

    [Function(nameof(SetCyclePhase))]
    public async Task<CycleCounts> SetCyclePhase([ActivityTrigger] PhaseChange change)
    {
        var now = time.GetUtcNow();
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
                entity.RegistrationClosedAt = now;
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
        }

        return await cycles.CountsAsync(cycle);
    }

    [Function(nameof(GetCycleCounts))]
    public Task<CycleCounts> GetCycleCounts([ActivityTrigger] string cycleId) => cycles.CountsAsync(cycleId);

    /// <summary>Every confirmed participant with no mark for a session that has ended becomes absent.</summary>
    [Function(nameof(FinalizeAttendance))]
    public async Task<StepResult> FinalizeAttendance([ActivityTrigger] string cycleId)
    {
        var cycle = await cycles.GetAsync(cycleId) ?? throw new InvalidOperationException($"Cycle {cycleId} not found");
        var now = time.GetUtcNow();
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
        var table = await tables.GetAsync(AppTables.Participants);
        var now = time.GetUtcNow();
        var changes = new List<ParticipantEntity>();
        var audits = new List<AuditEntry>();
        foreach (var p in await ConfirmedAsync(cycleId))
        {
            var result = CompletionRuleEvaluator.Evaluate(rule, cycle.Schedule.Sessions, marks.GetValueOrDefault(p.RowKey) ?? new Dictionary<string, string>());
            if (p.Eligible == result.Eligible && p.EligibilityExplanation == result.ExplanationEn)
            {
                continue;
            }

            changes.Add(new ParticipantEntity { PartitionKey = cycleId, RowKey = p.RowKey, ETag = Azure.ETag.All, Eligible = result.Eligible, EligibilityExplanation = result.ExplanationEn });
            audits.Add(new AuditEntry(now, AuditLog.System, result.Eligible ? "completion.eligible" : "completion.not-eligible", p.RowKey, result.ExplanationEn));
        }

        foreach (var chunk in changes.Chunk(100))
        {
            await table.SubmitTransactionAsync(chunk.Select(c => new TableTransactionAction(TableTransactionActionType.UpdateMerge, new TableEntity(c.PartitionKey, c.RowKey)
            {
                [nameof(ParticipantEntity.Eligible)] = c.Eligible,
                [nameof(ParticipantEntity.EligibilityExplanation)] = c.EligibilityExplanation,
            }, Azure.ETag.All)));
        }

        await audit.WriteManyAsync(cycleId, audits);
        return new StepResult(changes.Count);
    }

    [Function(nameof(IssueCertificates))]
    public async Task<StepResult> IssueCertificates([ActivityTrigger] string cycleId)
    {
        await certificates.AssignNumbersAsync(cycleId);
        return new StepResult(await certificates.IssuePendingAsync(cycleId));
    }

    private async Task<List<ParticipantEntity>> ConfirmedAsync(string cycleId)
    {
        var table = await tables.GetAsync(AppTables.Participants);
        var result = new List<ParticipantEntity>();
        await foreach (var p in table.QueryAsync<ParticipantEntity>(ParticipantStore.ParticipantFilter(cycleId)))
        {
            if (p.Status == ParticipantStatus.Confirmed)
            {
                result.Add(p);
            }
        }

        return result;
    }
}
