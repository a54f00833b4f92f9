using System.Globalization;
using TrainingCycles.Cycles;

namespace TrainingCycles.Attendance;

public sealed record CompletionResult(bool Eligible, int Counted, int Total, int Percent, string Explanation, string ExplanationEn);

/// <summary>The one place the completion rule is decided, with the reason a person can read.</summary>
public static class CompletionRuleEvaluator
{
    /// <param name="statusBySession">The participant's mark per session id (missing = no mark = absent).</param>
    public static CompletionResult Evaluate(CompletionRule rule, IReadOnlyList<ScheduledSession> sessions, IReadOnlyDictionary<string, string> statusBySession)
    {
        var total = sessions.Count;
        var counted = sessions.Count(s => statusBySession.TryGetValue(s.Id, out var status) && Counts(rule, status));
        var percent = total == 0 ? 0 : (int)Math.Floor(counted * 100.0 / total);
        // Exact integer comparison: 2 of 3 sessions is 66.67%, which must not pass a 67% rule by rounding.
        var eligible = total > 0 && counted * 100 >= rule.MinimumAttendancePercent * total;
        var op = eligible ? "≥" : "<";
        var what = string.Join(", ", new[] { "hadir", rule.LateCounts ? "terlambat" : null, rule.ExcusedCounts ? "izin" : null }.Where(x => x is not null));
        var whatEn = string.Join(", ", new[] { "present", rule.LateCounts ? "late" : null, rule.ExcusedCounts ? "excused" : null }.Where(x => x is not null));
        var id = string.Create(CultureInfo.InvariantCulture, $"mengikuti {counted} dari {total} sesi ({what}), {percent}% {op} {rule.MinimumAttendancePercent}%");
        var en = string.Create(CultureInfo.InvariantCulture, $"attended {counted} of {total} sessions ({whatEn}), {percent}% {op} {rule.MinimumAttendancePercent}%");
        return new CompletionResult(eligible, counted, total, percent, id, en);
    }

    public static bool Counts(CompletionRule rule, string status) => status switch
    {
        AttendanceStatus.Present => true,
        AttendanceStatus.Late => rule.LateCounts,
        AttendanceStatus.Excused => rule.ExcusedCounts,
        _ => false,
    };
}
