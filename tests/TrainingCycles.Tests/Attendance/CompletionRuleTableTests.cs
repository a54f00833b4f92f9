using TrainingCycles.Attendance;
using TrainingCycles.Cycles;

namespace TrainingCycles.Tests.Attendance;

/// <summary>
/// #20: the rule as a table — JP, late, excused, post-test score, override → outcome and the one-line explanation in
/// both languages. The cycle is the issue's: two days, four sessions of 4 JP (16 JP).
/// </summary>
public sealed class CompletionRuleTableTests
{
    private static readonly DateTimeOffset Day = new(2026, 12, 7, 1, 0, 0, TimeSpan.Zero);

    private static readonly IReadOnlyList<ScheduledSession> FourBy4Jp =
        [.. Enumerable.Range(0, 4).Select(i => new ScheduledSession($"s{i + 1}", $"Sesi {i + 1}", Day.AddDays(i / 2).AddHours(i % 2 * 5), Day.AddDays(i / 2).AddHours(i % 2 * 5 + 4), Jp: 4, Instructor: "Dr. Rina Sari, M.Si."))];

    private static readonly CompletionRule Rule = new()
    {
        MinimumAttendancePercent = 75,
        LateCounts = true,
        ExcusedCounts = true,
        MaximumExcusedPercent = 25,
        LetterMinimumPercent = 50,
    };

    private static Dictionary<string, string> Marks(string marks) =>
        marks.Select((c, i) => (c, i)).Where(x => x.c != '-').ToDictionary(x => $"s{x.i + 1}", x => x.c switch
        {
            'P' => AttendanceStatus.Present,
            'L' => AttendanceStatus.Late,
            'E' => AttendanceStatus.Excused,
            'A' => AttendanceStatus.Absent,
            _ => throw new ArgumentException(marks),
        });

