using System.Globalization;
using PdfSharp.Drawing;
using PdfSharp.Pdf;

namespace TrainingCycles.Certificates.Pdf;

/// <summary>
/// #22: the government training certificate (STTP, after Permensos 9/2019): the front page's body with the identity
/// table and the qualification, and the pages listing the subjects with their JP and the total.
/// </summary>
internal static class SttpPages
{
    private const double RowPadding = 3;

    /// <summary>
    /// Name, identity table, wording, training, details and qualification. Each block's worst-case height is bounded
    /// (the table by <see cref="CertificateLayout.IdentityBudget"/>) and their sum with the gaps fits the body area.
    /// </summary>
    public static void DrawBody(XGraphics gfx, CertificateDocument doc, CertificateWording words, CertificateTemplate template)
    {
        const double width = CertificateLayout.BodyWidth;
        var ink = new XSolidBrush(CertificateRenderer.Ink);
        var muted = new XSolidBrush(CertificateRenderer.Muted);
        var wording = CertificateRenderer.FirstNonBlank(template.Wording) ?? words.Completed;
        var qualification = string.IsNullOrWhiteSpace(doc.Qualification) ? null
            : string.Format(CultureInfo.InvariantCulture, words.Qualification, doc.Qualification.Trim());

        var awarded = TextFitter.Fit(gfx, words.AwardedTo, new TextSpec(XFontStyleEx.Italic, 12, 9, width, 1, 14));
        var name = TextFitter.Fit(gfx, doc.HolderName, new TextSpec(XFontStyleEx.Bold, 28, 12, width, 3, 48));
        var rows = FitIdentity(gfx, doc.Identity ?? []);
        var tableHeight = rows.Sum(r => r.Height);
        var after = new (FittedText Text, XBrush Brush, double GapAfter)[]
        {
            (TextFitter.Fit(gfx, wording, new TextSpec(XFontStyleEx.Italic, 12, 9, width, 2, 26)), muted, 3),
            (TextFitter.Fit(gfx, doc.TrainingTitle, new TextSpec(XFontStyleEx.Bold, 20, 9, width, 3, 40)), ink, 5),
            (TextFitter.Fit(gfx, words.Details(doc), new TextSpec(XFontStyleEx.Regular, 11, 8, width, 3, 32, SingleLineMin: 10)), ink, 5),
            (TextFitter.Fit(gfx, qualification, new TextSpec(XFontStyleEx.Bold, 13, 9, width, 1, 16)), ink, 0),
        };

        var gaps = (awarded.Lines.Count > 0 ? 3 : 0) + 6 + (rows.Count > 0 ? 8 : 0) + after.Sum(b => b.Text.Lines.Count > 0 ? b.GapAfter : 0);
        var textHeight = awarded.Height + name.Height + tableHeight + after.Sum(b => b.Text.Height);
        var slack = Math.Max(0, CertificateLayout.SttpBodyHeight - textHeight - gaps);
        var gapScale = gaps > 0 ? 1 + Math.Min(1.2, slack * 0.5 / gaps) : 1;
        slack = Math.Max(0, CertificateLayout.SttpBodyHeight - textHeight - (gaps * gapScale));

        var y = CertificateLayout.SttpBodyTop + (slack / 2);
        if (awarded.Lines.Count > 0)
        {
            y = CertificateRenderer.DrawCentered(gfx, awarded, muted, CertificateLayout.CenterX, y) + (3 * gapScale);
        }

        y = CertificateRenderer.DrawCentered(gfx, name, ink, CertificateLayout.CenterX, y) + (6 * gapScale);
        if (rows.Count > 0)
        {
            y = DrawIdentity(gfx, rows, ink, y) + (8 * gapScale);
        }

        foreach (var (text, brush, gapAfter) in after)
        {
            if (text.Lines.Count > 0)
            {
                y = CertificateRenderer.DrawCentered(gfx, text, brush, CertificateLayout.CenterX, y) + (gapAfter * gapScale);
            }
        }
    }

