using System.Globalization;
using PdfSharp.Drawing;
using PdfSharp.Pdf;
using QRCoder;

namespace TrainingCycles.Certificates.Pdf;

/// <summary>
/// Renders one certificate as an A4 landscape PDF: one page, or (#22) with a page listing the subjects and their JP. Pure: no I/O besides the fonts embedded in this assembly,
/// no logging, safe to call from many threads at once.
/// </summary>
public static class CertificateRenderer
{
    private static readonly XColor DefaultAccent = XColor.FromArgb(0x1F, 0x4E, 0x79);
    internal static readonly XColor Ink = XColor.FromArgb(0x22, 0x22, 0x22);
    internal static readonly XColor Muted = XColor.FromArgb(0x55, 0x55, 0x55);

    public static byte[] Render(CertificateDocument doc)
    {
        ArgumentNullException.ThrowIfNull(doc);
        if (string.IsNullOrWhiteSpace(doc.VerificationUrl))
        {
            throw new ArgumentException("A certificate needs a verification URL for its QR code.", nameof(doc));
        }

        CertificateFonts.EnsureRegistered();
        var template = doc.Template ?? new CertificateTemplate();
        var words = CertificateWording.For(doc.Language);
        var accent = ParseColor(template.AccentColor);
        var heading = FirstNonBlank(template.Heading, doc.Heading) ?? words.Heading;

        using var pdf = new PdfDocument();
        pdf.Options.CompressContentStreams = true;
        // #24: half a render went into deflating the three embedded font subsets at the default level; the fastest
        // level took a 10,000-person phase's render from ~2.2 to ~1.4 ms each for ~20 % more bytes (54 → 65 KB).
        pdf.Options.FlateEncodeMode = PdfFlateEncodeMode.BestSpeed;
        // The holder is deliberately absent from the metadata, which indexers and mail scanners read.
        pdf.Info.Title = TextFitter.Plain($"{heading} – {doc.TrainingTitle}");
        pdf.Info.Subject = TextFitter.Plain(doc.CertificateNumber);
        pdf.Info.Author = TextFitter.Plain(doc.OrganizerName);
        pdf.Info.Creator = "TrainingCycles";

        var page = pdf.AddPage();
        page.Width = XUnit.FromPoint(CertificateLayout.PageWidth);
        page.Height = XUnit.FromPoint(CertificateLayout.PageHeight);

        using (var gfx = XGraphics.FromPdfPage(page))
        {
            DrawFrame(gfx, accent);
            DrawLogo(gfx, template.LogoPng);
            DrawHeader(gfx, doc, words, heading, accent);
            if (doc.Identity is null)
            {
                DrawBody(gfx, doc, words, template);
            }
            else
            {
                SttpPages.DrawBody(gfx, doc, words, template);
            }

            DrawQr(gfx, doc.VerificationUrl);
            DrawSignatory(gfx, doc);
        }

        if (doc.Subjects is { Count: > 0 })
        {
            SttpPages.DrawSubjects(pdf, doc, words, accent);
        }

        using var output = new MemoryStream();
        pdf.Save(output, closeStream: false);
        return output.ToArray();
    }

    internal static void DrawFrame(XGraphics gfx, XColor accent)
    {
        const double outer = CertificateLayout.FrameInset;
        var (w, h) = (CertificateLayout.PageWidth, CertificateLayout.PageHeight);
        gfx.DrawRectangle(new XPen(accent, 2.5), outer, outer, w - (2 * outer), h - (2 * outer));
        const double inner = outer + 7;
        gfx.DrawRectangle(new XPen(accent, 0.75), inner, inner, w - (2 * inner), h - (2 * inner));
    }

    /// <summary>True when PDFsharp can read and draw these image bytes, exactly as <see cref="Render"/> would.</summary>
    public static bool CanDrawLogo(byte[] image)
    {
        ArgumentNullException.ThrowIfNull(image);
        try
        {
            using var xImage = XImage.FromStream(new MemoryStream(image, writable: false));
            if (xImage.PixelWidth <= 0 || xImage.PixelHeight <= 0)
            {
                return false;
            }

            using var pdf = new PdfDocument();
            var page = pdf.AddPage();
            using (var gfx = XGraphics.FromPdfPage(page))
            {
                gfx.DrawImage(xImage, 0, 0, 72, 72);
            }

            pdf.Save(Stream.Null, closeStream: false);
            return true;
        }
#pragma warning disable CA1031 // Whatever PDFsharp throws on bad bytes, the answer is "cannot be drawn".
        catch (Exception)
#pragma warning restore CA1031
        {
            return false;
        }
    }

