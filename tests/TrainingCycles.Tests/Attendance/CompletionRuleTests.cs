using TrainingCycles.Attendance;
using TrainingCycles.Cycles;

namespace TrainingCycles.Tests.Attendance;

public sealed class CompletionRuleTests
{
    private static readonly DateTimeOffset Day = new(2026, 12, 7, 1, 0, 0, TimeSpan.Zero);

    private static IReadOnlyList<ScheduledSession> Sessions(int count) =>
        [.. Enumerable.Range(1, count).Select(i => new ScheduledSession($"s{i}", $"Hari {i}", Day.AddDays(i - 1), Day.AddDays(i - 1).AddHours(4)))];

    private static Dictionary<string, string> Marks(params string[] statuses) =>
        statuses.Select((s, i) => (s, i)).ToDictionary(x => $"s{x.i + 1}", x => x.s);

    [Fact]
    public void NoSessionsMeansNotEligibleAndSaysSo()
    {
        var result = CompletionRuleEvaluator.Evaluate(new CompletionRule { MinimumAttendancePercent = 0 }, [], Marks());

        Assert.False(result.Eligible);
        Assert.Equal(0, result.Total);
        Assert.Contains("0 dari 0 sesi", result.Explanation, StringComparison.Ordinal);
        Assert.Contains("0 of 0 sessions", result.ExplanationEn, StringComparison.Ordinal);
    }

    [Fact]
    public void TwoOfThreeSessionsDoNotPassA67PercentRule()
    {
        var result = CompletionRuleEvaluator.Evaluate(new CompletionRule { MinimumAttendancePercent = 67 }, Sessions(3), Marks("Present", "Present", "Absent"));

        Assert.False(result.Eligible);
        Assert.Equal("attended 2 of 3 sessions (2 on time), 66% < 67%", result.ExplanationEn);
        Assert.Equal("hadir 2 dari 3 sesi (2 tepat waktu), 66% < 67%", result.Explanation);
    }

    [Fact]
    public void TwoOfThreeSessionsPassA66PercentRule()
    {
        var result = CompletionRuleEvaluator.Evaluate(new CompletionRule { MinimumAttendancePercent = 66 }, Sessions(3), Marks("Present", "Present", "Absent"));

        Assert.True(result.Eligible);
        Assert.Equal("attended 2 of 3 sessions (2 on time), 66% ≥ 66%", result.ExplanationEn);
    }

    [Fact]
    public void ExactlyAtTheThresholdPasses()
    {
        var result = CompletionRuleEvaluator.Evaluate(new CompletionRule { MinimumAttendancePercent = 75 }, Sessions(4), Marks("Present", "Late", "Present", "Absent"));

        Assert.True(result.Eligible);
        Assert.Equal((3, 4, 75), (result.Counted, result.Total, result.Percent));
        Assert.Equal("attended 3 of 4 sessions (2 on time, 1 late), 75% ≥ 75%", result.ExplanationEn);
    }

    [Fact]
    public void OneSessionShortOfTheThresholdFailsWithTheNumbers()
    {
        var result = CompletionRuleEvaluator.Evaluate(new CompletionRule { MinimumAttendancePercent = 80 }, Sessions(4), Marks("Present", "Present", "Present", "Absent"));

        Assert.False(result.Eligible);
        Assert.Equal("attended 3 of 4 sessions (3 on time), 75% < 80%", result.ExplanationEn);
    }

    [Theory]
    [InlineData(true, false, "Late", true)]
    [InlineData(false, false, "Late", false)]
    [InlineData(false, true, "Excused", true)]
    [InlineData(false, false, "Excused", false)]
    [InlineData(true, true, "Absent", false)]
    public void LateAndExcusedCountOnlyWhenTheRuleSaysSo(bool lateCounts, bool excusedCounts, string status, bool eligible)
    {
        var rule = new CompletionRule { MinimumAttendancePercent = 100, LateCounts = lateCounts, ExcusedCounts = excusedCounts };

        var result = CompletionRuleEvaluator.Evaluate(rule, Sessions(2), Marks("Present", status));

        Assert.Equal(eligible, result.Eligible);
    }

    [Fact]
    public void TheExplanationNamesWhatCounts()
    {
        var rule = new CompletionRule { MinimumAttendancePercent = 50, LateCounts = false, ExcusedCounts = true };

        var result = CompletionRuleEvaluator.Evaluate(rule, Sessions(2), Marks("Late", "Excused"));

        Assert.Equal("attended 1 of 2 sessions (1 excused; not counted: 1 late), 50% ≥ 50%", result.ExplanationEn);
        Assert.Equal("hadir 1 dari 2 sesi (1 izin; tidak dihitung: 1 terlambat), 50% ≥ 50%", result.Explanation);
    }

    [Fact]
    public void EachLanguageIsWholeAndSaysHowManySessionsWereOnTimeAndLate()
    {
        var result = CompletionRuleEvaluator.Evaluate(new CompletionRule { MinimumAttendancePercent = 100 }, Sessions(3), Marks("Present", "Late", "Absent"));

        Assert.Equal("hadir 2 dari 3 sesi (1 tepat waktu, 1 terlambat), 66% < 100%", result.Explanation);
        Assert.Equal("attended 2 of 3 sessions (1 on time, 1 late), 66% < 100%", result.ExplanationEn);
        foreach (var english in new[] { "attended", "present", "late", "sessions" })
        {
            Assert.DoesNotContain(english, result.Explanation, StringComparison.OrdinalIgnoreCase);
        }

        foreach (var indonesian in new[] { "hadir", "terlambat", "sesi ", "dari" })
        {
            Assert.DoesNotContain(indonesian, result.ExplanationEn, StringComparison.OrdinalIgnoreCase);
        }

        var none = CompletionRuleEvaluator.Evaluate(new CompletionRule(), Sessions(2), Marks("Absent"));
        Assert.Equal(("hadir 0 dari 2 sesi, 0% < 100%", "attended 0 of 2 sessions, 0% < 100%"), (none.Explanation, none.ExplanationEn));
        Assert.Equal(none.Explanation + "\n" + none.ExplanationEn, CompletionRuleEvaluator.AuditDetails(none));
    }

    [Fact]
    public void SessionsWithoutAMarkCountAsAbsentAndMarksForUnknownSessionsAreIgnored()
    {
        var marks = new Dictionary<string, string> { ["s1"] = "Present", ["old-session"] = "Present" };

        var result = CompletionRuleEvaluator.Evaluate(new CompletionRule { MinimumAttendancePercent = 50 }, Sessions(3), marks);

        Assert.Equal((1, 3), (result.Counted, result.Total));
        Assert.False(result.Eligible);
    }

    [Fact]
    public void AZeroPercentRulePassesEvenWithNoAttendance()
    {
        var result = CompletionRuleEvaluator.Evaluate(new CompletionRule { MinimumAttendancePercent = 0 }, Sessions(2), Marks());

        Assert.True(result.Eligible);
    }
}