    private sealed record IdentityRow(FittedText Label, FittedText Value)
    {
        public double Height => Math.Max(Label.Height, Value.Height);
    }

    /// <summary>Each value on up to two lines; when the table would exceed its budget, every value on one line.</summary>
    private static List<IdentityRow> FitIdentity(XGraphics gfx, IReadOnlyList<CertificateField> fields)
    {
        var shown = fields.Where(f => !string.IsNullOrWhiteSpace(f.Value)).ToList();
        var budgetPerRow = shown.Count == 0 ? 0 : CertificateLayout.IdentityBudget / shown.Count;
        List<IdentityRow> Fit(int maxLines) => [.. shown.Select(f => new IdentityRow(
            TextFitter.Fit(gfx, f.Label, new TextSpec(XFontStyleEx.Regular, 11, 8, CertificateLayout.IdentityLabelWidth, 1, 13)),
            TextFitter.Fit(gfx, f.Value, new TextSpec(XFontStyleEx.Regular, 11, 7, CertificateLayout.IdentityValueWidth, maxLines, maxLines == 1 ? Math.Min(13, budgetPerRow) : 24)))) ];

        var rows = Fit(2);
        return rows.Sum(r => r.Height) <= CertificateLayout.IdentityBudget ? rows : Fit(1);
    }

    /// <summary>"Label : value" rows, the table centred on the page; returns its bottom.</summary>
    private static double DrawIdentity(XGraphics gfx, List<IdentityRow> rows, XBrush ink, double top)
    {
        // The table is as wide as its longest label and value (at most the fixed columns), centred under the name.
        const double colon = 14;
        var labelWidth = rows.Max(r => r.Label.Font is { } f ? gfx.MeasureString(r.Label.Lines[0], f).Width : 0) + 6;
        var valueWidth = rows.Max(r => r.Value.Font is { } f ? r.Value.Lines.Max(l => gfx.MeasureString(l, f).Width) : 0);
        var left = CertificateLayout.CenterX - ((labelWidth + colon + valueWidth) / 2);
        var valueX = left + labelWidth + colon;
        var y = top;
        foreach (var row in rows)
        {
            if (row.Label.Font is { } labelFont)
            {
                gfx.DrawString(row.Label.Lines[0], labelFont, ink, left, y + row.Label.Ascent);
                gfx.DrawString(":", labelFont, ink, left + labelWidth + 3, y + row.Label.Ascent);
            }

            DrawLeft(gfx, row.Value, ink, valueX, y);
            y += row.Height;
        }

        return y;
    }