    private static void DrawLogo(XGraphics gfx, byte[]? png)
    {
        if (png is not { Length: > 0 })
        {
            return;
        }

        XImage image;
        try
        {
            image = XImage.FromStream(new MemoryStream(png, writable: false));
        }
#pragma warning disable CA1031 // An unreadable logo must not cost the participant the certificate; it is left out.
        catch (Exception)
#pragma warning restore CA1031
        {
            return;
        }

        using (image)
        {
            var box = CertificateLayout.LogoArea;
            var scale = Math.Min(box.Width / image.PointWidth, box.Height / image.PointHeight);
            var (w, h) = (image.PointWidth * scale, image.PointHeight * scale);
            gfx.DrawImage(image, box.X + ((box.Width - w) / 2), box.Y + ((box.Height - h) / 2), w, h);
        }
    }

    private static void DrawHeader(XGraphics gfx, CertificateDocument doc, CertificateWording words, string heading, XColor accent)
    {
        const double width = CertificateLayout.HeaderWidth;
        var y = CertificateLayout.HeaderTop;
        // #22: with the institution above it, the heading and number give up height so the header still ends by 126.
        var institution = TextFitter.Fit(gfx, doc.Institution, new TextSpec(XFontStyleEx.Bold, 13, 9, width, 1, 16));
        var compact = institution.Lines.Count > 0;
        if (compact)
        {
            y = DrawCentered(gfx, institution, new XSolidBrush(Ink), CertificateLayout.CenterX, y) + 2;
        }

        var title = TextFitter.Fit(gfx, heading, compact ? new TextSpec(XFontStyleEx.Bold, 36, 20, width, 1, 42) : new TextSpec(XFontStyleEx.Bold, 40, 20, width, 1, 48));
        y = DrawCentered(gfx, title, new XSolidBrush(accent), CertificateLayout.CenterX, y);

        var numberText = string.IsNullOrWhiteSpace(doc.CertificateNumber) ? null : $"{words.Number} {doc.CertificateNumber}";
        var number = TextFitter.Fit(gfx, numberText, compact ? new TextSpec(XFontStyleEx.Regular, 12, 8, width, 1, 14) : new TextSpec(XFontStyleEx.Regular, 12, 8, width, 2, 22));
        y = DrawCentered(gfx, number, new XSolidBrush(Muted), CertificateLayout.CenterX, y + 2);

        y = Math.Min(y + 8, CertificateLayout.SttpBodyTop - 6);
        gfx.DrawLine(new XPen(accent, 1), CertificateLayout.CenterX - 90, y, CertificateLayout.CenterX + 90, y);
    }

    private static void DrawBody(XGraphics gfx, CertificateDocument doc, CertificateWording words, CertificateTemplate template)
    {
        const double width = CertificateLayout.BodyWidth;
        var ink = new XSolidBrush(Ink);
        var muted = new XSolidBrush(Muted);
        var nip = string.IsNullOrWhiteSpace(doc.HolderNip) ? null : $"NIP. {doc.HolderNip}";
        var wording = FirstNonBlank(template.Wording) ?? words.Completed;

        // Each block's MaxHeight is its worst case; their sum plus the gaps fits the body area, so nothing can overlap.
        var blocks = new (FittedText Text, XBrush Brush, double GapAfter)[]
        {
            (TextFitter.Fit(gfx, words.AwardedTo, new TextSpec(XFontStyleEx.Italic, 13, 9, width, 1, 16)), muted, 4),
            (TextFitter.Fit(gfx, doc.HolderName, new TextSpec(XFontStyleEx.Bold, 30, 14, width, 3, 52)), ink, 4),
            (TextFitter.Fit(gfx, nip, new TextSpec(XFontStyleEx.Regular, 12, 9, width, 1, 14)), ink, 2),
            (TextFitter.Fit(gfx, doc.HolderAgency, new TextSpec(XFontStyleEx.Regular, 13, 9, width, 2, 30)), ink, 12),
            (TextFitter.Fit(gfx, wording, new TextSpec(XFontStyleEx.Italic, 13, 9, width, 2, 26)), muted, 4),
            (TextFitter.Fit(gfx, doc.TrainingTitle, new TextSpec(XFontStyleEx.Bold, 22, 10, width, 3, 44)), ink, 8),
            (TextFitter.Fit(gfx, words.Details(doc), new TextSpec(XFontStyleEx.Regular, 12, 8, width, 3, 36, SingleLineMin: 11)), ink, 0),
        };

        var textHeight = blocks.Sum(b => b.Text.Height);
        var gaps = blocks.Sum(b => b.Text.Lines.Count > 0 ? b.GapAfter : 0);
        var slack = Math.Max(0, CertificateLayout.BodyHeight - textHeight - gaps);
        // Short texts leave room: give part of it to the gaps so the page breathes, then centre the rest.
        var gapScale = gaps > 0 ? 1 + Math.Min(1.2, slack * 0.5 / gaps) : 1;
        slack = Math.Max(0, CertificateLayout.BodyHeight - textHeight - (gaps * gapScale));

        var y = CertificateLayout.BodyTop + (slack / 2);
        foreach (var (text, brush, gapAfter) in blocks)
        {
            if (text.Lines.Count == 0)
            {
                continue;
            }

            y = DrawCentered(gfx, text, brush, CertificateLayout.CenterX, y) + (gapAfter * gapScale);
        }
    }

