using System.Globalization;
using PdfSharp.Drawing;
using PdfSharp.Pdf;
using TrainingCycles.Certificates.Pdf;
using TrainingCycles.Evaluation;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Certificates.Letters;

/// <summary>What the one-page summary prints: aggregates only (no names, no comments).</summary>
public sealed record EvaluationSummary(string Organizer, string TrainingTitle, string Dates, CohortGain Cohort, IReadOnlyList<TargetResult> Targets, IReadOnlyList<InstructorResult> Instructors);

/// <summary>
/// #21: the cycle's evaluation on one A4 page in Bahasa Indonesia, with the certificate's embedded fonts: the cohort's
/// pre/post/gain, each session's and the organisation's ratings, per instructor, and the follow-up (alumni and superiors
/// apart). Rows shrink to fit so it stays one page even with 60 sessions. Pure.
/// </summary>
public static class EvaluationSummaryRenderer
{
    private const double Margin = 40;
    private const double Width = 595.28;
    private const double Height = 841.89;
    private static readonly CultureInfo Id = CultureInfo.GetCultureInfo("id-ID");

    /// <summary>The summary is for the agency's report: always Bahasa Indonesia.</summary>
    private const string Language = "id";

    private static string T(string key, params object?[] args) => Text.Get(Language, key, args);

    /// <summary>A figure as the page prints it (Indonesian decimals, "—" when there is none).</summary>
    public static string Figure(decimal? value) => value is { } v ? v.ToString("0.##", Id) : "—";

    public static byte[] Render(EvaluationSummary s)
    {
        CertificateFonts.EnsureRegistered();
        using var pdf = new PdfDocument();
        pdf.Options.CompressContentStreams = true;
        pdf.Info.Title = TextFitter.Plain(T(nameof(Texts.Eval_Pdf_Title)) + " – " + s.TrainingTitle);
        pdf.Info.Creator = "TrainingCycles";
        var page = pdf.AddPage();
        page.Width = XUnit.FromPoint(Width);
        page.Height = XUnit.FromPoint(Height);
        using var gfx = XGraphics.FromPdfPage(page);
        var w = Width - (2 * Margin);
        var y = PdfText.Block(gfx, s.Organizer.ToUpperInvariant(), XFontStyleEx.Bold, 11, Margin, Margin, w, XStringAlignment.Center);
        y = PdfText.Block(gfx, T(nameof(Texts.Eval_Pdf_Title)), XFontStyleEx.Bold, 14, Margin, y + 4, w, XStringAlignment.Center);
        y = PdfText.Block(gfx, s.TrainingTitle, XFontStyleEx.Bold, 11, Margin, y + 2, w, XStringAlignment.Center);
        y = PdfText.Block(gfx, s.Dates, XFontStyleEx.Regular, 10, Margin, y + 1, w, XStringAlignment.Center) + 12;

        var c = s.Cohort;
        y = PdfText.Block(gfx, T(nameof(Texts.Eval_Pdf_Learning)), XFontStyleEx.Bold, 11, Margin, y, w);
        y = PdfText.Block(gfx, T(nameof(Texts.Eval_Pdf_Cohort), c.WithBoth, Figure(c.AveragePre), Figure(c.AveragePost), Gain(c.AverageGain)), XFontStyleEx.Regular, 10, Margin, y + 2, w) + 10;

        var sessions = s.Targets.Where(t => t.Target != Ratings.Organisation && !Ratings.IsFollowUp(t.Target)).ToList();
        var rows = sessions.Count + s.Instructors.Count + 3;
        var row = Math.Clamp((Height - Margin - 40 - y - (5 * 24)) / Math.Max(1, rows), 6, 14);
        var size = Math.Min(9.5, row * 0.75);
        double[] cols = [w - 230, 150, 40, 40];

        y = Heading(gfx, T(nameof(Texts.Eval_Pdf_Sessions)), y);
        y = Row(gfx, [T(nameof(Texts.Eval_Pdf_ColSession)), T(nameof(Texts.Eval_Pdf_ColInstructor)), T(nameof(Texts.Eval_Pdf_ColCount)), T(nameof(Texts.Eval_Pdf_ColAverage))], cols, y, row, size, XFontStyleEx.Bold);
        foreach (var t in sessions)
        {
            y = Row(gfx, [t.Title, t.Instructor ?? "—", Count(t.Count), Figure(t.Average)], cols, y, row, size, XFontStyleEx.Regular);
        }

        y = Heading(gfx, T(nameof(Texts.Eval_Pdf_Instructors)), y + 6);
        foreach (var i in s.Instructors)
        {
            y = Row(gfx, [i.Instructor, T(nameof(Texts.Eval_Pdf_SessionCount), i.Sessions.Count), Count(i.Count), Figure(i.Average)], cols, y, row, size, XFontStyleEx.Regular);
        }

        y = Heading(gfx, T(nameof(Texts.Eval_Pdf_OrganisationAndFollowUp)), y + 6);
        foreach (var (target, key) in new[] { (Ratings.Organisation, nameof(Texts.Eval_Rate_Organisation)), (Ratings.FollowUp, nameof(Texts.Eval_Pdf_FollowUpAlumni)), (Ratings.FollowUpSuperior, nameof(Texts.Eval_Pdf_FollowUpSuperiors)) })
        {
            var t = s.Targets.FirstOrDefault(x => x.Target == target);
            y = Row(gfx, [T(key), "", Count(t?.Count ?? 0), Figure(t?.Average)], cols, y, row, size, XFontStyleEx.Regular);
        }

        PdfText.Block(gfx, T(nameof(Texts.Eval_Pdf_Footer)), XFontStyleEx.Regular, 8, Margin, Height - Margin, w, lines: 2);
        using var output = new MemoryStream();
        pdf.Save(output, closeStream: false);
        return output.ToArray();
    }

    private static string Count(int n) => n.ToString("N0", Id);

    private static string Gain(decimal? g) => g is > 0 ? "+" + Figure(g) : Figure(g);

    private static double Heading(XGraphics gfx, string text, double y) => PdfText.Block(gfx, text, XFontStyleEx.Bold, 11, Margin, y, Width - (2 * Margin)) + 3;

    private static double Row(XGraphics gfx, string[] cells, double[] widths, double y, double height, double size, XFontStyleEx style)
    {
        var x = Margin;
        for (var i = 0; i < widths.Length; i++)
        {
            PdfText.Block(gfx, cells[i], style, size, x, y, widths[i] - 4, i >= 2 ? XStringAlignment.Far : XStringAlignment.Near, lines: 1);
            x += widths[i];
        }

        gfx.DrawLine(new XPen(XColor.FromArgb(0xbb, 0xbb, 0xbb), 0.4), Margin, y + height - 1, Width - Margin, y + height - 1);
        return y + height;
    }
}
