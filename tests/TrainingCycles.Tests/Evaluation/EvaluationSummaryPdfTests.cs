using System.Text;
using System.Text.RegularExpressions;
using TrainingCycles.Certificates.Letters;
using TrainingCycles.Cycles;
using TrainingCycles.Evaluation;
using UglyToad.PdfPig;

namespace TrainingCycles.Tests.Evaluation;

/// <summary>#21: the cycle's one-page PDF summary read back with PdfPig: A4, one page even with 60 sessions, fonts embedded, the report's figures.</summary>
public sealed partial class EvaluationSummaryPdfTests
{
    [Fact]
    public void SixtySessionsStillFitOnePageAndEveryFigureIsTheReportsOwn()
    {
        var start = new DateTimeOffset(2026, 12, 7, 1, 0, 0, TimeSpan.Zero);
        var sessions = Enumerable.Range(1, 60).Select(i => new ScheduledSession($"s{i}", $"Materi {i}", start.AddHours(i), start.AddHours(i).AddMinutes(45))).ToList();
        var definition = new CycleDefinition { Sessions = [.. sessions.Select(s => new SessionDefinition { Id = s.Id, Title = s.Title, Instructor = "Widyaiswara " + ((int.Parse(s.Id[1..], System.Globalization.CultureInfo.InvariantCulture) % 7) + 1) })] };
        var cycle = new CycleRecord("c1", definition, new CycleSchedule("Asia/Jakarta", start.AddDays(-9), start.AddDays(-2), sessions, [], []), new CycleEntity { Title = "Pelatihan Dasar Pekerjaan Sosial" });
        var ratings = sessions.Take(40).Select((s, i) => Rating(s.Id, "p" + i, i % 5 + 1)).Append(Rating(Ratings.Organisation, "p1", 4)).Append(Rating(Ratings.FollowUpSuperior, "p1", 5)).ToList();
        var (targets, instructors) = EvaluationReport.Ratings(cycle, ratings);
        var cohort = new CohortGain(12, 41.5m, 78.25m, 36.75m);

        var pdf = EvaluationSummaryRenderer.Render(new EvaluationSummary("BPSDM Provinsi Kalimantan Tengah", "Pelatihan Dasar Pekerjaan Sosial", "7–9 Desember 2026", cohort, targets, instructors));

        AssertOneA4PageWithEmbeddedFonts(pdf);
        var text = TextOf(pdf);
        Assert.Contains("RINGKASAN EVALUASI PELATIHAN", text, StringComparison.Ordinal);
        Assert.Contains("Peserta dengan kedua tes: 12 · rata-rata pre-test 41,5 · rata-rata post-test 78,25 · peningkatan +36,75 poin", text, StringComparison.Ordinal);
        Assert.Contains("Materi 60", text, StringComparison.Ordinal);
        foreach (var i in instructors)
        {
            Assert.Contains($"{i.Instructor} {i.Sessions.Count} sesi {i.Count} {EvaluationSummaryRenderer.Figure(i.Average)}", text, StringComparison.Ordinal);
        }

        Assert.Contains("Survei pascapelatihan: atasan langsung 1 5", text, StringComparison.Ordinal);
        Assert.Contains("Survei pascapelatihan: alumni 0 —", text, StringComparison.Ordinal);
    }

    private static RatingEntity Rating(string target, string participant, int score) => new()
    {
        PartitionKey = "c1", RowKey = EvaluationStore.RatingKey(target, participant), Target = target, ParticipantId = participant,
        Scores = string.Join(',', Enumerable.Repeat(score, Ratings.ItemsOf(target).Count)), Comment = "Nama Rahasia", SubmittedAt = DateTimeOffset.UnixEpoch,
    };

    internal static void AssertOneA4PageWithEmbeddedFonts(byte[] pdf)
    {
        using var document = PdfDocument.Open(pdf);
        var page = Assert.Single(document.GetPages());
        Assert.Equal((595, 842), ((int)Math.Round(page.Width), (int)Math.Round(page.Height)));
        var raw = Encoding.Latin1.GetString(pdf);
        var descriptors = FontDescriptor().Count(raw);
        Assert.True(descriptors > 0);
        Assert.Equal(descriptors, FontFile().Count(raw)); // every font the page uses is embedded
    }

    internal static string TextOf(byte[] pdf)
    {
        using var document = PdfDocument.Open(pdf);
        return string.Join(" ", document.GetPages().SelectMany(p => p.GetWords()).Select(w => w.Text));
    }

    [GeneratedRegex(@"/Type\s*/FontDescriptor")]
    private static partial Regex FontDescriptor();

    [GeneratedRegex(@"/FontFile2?\s")]
    private static partial Regex FontFile();
}
