using TrainingCycles.Cycles;
using TrainingCycles.Evaluation;

namespace TrainingCycles.Tests.Evaluation;

/// <summary>The pure rules: scoring as a table of cases, definitions (JSON and CSV) and the aggregation.</summary>
public sealed class TestScoringTests
{
    private static readonly TestDefinition Test = new(TestKinds.Post, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddDays(1), null,
    [
        new TestQuestion("q1", QuestionTypes.Choice, "Satu", ["a", "b", "c"], 2, 2),
        new TestQuestion("q2", QuestionTypes.TrueFalse, "Dua", [], 0, 1),
        new TestQuestion("q3", QuestionTypes.Choice, "Tiga", ["a", "b"], 0, 3),
        new TestQuestion("q4", QuestionTypes.TrueFalse, "Empat", [], 1, 0),
    ]);

    [Theory]
    [InlineData("", 0, "0")]
    [InlineData("q1=2", 2, "33.33")]
    [InlineData("q1=2,q2=0,q3=0", 6, "100")]
    [InlineData("q1=1,q2=1,q3=1", 0, "0")]
    [InlineData("q2=0", 1, "16.67")]
    [InlineData("q3=0,q4=1", 3, "50")]
    [InlineData("q1=2,q9=0", 2, "33.33")] // an unknown id scores nothing (the page refuses it before scoring)
    public void ScoresAreComputedOnTheServer(string answers, int points, string percent)
    {
        var given = answers.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(a => a.Split('=')).ToDictionary(a => a[0], a => int.Parse(a[1], System.Globalization.CultureInfo.InvariantCulture));
        var score = TestRules.Score(Test, given);
        Assert.Equal(points, score.Points);
        Assert.Equal(6, score.MaxPoints);
        Assert.Equal(decimal.Parse(percent, System.Globalization.CultureInfo.InvariantCulture), score.Percent);
    }

    [Theory]
    [InlineData(null, null, null)]
    [InlineData("40", null, null)]
    [InlineData("40", "75.5", "35.5")]
    [InlineData("90", "80", "-10")]
    public void LearningGainIsPostMinusPre(string? pre, string? post, string? gain)
    {
        static decimal? D(string? s) => s is null ? null : decimal.Parse(s, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(D(gain), TestRules.Gain(D(pre), D(post)));
    }

    private static CycleSchedule Schedule()
    {
        var start = new DateTimeOffset(2026, 12, 7, 1, 0, 0, TimeSpan.Zero);
        return new CycleSchedule("Asia/Jakarta", start.AddDays(-20), start.AddDays(-5),
            [new ScheduledSession("s1", "Hari 1", start, start.AddHours(4)), new ScheduledSession("s2", "Hari 2", start.AddDays(1), start.AddDays(1).AddHours(4))], [], []);
    }

    [Fact]
    public void ADefinitionGetsItsDefaultWindowAndEveryBadQuestionIsNamed()
    {
        var schedule = Schedule();
        var (pre, errors) = TestRules.Validate(TestKinds.Pre, new TestDefinitionRequest
        {
            Questions = [new TestQuestionRequest { Text = "Apa itu PKH?", Options = ["Program", "Pajak"], Answer = 0, Points = 5 }, new TestQuestionRequest { Type = "truefalse", Text = "Benar?", Correct = false }],
        }, schedule);
        Assert.Empty(errors);
        Assert.Equal(schedule.TrainingStartsAt, pre!.ClosesAt);
        Assert.Equal(["q1", "q2"], pre.Questions.Select(q => q.Id));
        Assert.Equal(1, pre.Questions[1].Answer);

        var (bad, problems) = TestRules.Validate(TestKinds.Pre, new TestDefinitionRequest
        {
            ClosesAt = "2026-12-07T09:00:00", // local WIB: one hour after the first session starts
            TimeLimitMinutes = 0,
            Questions =
            [
                new TestQuestionRequest { Text = "", Options = ["a", "b"], Answer = 0 },
                new TestQuestionRequest { Text = "x", Options = ["a"], Answer = 0 },
                new TestQuestionRequest { Text = "x", Options = ["a", "b"], Answer = 2 },
                new TestQuestionRequest { Text = "x", Type = "essay" },
                new TestQuestionRequest { Text = "x", Type = "truefalse" },
                new TestQuestionRequest { Id = "q1", Text = "x", Options = ["a", "b"], Answer = 0 },
                new TestQuestionRequest { Text = "x", Options = ["a", "b"], Answer = 0, Points = -1 },
            ],
        }, schedule);
        Assert.Null(bad);
        Assert.Equal(
            ["closesAt", "timeLimitMinutes", "questions[0].text", "questions[1].options", "questions[2].answer", "questions[3].type", "questions[4].answer", "questions[5].id", "questions[6].points"],
            problems.Select(p => p.Field));
        Assert.All(problems, p => Assert.False(string.IsNullOrWhiteSpace(p.Message) || string.IsNullOrWhiteSpace(p.MessageEn) || p.Message == p.MessageEn));

        var (post, postErrors) = TestRules.Validate(TestKinds.Post, new TestDefinitionRequest { OpensAt = "2026-12-07T08:00:00+07:00", Questions = [new TestQuestionRequest { Text = "x", Correct = true, Type = "bs" }] }, schedule);
        Assert.Null(post);
        Assert.Equal("opensAt", Assert.Single(postErrors).Field);
    }

    [Fact]
    public void ASpreadsheetCsvImportsWithSemicolonsAndBenarSalah()
    {
        var csv = "\uFEFFid;type;text;points;answer;option1;option2;option3\nq1;choice;Ibu kota Kalimantan Tengah?;2;3;Sampit;Kuala Kapuas;Palangka Raya\nq2;;PKH adalah program perlindungan sosial;1;benar;;;\n";
        var (questions, error) = TestRules.ParseCsv(csv);
        Assert.Null(error);
        var (test, errors) = TestRules.Validate(TestKinds.Pre, new TestDefinitionRequest { Questions = questions }, Schedule());
        Assert.Empty(errors);
        Assert.Equal(2, test!.Questions[0].Answer);
        Assert.Equal(["Sampit", "Kuala Kapuas", "Palangka Raya"], test.Questions[0].Options);
        Assert.Equal(QuestionTypes.TrueFalse, test.Questions[1].Type);
        Assert.Equal(0, test.Questions[1].Answer);
        Assert.Equal(3, test.MaxPoints);

        Assert.NotNull(TestRules.ParseCsv("nama,nip\nSiti,1985").Error);
        Assert.NotNull(TestRules.ParseCsv("").Error);
    }

    [Fact]
    public void RatingsAggregatePerItemWithADistributionAndNamelessComments()
    {
        RatingEntity R(string scores, string comment) => new() { Target = "s1", ParticipantId = "p" + scores, Scores = scores, Comment = comment };
        var result = EvaluationReport.Target("s1", "Hari 1", "Dr. Rahmat, M.Si.", [R("5,4,3,5,5", "Bagus"), R("3,4,5,5,1", ""), R("4,4,4,4,4", "Contoh kasus kurang")]);
        Assert.Equal(3, result.Count);
        Assert.Equal(4m, result.Items[0].Average);
        Assert.Equal([0, 0, 1, 1, 1], result.Items[0].Distribution);
        Assert.Equal([0, 0, 0, 3, 0], result.Items[1].Distribution);
        Assert.Equal(4m, result.Average);
        Assert.Equal(["Bagus", "Contoh kasus kurang"], result.Comments);
        Assert.Equal([1, 0, 2, 0, 2], EvaluationReport.Bands([0m, 40m, 59.99m, 80m, 100m]));
    }
}
