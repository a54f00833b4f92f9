using System.Globalization;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;

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
        // Stored on the rows in both languages, numbers as digits whatever the language.
        string Explain(string lang) => string.Format(CultureInfo.InvariantCulture, Text.Get(lang, nameof(Texts.Att_Completion_Explanation)),
            counted, total, Breakdown(rule, sessions, statusBySession, lang), percent, op, rule.MinimumAttendancePercent);
        var id = Explain("id");
        var en = Explain("en");
        return new CompletionResult(eligible, counted, total, percent, id, en);
    }

    /// <summary>
    /// " (1 tepat waktu, 1 terlambat)" — how the counted sessions were attended, then what the rule did not count
    /// (" (1 tepat waktu; tidak dihitung: 1 terlambat)"); empty when nothing was attended. Each language whole.
    /// </summary>
    private static string Breakdown(CompletionRule rule, IReadOnlyList<ScheduledSession> sessions, IReadOnlyDictionary<string, string> statusBySession, string lang)
    {
        int N(string status) => sessions.Count(s => statusBySession.TryGetValue(s.Id, out var x) && x == status);
        string Part(int n, string status) => string.Create(CultureInfo.InvariantCulture, $"{n} {Word(status, lang)}");
        var counted = new List<string>();
        var notCounted = new List<string>();
        foreach (var status in new[] { AttendanceStatus.Present, AttendanceStatus.Late, AttendanceStatus.Excused })
        {
            var n = N(status);
            if (n > 0)
            {
                (Counts(rule, status) ? counted : notCounted).Add(Part(n, status));
            }
        }

        var text = string.Join(", ", counted);
        if (notCounted.Count > 0)
        {
            text += (text.Length > 0 ? "; " : "") + string.Format(CultureInfo.InvariantCulture, Text.Get(lang, nameof(Texts.Att_Completion_NotCounted)), string.Join(", ", notCounted));
        }

        return text.Length == 0 ? "" : " (" + text + ")";
    }

    private static string Word(string status, string lang) =>
        status == AttendanceStatus.Present ? Text.Get(lang, nameof(Texts.Att_Status_OnTime)) : AttendanceStatus.Label(status, lang);

    /// <summary>What the audit log keeps for a completion verdict: the Indonesian and the English explanation, one per line.</summary>
    public static string AuditDetails(CompletionResult result) => result.Explanation + "\n" + result.ExplanationEn;

    public static bool Counts(CompletionRule rule, string status) => status switch
    {
        AttendanceStatus.Present => true,
        AttendanceStatus.Late => rule.LateCounts,
        AttendanceStatus.Excused => rule.ExcusedCounts,
        _ => false,
    };
}