    public static TheoryData<string, string, string, string, string, string> Cases() => new()
    {
        // case, rule variant, marks (P present, L late, E excused, A absent, - none), outcome, id, en
        { "all present", "", "PPPP", CompletionOutcome.Certificate,
            "Hadir 16 dari 16 JP; dihitung 16 JP (100%) ≥ 75% → Lulus", "Attended 16 of 16 JP; counted 16 JP (100%) ≥ 75% → Passed" },
        { "one session excused, approved", "", "PPEP", CompletionOutcome.Certificate,
            "Hadir 12 dari 16 JP; 4 JP izin disetujui; dihitung 16 JP (100%) ≥ 75% → Lulus", "Attended 12 of 16 JP; 4 JP excused (approved); counted 16 JP (100%) ≥ 75% → Passed" },
        { "two excused, one over the 25% cap", "", "PEEP", CompletionOutcome.Certificate,
            "Hadir 8 dari 16 JP; 4 JP izin disetujui; 4 JP izin melebihi batas 25% tidak dihitung; dihitung 12 JP (75%) ≥ 75% → Lulus",
            "Attended 8 of 16 JP; 4 JP excused (approved); 4 JP excused beyond the 25% limit, not counted; counted 12 JP (75%) ≥ 75% → Passed" },
        { "short of the minimum: letter", "", "PPAA", CompletionOutcome.Letter,
            "Hadir 8 dari 16 JP; dihitung 8 JP (50%) < 75% → Surat keterangan telah mengikuti", "Attended 8 of 16 JP; counted 8 JP (50%) < 75% → Letter of participation" },
        { "under the letter's share: nothing", "", "PAA-", CompletionOutcome.None,
            "Hadir 4 dari 16 JP; dihitung 4 JP (25%) < 75% → Tidak lulus", "Attended 4 of 16 JP; counted 4 JP (25%) < 75% → Not passed" },
        { "late does not count", "nolate", "PPLL", CompletionOutcome.Letter,
            "Hadir 8 dari 16 JP; 8 JP terlambat tidak dihitung; dihitung 8 JP (50%) < 75% → Surat keterangan telah mengikuti",
            "Attended 8 of 16 JP; 8 JP late, not counted; counted 8 JP (50%) < 75% → Letter of participation" },
        { "late counts", "", "PPLL", CompletionOutcome.Certificate,
            "Hadir 16 dari 16 JP; dihitung 16 JP (100%) ≥ 75% → Lulus", "Attended 16 of 16 JP; counted 16 JP (100%) ≥ 75% → Passed" },
        { "excused does not count", "noexcused", "PPPE", CompletionOutcome.Certificate,
            "Hadir 12 dari 16 JP; 4 JP izin tidak dihitung; dihitung 12 JP (75%) ≥ 75% → Lulus", "Attended 12 of 16 JP; 4 JP excused, not counted; counted 12 JP (75%) ≥ 75% → Passed" },
        { "minimum JP instead of a share", "minjp14", "PPEP", CompletionOutcome.Certificate,
            "Hadir 12 dari 16 JP; 4 JP izin disetujui; dihitung 16 JP (100%) ≥ minimum 14 JP → Lulus", "Attended 12 of 16 JP; 4 JP excused (approved); counted 16 JP (100%) ≥ minimum 14 JP → Passed" },
        { "minimum JP missed", "minjp14", "PPPA", CompletionOutcome.Letter,
            "Hadir 12 dari 16 JP; dihitung 12 JP (75%) < minimum 14 JP → Surat keterangan telah mengikuti", "Attended 12 of 16 JP; counted 12 JP (75%) < minimum 14 JP → Letter of participation" },
        { "passing score", "score70:78", "PPEP", CompletionOutcome.Certificate,
            "Hadir 12 dari 16 JP; 4 JP izin disetujui; dihitung 16 JP (100%) ≥ 75%; nilai post-test 78 ≥ 70 → Lulus",
            "Attended 12 of 16 JP; 4 JP excused (approved); counted 16 JP (100%) ≥ 75%; post-test score 78 ≥ 70 → Passed" },
        { "failing score: letter", "score70:65.5", "PPPP", CompletionOutcome.Letter,
            "Hadir 16 dari 16 JP; dihitung 16 JP (100%) ≥ 75%; nilai post-test 65,5 < 70 → Surat keterangan telah mengikuti",
            "Attended 16 of 16 JP; counted 16 JP (100%) ≥ 75%; post-test score 65.5 < 70 → Letter of participation" },
        { "no score yet", "score70:", "PPPP", CompletionOutcome.Letter,
            "Hadir 16 dari 16 JP; dihitung 16 JP (100%) ≥ 75%; belum ada nilai post-test (minimum 70) → Surat keterangan telah mengikuti",
            "Attended 16 of 16 JP; counted 16 JP (100%) ≥ 75%; no post-test score (minimum 70) → Letter of participation" },
        { "override to a certificate", "override:Certificate", "PPAA", CompletionOutcome.Certificate,
            "Hadir 8 dari 16 JP; dihitung 8 JP (50%) < 75%; diputuskan panitia: tugas dinas dari Gubernur, surat terlampir → Lulus",
            "Attended 8 of 16 JP; counted 8 JP (50%) < 75%; decided by the organizers: tugas dinas dari Gubernur, surat terlampir → Passed" },
        { "override to nothing", "override:None", "PPPP", CompletionOutcome.None,
            "Hadir 16 dari 16 JP; dihitung 16 JP (100%) ≥ 75%; diputuskan panitia: tugas dinas dari Gubernur, surat terlampir → Tidak lulus",
            "Attended 16 of 16 JP; counted 16 JP (100%) ≥ 75%; decided by the organizers: tugas dinas dari Gubernur, surat terlampir → Not passed" },
        { "no letter in the rule", "noletter", "PPAA", CompletionOutcome.None,
            "Hadir 8 dari 16 JP; dihitung 8 JP (50%) < 75% → Tidak lulus", "Attended 8 of 16 JP; counted 8 JP (50%) < 75% → Not passed" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void TheRuleDecidesTheOutcomeAndSaysWhyInOneLine(string name, string variant, string marks, string outcome, string id, string en)
    {
        var rule = Rule;
        decimal? score = null;
        CompletionOverride? ov = null;
        switch (variant.Split(':')[0])
        {
            case "nolate": rule = rule with { LateCounts = false }; break;
            case "noexcused": rule = rule with { ExcusedCounts = false }; break;
            case "minjp14": rule = rule with { MinimumJp = 14 }; break;
            case "noletter": rule = rule with { LetterMinimumPercent = null }; break;
            case "score70":
                rule = rule with { MinimumPostTestScore = 70 };
                var value = variant.Split(':')[1];
                score = value.Length == 0 ? null : decimal.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
                break;
            case "override": ov = new CompletionOverride(variant.Split(':')[1], "tugas dinas dari Gubernur, surat terlampir"); break;
        }

        var result = CompletionRuleEvaluator.Evaluate(rule, FourBy4Jp, Marks(marks), score, ov);

        Assert.True(outcome == result.Outcome, $"{name}: {result.Outcome}");
        Assert.Equal(id, result.Explanation);
        Assert.Equal(en, result.ExplanationEn);
        Assert.Equal(outcome == CompletionOutcome.Certificate, result.Eligible);
        Assert.Equal(16, result.Total);
        Assert.Equal(result.Counted, result.EarnedJp);
    }

    [Fact]
    public void WithoutJpTheSessionWordingStaysAndTheOutcomeIsAddedOnlyWhenTheRuleAsks()
    {
        IReadOnlyList<ScheduledSession> sessions = [.. FourBy4Jp.Select(s => s with { Jp = 0 })];

        var plain = CompletionRuleEvaluator.Evaluate(new CompletionRule { MinimumAttendancePercent = 75 }, sessions, Marks("PPPA"));
        var letter = CompletionRuleEvaluator.Evaluate(new CompletionRule { MinimumAttendancePercent = 100, LetterMinimumPercent = 50 }, sessions, Marks("PPPA"));

        Assert.Equal("hadir 3 dari 4 sesi (3 tepat waktu), 75% ≥ 75%", plain.Explanation);
        Assert.Equal((CompletionOutcome.Certificate, 0), (plain.Outcome, plain.EarnedJp));
        Assert.Equal("attended 3 of 4 sessions (3 on time), 75% < 100% → Letter of participation", letter.ExplanationEn);
        Assert.Equal(CompletionOutcome.Letter, letter.Outcome);
    }

    [Fact]
    public void PendingCheckInsNeverCountTowardsJp()
    {
        var marks = Marks("PPP-");
        marks["s4"] = AttendanceStatus.Pending;

        var result = CompletionRuleEvaluator.Evaluate(Rule with { MinimumAttendancePercent = 100 }, FourBy4Jp, marks);

        Assert.Equal((12, CompletionOutcome.Letter), (result.Counted, result.Outcome));
    }
}
