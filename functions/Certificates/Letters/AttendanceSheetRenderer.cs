using PdfSharp.Drawing;
using PdfSharp.Pdf;
using TrainingCycles.Certificates.Pdf;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Certificates.Letters;

/// <summary>One line of a session's attendance sheet; times already formatted (WIB).</summary>
public sealed record SheetLine(string Name, string? Nip, string? Agency, string? CheckedIn, string Status);

/// <summary>A session's daftar hadir: who was there, with a signature column, and the instructor with their JP.</summary>
public sealed record SessionSheet(string Organizer, string TrainingTitle, string SessionTitle, string When, string? Instructor, int Jp, IReadOnlyList<SheetLine> Lines);

/// <summary>One person of the whole-cycle recap: their status word per session, JP counted and outcome.</summary>
public sealed record RecapLine(string Name, string? Nip, string? Agency, IReadOnlyList<string> Marks, string Jp, string Outcome);

public sealed record CycleRecap(string Organizer, string TrainingTitle, string Dates, IReadOnlyList<string> SessionHeaders, IReadOnlyList<RecapLine> Lines);

/// <summary>
/// #20 item 7: attendance sheets in Bahasa Indonesia, A4 (session sheets portrait, the recap landscape), the certificate's
/// embedded fonts; as many pages as the rows need, the header repeated on each. Pure.
/// </summary>
public static class AttendanceSheetRenderer
{
    private const double Margin = 40;
    private const double RowHeight = 30;
    private const double PortraitWidth = 595.28;
    private const double PortraitHeight = 841.89;

    /// <summary>Sheets are for the accountability file: always Bahasa Indonesia.</summary>
    private const string Language = "id";

    private static string T(string key, params object?[] args) => Text.Get(Language, key, args);

    public static byte[] RenderSession(SessionSheet sheet)
    {
        var headers = new[] { T(nameof(Texts.Att_Sheet_No)), T(nameof(Texts.Att_Sheet_NameNip)), T(nameof(Texts.Att_Sheet_Agency)), T(nameof(Texts.Att_Sheet_CheckIn)), T(nameof(Texts.Att_Sheet_Status)), T(nameof(Texts.Att_Sheet_Signature)) };
        var widths = new[] { 24.0, 160, 135, 55, 60, 81 };
        var rows = sheet.Lines.Select((l, i) => new[] { (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), l.Name + (string.IsNullOrEmpty(l.Nip) ? "" : "\nNIP " + l.Nip), l.Agency ?? "", l.CheckedIn ?? "", l.Status, "" }).ToList();
        var subtitle = new List<string> { sheet.SessionTitle, sheet.When, T(nameof(Texts.Att_Sheet_Instructor), string.IsNullOrWhiteSpace(sheet.Instructor) ? "-" : sheet.Instructor, sheet.Jp) };
        return Render(PortraitWidth, PortraitHeight, sheet.Organizer, T(nameof(Texts.Att_Sheet_Title)), sheet.TrainingTitle, subtitle, headers, widths, rows,
            footer: sheet.Instructor ?? "");
    }

    public static byte[] RenderRecap(CycleRecap recap)
    {
        var fixedWidths = new[] { 24.0, 170, 150 };
        var tail = new[] { 50.0, 90 };
        var available = PortraitHeight - (2 * Margin) - fixedWidths.Sum() - tail.Sum();
        var each = recap.SessionHeaders.Count == 0 ? 0 : available / recap.SessionHeaders.Count;
        var headers = new[] { T(nameof(Texts.Att_Sheet_No)), T(nameof(Texts.Att_Sheet_NameNip)), T(nameof(Texts.Att_Sheet_Agency)) }
            .Concat(recap.SessionHeaders).Concat([T(nameof(Texts.Att_Sheet_Jp)), T(nameof(Texts.Att_Sheet_Outcome))]).ToArray();
        var widths = fixedWidths.Concat(recap.SessionHeaders.Select(_ => each)).Concat(tail).ToArray();
        var rows = recap.Lines.Select((l, i) => new[] { (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), l.Name + (string.IsNullOrEmpty(l.Nip) ? "" : "\nNIP " + l.Nip), l.Agency ?? "" }
            .Concat(l.Marks).Concat([l.Jp, l.Outcome]).ToArray()).ToList();
        return Render(PortraitHeight, PortraitWidth, recap.Organizer, T(nameof(Texts.Att_Sheet_RecapTitle)), recap.TrainingTitle, [recap.Dates, T(nameof(Texts.Att_Sheet_Legend))], headers, widths, rows, footer: null);
    }

