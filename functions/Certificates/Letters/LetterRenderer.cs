using PdfSharp.Drawing;
using PdfSharp.Pdf;
using TrainingCycles.Certificates.Pdf;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Certificates.Letters;

/// <summary>What a letter of participation (surat keterangan telah mengikuti) says. <paramref name="AttendanceText"/> is ready to print ("12 dari 16 JP").</summary>
public sealed record LetterDocument(
    string HolderName, string HolderNip, string HolderAgency, string TrainingTitle, string OrganizerName, string DatesText, string Venue,
    string AttendanceText, string LetterNumber, string VerificationUrl, string Language, string? SigningPlace, string SigningDate,
    string SignatoryName, string SignatoryTitle, string? SignatoryNip);

/// <summary>
/// Renders a letter of participation: one A4 portrait page, the certificate's embedded fonts and QR helper, its own
/// heading, number and verification link. Pure: no I/O besides the embedded fonts.
/// </summary>
public static class LetterRenderer
{
    public const double PageWidth = 595.28;
    public const double PageHeight = 841.89;
    public const double Margin = 64;
    public static readonly XRect QrArea = new(Margin, PageHeight - Margin - 96, 96, 96);

    private static readonly XColor Ink = XColor.FromArgb(0x22, 0x22, 0x22);

    public static byte[] Render(LetterDocument doc)
    {
        ArgumentNullException.ThrowIfNull(doc);
        CertificateFonts.EnsureRegistered();
        var lang = doc.Language == "en" ? "en" : "id";
        string T(string key, params object?[] args) => Text.Get(lang, key, args);

        using var pdf = new PdfDocument();
        pdf.Options.CompressContentStreams = true;
        pdf.Info.Title = TextFitter.Plain(T(nameof(Texts.Cert_Letter_Heading)) + " – " + doc.TrainingTitle);
        pdf.Info.Subject = TextFitter.Plain(doc.LetterNumber);
        pdf.Info.Author = TextFitter.Plain(doc.OrganizerName);
        pdf.Info.Creator = "TrainingCycles";
        var page = pdf.AddPage();
        page.Width = XUnit.FromPoint(PageWidth);
        page.Height = XUnit.FromPoint(PageHeight);
        using (var gfx = XGraphics.FromPdfPage(page))
        {
            var width = PageWidth - (2 * Margin);
            var y = Margin;
            y = PdfText.Block(gfx, doc.OrganizerName.ToUpperInvariant(), XFontStyleEx.Bold, 13, Margin, y, width, XStringAlignment.Center) + 6;
            gfx.DrawLine(new XPen(Ink, 1.2), Margin, y, PageWidth - Margin, y);
            y += 28;
            y = PdfText.Block(gfx, T(nameof(Texts.Cert_Letter_Heading)), XFontStyleEx.Bold, 15, Margin, y, width, XStringAlignment.Center) + 2;
            y = PdfText.Block(gfx, T(nameof(Texts.Cert_Letter_Number), doc.LetterNumber), XFontStyleEx.Regular, 11, Margin, y, width, XStringAlignment.Center) + 26;
            y = PdfText.Block(gfx, T(nameof(Texts.Cert_Letter_Intro)), XFontStyleEx.Regular, 11.5, Margin, y, width) + 10;
            foreach (var (label, value) in new[] { (T(nameof(Texts.Cert_Letter_Name)), doc.HolderName), (T(nameof(Texts.Cert_Letter_Nip)), doc.HolderNip), (T(nameof(Texts.Cert_Letter_Agency)), doc.HolderAgency) })
            {
                PdfText.Block(gfx, label, XFontStyleEx.Regular, 11.5, Margin + 24, y, 100);
                PdfText.Block(gfx, ":", XFontStyleEx.Regular, 11.5, Margin + 124, y, 10);
                y = PdfText.Block(gfx, string.IsNullOrWhiteSpace(value) ? "-" : value, XFontStyleEx.Bold, 11.5, Margin + 136, y, width - 136) + 4;
            }

            y += 10;
            y = PdfText.Block(gfx, T(nameof(Texts.Cert_Letter_Body), doc.TrainingTitle, doc.OrganizerName, doc.DatesText, doc.Venue, doc.AttendanceText), XFontStyleEx.Regular, 11.5, Margin, y, width, XStringAlignment.Near, lines: 8) + 10;
            y = PdfText.Block(gfx, T(nameof(Texts.Cert_Letter_NotCertificate)), XFontStyleEx.Italic, 10.5, Margin, y, width, XStringAlignment.Near, lines: 4) + 10;
            PdfText.Block(gfx, T(nameof(Texts.Cert_Letter_Closing)), XFontStyleEx.Regular, 11.5, Margin, y, width, XStringAlignment.Near, lines: 3);

            var signX = PageWidth - Margin - 220;
            var signY = PageHeight - Margin - 190;
            var place = string.IsNullOrWhiteSpace(doc.SigningPlace) ? doc.SigningDate : doc.SigningPlace + ", " + doc.SigningDate;
            signY = PdfText.Block(gfx, place, XFontStyleEx.Regular, 11, signX, signY, 220, lines: 2) + 2;
            signY = PdfText.Block(gfx, doc.SignatoryTitle, XFontStyleEx.Regular, 11, signX, signY, 220, lines: 3) + 60;
            signY = PdfText.Block(gfx, doc.SignatoryName, XFontStyleEx.Bold, 11, signX, signY, 220, lines: 2);
            if (!string.IsNullOrWhiteSpace(doc.SignatoryNip))
            {
                PdfText.Block(gfx, "NIP " + doc.SignatoryNip, XFontStyleEx.Regular, 10.5, signX, signY, 220);
            }

            QrMatrix.Draw(gfx, doc.VerificationUrl, QrArea);
            PdfText.Block(gfx, T(nameof(Texts.Cert_Letter_Verify)), XFontStyleEx.Regular, 8, Margin + 100, QrArea.Y + 30, 140, lines: 3);
            PdfText.Block(gfx, doc.VerificationUrl, XFontStyleEx.Regular, 7, Margin + 100, QrArea.Y + 56, 160, lines: 3, breakAnywhere: true);
        }

        using var output = new MemoryStream();
        pdf.Save(output, closeStream: false);
        return output.ToArray();
    }
}

/// <summary>Text blocks for the documents of #20 (letter, attendance sheets), on the certificate's fitter and embedded fonts.</summary>
internal static class PdfText
{
    private static readonly XBrush Ink = new XSolidBrush(XColor.FromArgb(0x22, 0x22, 0x22));

    /// <summary>Draws <paramref name="text"/> wrapped into <paramref name="width"/> (shrinking a little when it must) and returns the y below it.</summary>
    public static double Block(XGraphics gfx, string? text, XFontStyleEx style, double size, double x, double y, double width,
        XStringAlignment align = XStringAlignment.Near, int lines = 2, bool breakAnywhere = false)
    {
        var fitted = TextFitter.Fit(gfx, text, new TextSpec(style, size, Math.Max(6, size * 0.7), width, lines, lines * size * 1.35, breakAnywhere));
        if (fitted.Font is null)
        {
            return y;
        }

        var format = new XStringFormat { Alignment = align, LineAlignment = XLineAlignment.BaseLine };
        for (var i = 0; i < fitted.Lines.Count; i++)
        {
            var baseline = y + fitted.Ascent + (i * fitted.LineHeight);
            var at = align switch { XStringAlignment.Center => x + (width / 2), XStringAlignment.Far => x + width, _ => x };
            gfx.DrawString(fitted.Lines[i], fitted.Font, Ink, at, baseline, format);
        }

        return y + fitted.Height;
    }
}
