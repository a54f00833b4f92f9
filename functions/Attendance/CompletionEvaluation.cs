using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Attendance;

/// <summary>A person's verdict as the rule would give it now, with the score and the override it used.</summary>
public sealed record CompletionPreview(CompletionResult Result, decimal? PostTestScore, CompletionOverride? Override);

/// <summary>
/// The one run of the completion rule over stored inputs — attendance marks, post-test scores, organizer overrides —
/// used by the workflow (<see cref="AttendanceActivities.EvaluateCompletion"/>, everyone) and by corrections
/// (<see cref="CompletionFollowUp.ReevaluateAsync"/>, the people a request touched). It records a verdict (outcome,
/// JP counted, explanation) and audits it only when it changed, so the two callers never disagree or flap.
/// </summary>
public sealed class CompletionEvaluation(AttendanceStore attendance, ParticipantStore participants, CompletionStore completion, IEnumerable<IPostTestScoreSource> scoreSources, AuditLog audit, TimeProvider time)
{
    /// <summary>Evaluates the confirmed participants among <paramref name="participantIds"/> (everyone confirmed when null).</summary>
    public async Task<IReadOnlyList<EligibilityOutcome>> EvaluateAsync(CycleRecord cycle, IReadOnlyCollection<string>? participantIds, CancellationToken cancellationToken = default)
    {
        var rule = cycle.Definition.Completion ?? new CompletionRule();
        var wanted = participantIds?.ToHashSet(StringComparer.Ordinal);
        var people = (await participants.ListAsync(cycle.CycleId, cancellationToken))
            .Where(p => p.Status == ParticipantStatus.Confirmed && (wanted is null || wanted.Contains(p.RowKey)))
            .OrderBy(p => p.RowKey, StringComparer.Ordinal)
            .ToList();
        var marks = (await attendance.ForCycleAsync(cycle.CycleId, cancellationToken))
            .GroupBy(a => a.ParticipantId)
            .ToDictionary(g => g.Key, g => (IReadOnlyDictionary<string, string>)g.ToDictionary(a => a.SessionId, a => a.Status), StringComparer.Ordinal);
        var scores = rule.MinimumPostTestScore is null ? new Dictionary<string, decimal>() : await ScoresAsync(cycle.CycleId, cancellationToken);
        var overrides = await completion.OverridesAsync(cycle.CycleId, cancellationToken);

        var now = time.GetUtcNow();
        var outcomes = new List<EligibilityOutcome>();
        var verdicts = new List<EligibilityVerdict>();
        var audits = new List<AuditEntry>();
        foreach (var p in people)
        {
            var ov = overrides.TryGetValue(p.RowKey, out var o) ? new CompletionOverride(o.Outcome, o.Reason) : null;
            var result = CompletionRuleEvaluator.Evaluate(rule, cycle.Schedule.Sessions, marks.GetValueOrDefault(p.RowKey) ?? new Dictionary<string, string>(),
                scores.TryGetValue(p.RowKey, out var score) ? score : null, ov);
            outcomes.Add(new EligibilityOutcome(p.RowKey, p.Eligible, result, p.CertificateNumber, p.CompletionOutcome));
            if (p.Eligible == result.Eligible && p.EligibilityExplanation == result.ExplanationEn && p.CompletionOutcome == result.Outcome && (p.EarnedJp ?? 0) == result.EarnedJp)
            {
                continue;
            }

            verdicts.Add(new EligibilityVerdict(p.RowKey, result.Eligible, result.ExplanationEn, result.Outcome, result.EarnedJp, result.Explanation));
            audits.Add(new AuditEntry(now, AuditLog.System, result.Eligible ? "completion.eligible" : "completion.not-eligible", p.RowKey, CompletionRuleEvaluator.AuditDetails(result)));
        }

        await participants.RecordEligibilityAsync(cycle.CycleId, verdicts, cancellationToken);
        await audit.WriteManyAsync(cycle.CycleId, audits, cancellationToken);
        return outcomes;
    }

    /// <summary>
    /// The same run over the same stored inputs (marks, post-test scores, overrides) for the listed people, whatever their
    /// status, written nowhere: the attendance export and the dashboard's live "meets rule" preview (#20), so what an
    /// organizer sees before the workflow decides is what the workflow will decide.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, CompletionPreview>> PreviewAsync(CycleRecord cycle, IReadOnlyCollection<string> participantIds, CancellationToken cancellationToken = default)
    {
        var rule = cycle.Definition.Completion ?? new CompletionRule();
        var marks = (await attendance.ForCycleAsync(cycle.CycleId, cancellationToken))
            .GroupBy(a => a.ParticipantId)
            .ToDictionary(g => g.Key, g => (IReadOnlyDictionary<string, string>)g.ToDictionary(a => a.SessionId, a => a.Status), StringComparer.Ordinal);
        var scores = rule.MinimumPostTestScore is null ? new Dictionary<string, decimal>() : await ScoresAsync(cycle.CycleId, cancellationToken);
        var overrides = await completion.OverridesAsync(cycle.CycleId, cancellationToken);
        var result = new Dictionary<string, CompletionPreview>(StringComparer.Ordinal);
        foreach (var id in participantIds)
        {
            var ov = overrides.TryGetValue(id, out var o) ? new CompletionOverride(o.Outcome, o.Reason) : null;
            decimal? score = scores.TryGetValue(id, out var s) ? s : null;
            result[id] = new CompletionPreview(
                CompletionRuleEvaluator.Evaluate(rule, cycle.Schedule.Sessions, marks.GetValueOrDefault(id) ?? new Dictionary<string, string>(), score, ov), score, ov);
        }

        return result;
    }

    /// <summary>Every source's scores; a source registered later wins for the same person (the evaluation capability's over the import).</summary>
    public async Task<IReadOnlyDictionary<string, decimal>> ScoresAsync(string cycleId, CancellationToken cancellationToken)
    {
        var merged = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var source in scoreSources)
        {
            foreach (var (id, score) in await source.PostTestScoresAsync(cycleId, cancellationToken))
            {
                merged[id] = score;
            }
        }

        return merged;
    }
}
