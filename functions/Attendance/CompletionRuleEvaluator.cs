using System.Globalization;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Attendance;

/// <summary>What a person's participation ends in: a certificate, a letter of participation, or no document.</summary>
public static class CompletionOutcome
{
    public const string Certificate = nameof(Certificate);
    public const string Letter = nameof(Letter);
    public const string None = nameof(None);

    public static readonly IReadOnlyList<string> All = [Certificate, Letter, None];

    public static string? Normalize(string? value) => All.FirstOrDefault(s => string.Equals(s, value?.Trim(), StringComparison.OrdinalIgnoreCase));
}

/// <summary>An organizer's decision that replaces the rule's outcome for one person, with the reason shown in their explanation.</summary>
public sealed record CompletionOverride(string Outcome, string Reason);

/// <summary>
/// The rule's verdict for one person. <paramref name="Counted"/>/<paramref name="Total"/> are JP when the cycle's
/// sessions carry JP, else sessions. <paramref name="EarnedJp"/> is what the rule counted (0 without JP).
/// </summary>
public sealed record CompletionResult(
    bool Eligible, int Counted, int Total, int Percent, string Explanation, string ExplanationEn,
    string Outcome = CompletionOutcome.None, int EarnedJp = 0);

/// <summary>The one place the completion rule is decided, with the reason a person can read. Pure: no I/O.</summary>
public static class CompletionRuleEvaluator
{
    /// <param name="statusBySession">The participant's mark per session id (missing = no mark = absent).</param>
    public static CompletionResult Evaluate(CompletionRule rule, IReadOnlyList<ScheduledSession> sessions, IReadOnlyDictionary<string, string> statusBySession) =>
        Evaluate(rule, sessions, statusBySession, postTestScore: null, overridden: null);

    /// <summary>
    /// The whole rule. Units are JP when the sessions carry JP (every session then does; the validator checks),
    /// else sessions (weight 1 each), which keeps the session-percentage wording of cycles without JP.
    /// Excused absence (an approved request, or an organizer's mark) counts only when the rule says so, and at most
    /// <see cref="CompletionRule.MaximumExcusedPercent"/> of the total. The letter of participation asks whether the
    /// person was there (on time or late), excused absence not counted.
    /// </summary>
    public static CompletionResult Evaluate(
        CompletionRule rule, IReadOnlyList<ScheduledSession> sessions, IReadOnlyDictionary<string, string> statusBySession, decimal? postTestScore, CompletionOverride? overridden)
    {
        var jpMode = sessions.Any(s => s.Jp > 0);
        int Weight(ScheduledSession s) => jpMode ? s.Jp : 1;
        int Units(Func<string, bool> which) => sessions.Where(s => statusBySession.TryGetValue(s.Id, out var x) && which(x)).Sum(Weight);

        var total = sessions.Sum(Weight);
        var onTime = Units(x => x == AttendanceStatus.Present);
        var late = Units(x => x == AttendanceStatus.Late);
        var excused = Units(x => x == AttendanceStatus.Excused);
        var attended = onTime + (rule.LateCounts ? late : 0);
        var excusedCap = rule.MaximumExcusedPercent is { } cap ? total * cap / 100 : total;
        var excusedCounted = rule.ExcusedCounts ? Math.Min(excused, excusedCap) : 0;
        var counted = attended + excusedCounted;
        var percent = total == 0 ? 0 : (int)Math.Floor(counted * 100.0 / total);

        // Exact integer comparison: 2 of 3 sessions is 66.67%, which must not pass a 67% rule by rounding.
        var attendanceMet = total > 0 && (jpMode && rule.MinimumJp is { } minJp ? counted >= minJp : counted * 100 >= rule.MinimumAttendancePercent * total);
        var scoreMet = rule.MinimumPostTestScore is not { } minScore || postTestScore is { } score && score >= minScore;
        var present = onTime + late;
        var ruleOutcome = attendanceMet && scoreMet ? CompletionOutcome.Certificate
            : rule.LetterMinimumPercent is { } letter && total > 0 && present * 100 >= letter * total ? CompletionOutcome.Letter
            : CompletionOutcome.None;
        var outcome = overridden?.Outcome ?? ruleOutcome;

        var facts = new Facts(rule, jpMode, total, onTime, late, excused, excusedCounted, counted, percent, attendanceMet, postTestScore, overridden, outcome);
        return new CompletionResult(outcome == CompletionOutcome.Certificate, counted, total, percent, Explain(facts, statusBySession, sessions, "id"), Explain(facts, statusBySession, sessions, "en"),
            outcome, jpMode ? counted : 0);
    }