    private static void DrawSignatory(XGraphics gfx, CertificateDocument doc)
    {
        var area = CertificateLayout.SignatoryArea;
        var ink = new XSolidBrush(Ink);
        var nipText = string.IsNullOrWhiteSpace(doc.SignatoryNip) ? null : $"NIP. {doc.SignatoryNip}";

        var placeAndDate = string.IsNullOrWhiteSpace(doc.SigningDate) ? null
            : string.IsNullOrWhiteSpace(doc.SigningPlace) ? doc.SigningDate.Trim() : $"{doc.SigningPlace.Trim()}, {doc.SigningDate.Trim()}";
        var signed = TextFitter.Fit(gfx, placeAndDate, new TextSpec(XFontStyleEx.Regular, 11, 8, area.Width, 1, 13));
        var title = TextFitter.Fit(gfx, doc.SignatoryTitle, new TextSpec(XFontStyleEx.Regular, 11, 8, area.Width, 3, 34));
        var name = TextFitter.Fit(gfx, doc.SignatoryName, new TextSpec(XFontStyleEx.Bold, 12, 9, area.Width, 2, 28));
        var nip = TextFitter.Fit(gfx, nipText, new TextSpec(XFontStyleEx.Regular, 11, 8, area.Width, 1, 14));

        // Stacked from the bottom so the name sits on a fixed line and the signature space above it never shrinks.
        var nipTop = area.Bottom - nip.Height;
        var nameTop = nipTop - name.Height - (nip.Lines.Count > 0 ? 2 : 0);
        var titleTop = nameTop - CertificateLayout.SignatureSpace - title.Height;
        var center = area.X + (area.Width / 2);
        // "Palangka Raya, 2 Desember 2026" right above the title, as Indonesian letters and certificates place it.
        DrawCentered(gfx, signed, ink, center, titleTop - signed.Height - (signed.Lines.Count > 0 ? 2 : 0));
        DrawCentered(gfx, title, ink, center, titleTop);
        DrawCentered(gfx, name, ink, center, nameTop, underline: true);
        DrawCentered(gfx, nip, ink, center, nipTop);
    }

    private static void DrawQr(XGraphics gfx, string url)
    {
        var area = CertificateLayout.QrArea;
        var symbol = QrMatrix.Draw(gfx, url, area);

        var caption = TextFitter.Fit(gfx, url, new TextSpec(XFontStyleEx.Regular, 7, 5, CertificateLayout.QrCaptionWidth, 2, 17, BreakAnywhere: true));
        var y = area.Bottom + 1;
        foreach (var line in caption.Lines)
        {
            gfx.DrawString(line, caption.Font!, new XSolidBrush(Muted), symbol.X, y + caption.Ascent);
            y += caption.LineHeight;
        }
    }

    /// <summary>Draws the lines centred on <paramref name="centerX"/> from <paramref name="top"/> down; returns the bottom.</summary>
    internal static double DrawCentered(XGraphics gfx, FittedText text, XBrush brush, double centerX, double top, bool underline = false)
    {
        var y = top;
        if (text.Font is null)
        {
            return y;
        }

        foreach (var line in text.Lines)
        {
            var lineWidth = gfx.MeasureString(line, text.Font).Width;
            var x = centerX - (lineWidth / 2);
            var baseline = y + text.Ascent;
            gfx.DrawString(line, text.Font, brush, x, baseline);
            if (underline)
            {
                var offset = text.Font.Size * 0.12;
                gfx.DrawLine(new XPen(Ink, Math.Max(0.5, text.Font.Size / 20)), x, baseline + offset, x + lineWidth, baseline + offset);
            }

            y += text.LineHeight;
        }

        return y;
    }

    private static XColor ParseColor(string? hex)
    {
        if (hex is { Length: 7 } && hex[0] == '#'
            && int.TryParse(hex.AsSpan(1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var rgb))
        {
            return XColor.FromArgb((rgb >> 16) & 0xFF, (rgb >> 8) & 0xFF, rgb & 0xFF);
        }

        return DefaultAccent;
    }

    internal static string? FirstNonBlank(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));
}