    /// <summary>The subjects with their instructor and JP, and the total; continued on further pages when long.</summary>
    public static void DrawSubjects(PdfDocument pdf, CertificateDocument doc, CertificateWording words, XColor accent)
    {
        var subjects = doc.Subjects!;
        var columns = CertificateLayout.SubjectColumns;
        var left = CertificateLayout.CenterX - (columns.Sum() / 2);
        var ink = new XSolidBrush(CertificateRenderer.Ink);
        var rule = new XPen(CertificateRenderer.Muted, 0.5);
        var number = 0;
        var index = 0;
        while (index <= subjects.Count)
        {
            var page = pdf.AddPage();
            page.Width = XUnit.FromPoint(CertificateLayout.PageWidth);
            page.Height = XUnit.FromPoint(CertificateLayout.PageHeight);
            using var gfx = XGraphics.FromPdfPage(page);
            CertificateRenderer.DrawFrame(gfx, accent);

            var y = CertificateLayout.SubjectsTop;
            var heading = TextFitter.Fit(gfx, words.SubjectsHeading, new TextSpec(XFontStyleEx.Bold, 18, 12, CertificateLayout.BodyWidth, 1, 22));
            y = CertificateRenderer.DrawCentered(gfx, heading, new XSolidBrush(accent), CertificateLayout.CenterX, y) + 2;
            var annexText = string.Format(CultureInfo.InvariantCulture, words.Annex, doc.CertificateNumber, doc.HolderName);
            var annex = TextFitter.Fit(gfx, annexText, new TextSpec(XFontStyleEx.Regular, 11, 7, CertificateLayout.BodyWidth, 2, 26));
            y = CertificateRenderer.DrawCentered(gfx, annex, ink, CertificateLayout.CenterX, y) + 10;

            y = DrawRow(gfx, [words.ColumnNo, words.ColumnSubject, words.ColumnInstructor, words.ColumnJp], XFontStyleEx.Bold, left, y, rule, top: true);
            while (index < subjects.Count)
            {
                var s = subjects[index];
                var cells = Cells(gfx, [(++number).ToString(CultureInfo.InvariantCulture), s.Title, s.Instructor ?? "", s.Jp?.ToString(CultureInfo.InvariantCulture) ?? "–"], XFontStyleEx.Regular);
                if (y + RowHeight(cells) > CertificateLayout.SubjectsBottom - 20)
                {
                    number--;
                    break; // continued on the next page; the total row always has room below the last subject
                }

                y = DrawCells(gfx, cells, left, y, rule);
                index++;
            }

            if (index == subjects.Count)
            {
                var jp = subjects.Any(x => x.Jp is not null) ? subjects.Sum(x => x.Jp ?? 0) : doc.TrainingHours;
                var total = jp > 0 ? jp.ToString(CultureInfo.InvariantCulture) : "–";
                DrawRow(gfx, ["", words.Total, "", total], XFontStyleEx.Bold, left, y, rule);
                break;
            }
        }
    }

    private static FittedText[] Cells(XGraphics gfx, string[] texts, XFontStyleEx style)
    {
        var columns = CertificateLayout.SubjectColumns;
        var cells = new FittedText[texts.Length];
        for (var i = 0; i < texts.Length; i++)
        {
            var lines = i is 1 or 2 ? 2 : 1;
            cells[i] = TextFitter.Fit(gfx, texts[i], new TextSpec(style, 10, 7, columns[i] - (2 * RowPadding) - 2, lines, lines * 12));
        }

        return cells;
    }

    private static double RowHeight(FittedText[] cells) => Math.Max(12, cells.Max(c => c.Height)) + (2 * RowPadding);

    private static double DrawRow(XGraphics gfx, string[] texts, XFontStyleEx style, double left, double y, XPen rule, bool top = false)
    {
        if (top)
        {
            gfx.DrawLine(rule, left, y, left + CertificateLayout.SubjectColumns.Sum(), y);
        }

        return DrawCells(gfx, Cells(gfx, texts, style), left, y, rule);
    }

    private static double DrawCells(XGraphics gfx, FittedText[] cells, double left, double y, XPen rule)
    {
        var columns = CertificateLayout.SubjectColumns;
        var ink = new XSolidBrush(CertificateRenderer.Ink);
        var x = left;
        for (var i = 0; i < cells.Length; i++)
        {
            if (i is 0 or 3)
            {
                CertificateRenderer.DrawCentered(gfx, cells[i], ink, x + (columns[i] / 2), y + RowPadding);
            }
            else
            {
                DrawLeft(gfx, cells[i], ink, x + RowPadding + 1, y + RowPadding);
            }

            x += columns[i];
        }

        var bottom = y + RowHeight(cells);
        gfx.DrawLine(rule, left, bottom, x, bottom);
        return bottom;
    }

    private static void DrawLeft(XGraphics gfx, FittedText text, XBrush brush, double x, double top)
    {
        if (text.Font is null)
        {
            return;
        }

        var y = top;
        foreach (var line in text.Lines)
        {
            gfx.DrawString(line, text.Font, brush, x, y + text.Ascent);
            y += text.LineHeight;
        }
    }
}