    private sealed record Facts(
        CompletionRule Rule, bool JpMode, int Total, int OnTime, int Late, int Excused, int ExcusedCounted, int Counted, int Percent, bool AttendanceMet,
        decimal? Score, CompletionOverride? Override, string Outcome);

    /// <summary>
    /// One line, each language whole. With JP: "Hadir 14 dari 16 JP; 2 JP izin disetujui; dihitung 16 JP (100%) ≥ 75%;
    /// nilai post-test 78 ≥ 70 → Lulus". Without JP the session wording stays as it was ("hadir 2 dari 3 sesi (…), 66% &lt; 67%"),
    /// followed by the score, the override and the outcome only when the rule or an organizer adds them.
    /// </summary>
    private static string Explain(Facts f, IReadOnlyDictionary<string, string> statusBySession, IReadOnlyList<ScheduledSession> sessions, string lang)
    {
        string T(string key, params object?[] args) => string.Format(CultureInfo.InvariantCulture, Text.Get(lang, key), args);
        var op = f.AttendanceMet ? "≥" : "<";
        var parts = new List<string>();
        if (f.JpMode)
        {
            var attended = f.OnTime + (f.Rule.LateCounts ? f.Late : 0);
            parts.Add(T(nameof(Texts.Att_Completion_JpAttended), attended, f.Total));
            if (!f.Rule.LateCounts && f.Late > 0)
            {
                parts.Add(T(nameof(Texts.Att_Completion_JpLateNotCounted), f.Late));
            }

            if (f.Excused > 0)
            {
                if (f.ExcusedCounted > 0)
                {
                    parts.Add(T(nameof(Texts.Att_Completion_JpExcused), f.ExcusedCounted));
                }

                if (f.Excused > f.ExcusedCounted)
                {
                    parts.Add(f.Rule.ExcusedCounts
                        ? T(nameof(Texts.Att_Completion_JpExcusedOverCap), f.Excused - f.ExcusedCounted, f.Rule.MaximumExcusedPercent)
                        : T(nameof(Texts.Att_Completion_JpExcusedNotCounted), f.Excused));
                }
            }

            parts.Add(f.Rule.MinimumJp is { } minJp
                ? T(nameof(Texts.Att_Completion_JpCountedMin), f.Counted, f.Percent, op, minJp)
                : T(nameof(Texts.Att_Completion_JpCountedPercent), f.Counted, f.Percent, op, f.Rule.MinimumAttendancePercent));
        }
        else
        {
            parts.Add(T(nameof(Texts.Att_Completion_Explanation), f.Counted, f.Total, Breakdown(f.Rule, sessions, statusBySession, lang), f.Percent, op, f.Rule.MinimumAttendancePercent));
        }

        if (f.Rule.MinimumPostTestScore is { } minScore)
        {
            parts.Add(f.Score is { } score
                ? T(nameof(Texts.Att_Completion_Score), Number(score, lang), score >= minScore ? "≥" : "<", Number(minScore, lang))
                : T(nameof(Texts.Att_Completion_NoScore), Number(minScore, lang)));
        }

        if (f.Override is { } o)
        {
            parts.Add(T(nameof(Texts.Att_Completion_Overridden), o.Reason));
        }

        var line = string.Join("; ", parts);
        var showOutcome = f.JpMode || f.Rule.MinimumPostTestScore is not null || f.Rule.LetterMinimumPercent is not null || f.Override is not null;
        return showOutcome ? line + " → " + OutcomeLabel(f.Outcome, lang) : line;
    }

    public static string OutcomeLabel(string outcome, string lang) => Text.Get(lang, outcome switch
    {
        CompletionOutcome.Certificate => nameof(Texts.Att_Outcome_Certificate),
        CompletionOutcome.Letter => nameof(Texts.Att_Outcome_Letter),
        _ => nameof(Texts.Att_Outcome_None),
    });

    /// <summary>A score as people write it: 78, 78,5 (Bahasa Indonesia) / 78.5 (English).</summary>
    private static string Number(decimal value, string lang) =>
        value.ToString("0.##", lang == "en" ? CultureInfo.InvariantCulture : CultureInfo.GetCultureInfo("id-ID"));

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