    private static byte[] Render(double pageWidth, double pageHeight, string organizer, string title, string training, IReadOnlyList<string> subtitle,
        string[] headers, double[] widths, IReadOnlyList<string[]> rows, string? footer)
    {
        CertificateFonts.EnsureRegistered();
        using var pdf = new PdfDocument();
        pdf.Options.CompressContentStreams = true;
        pdf.Info.Title = TextFitter.Plain(title + " – " + training);
        pdf.Info.Creator = "TrainingCycles";
        var pen = new XPen(XColor.FromArgb(0x33, 0x33, 0x33), 0.6);
        var index = 0;
        do
        {
            var page = pdf.AddPage();
            page.Width = XUnit.FromPoint(pageWidth);
            page.Height = XUnit.FromPoint(pageHeight);
            using var gfx = XGraphics.FromPdfPage(page);
            var width = pageWidth - (2 * Margin);
            var y = PdfText.Block(gfx, organizer.ToUpperInvariant(), XFontStyleEx.Bold, 11, Margin, Margin, width, XStringAlignment.Center);
            y = PdfText.Block(gfx, title, XFontStyleEx.Bold, 14, Margin, y + 4, width, XStringAlignment.Center);
            y = PdfText.Block(gfx, training, XFontStyleEx.Bold, 11, Margin, y + 2, width, XStringAlignment.Center);
            foreach (var line in subtitle)
            {
                y = PdfText.Block(gfx, line, XFontStyleEx.Regular, 10, Margin, y + 1, width, XStringAlignment.Center);
            }

            y += 10;
            DrawRow(gfx, pen, headers, widths, Margin, y, 22, XFontStyleEx.Bold);
            y += 22;
            var bottom = pageHeight - Margin - (footer is null ? 0 : 90);
            while (index < rows.Count && y + RowHeight <= bottom)
            {
                DrawRow(gfx, pen, rows[index], widths, Margin, y, RowHeight, XFontStyleEx.Regular);
                y += RowHeight;
                index++;
            }

            if (footer is not null && index >= rows.Count)
            {
                PdfText.Block(gfx, T(nameof(Texts.Att_Sheet_InstructorSign)), XFontStyleEx.Regular, 10, pageWidth - Margin - 220, y + 16, 220);
                PdfText.Block(gfx, footer, XFontStyleEx.Bold, 10, pageWidth - Margin - 220, y + 70, 220);
            }

            PdfText.Block(gfx, T(nameof(Texts.Att_Sheet_Page), pdf.PageCount), XFontStyleEx.Regular, 8, Margin, pageHeight - Margin + 10, width, XStringAlignment.Far);
        }
        while (index < rows.Count);

        using var output = new MemoryStream();
        pdf.Save(output, closeStream: false);
        return output.ToArray();
    }

    private static void DrawRow(XGraphics gfx, XPen pen, string[] cells, double[] widths, double x, double y, double height, XFontStyleEx style)
    {
        for (var i = 0; i < widths.Length; i++)
        {
            gfx.DrawRectangle(pen, x, y, widths[i], height);
            var parts = (i < cells.Length ? cells[i] : "").Split('\n');
            var top = y + 3;
            foreach (var part in parts)
            {
                top = PdfText.Block(gfx, part, style, parts.Length > 1 ? 8 : 8.5, x + 3, top, widths[i] - 6, lines: parts.Length > 1 ? 1 : 3);
            }

            x += widths[i];
        }
    }
}
