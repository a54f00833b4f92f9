using PdfSharp.Drawing;
using PdfSharp.Pdf;
using TrainingCycles.Certificates.Letters;
using TrainingCycles.Certificates.Pdf;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Privacy;

/// <summary>
/// The person's data as a readable PDF (#23b, UU PDP access right): A4 portrait, the certificate's embedded Liberation
/// fonts (PDFsharp 6.2, <see cref="CertificateFonts"/>), in the page's language; one heading per holder with records,
/// each field as "name: value", as many pages as the data needs. The document title names the training, not the person.
/// </summary>
public static class MyDataPdf
{
    private const double Margin = 50;
    private const double Width = 595.28;
    private const double Height = 841.89;
    private const double LabelWidth = 150;

    public static string SectionKey(string holder) => holder switch
    {
        ParticipantRecordHolder.HolderName => nameof(Texts.Privacy_Section_Participant),
        "attendance" => nameof(Texts.Privacy_Section_Attendance),
        "mail" => nameof(Texts.Privacy_Section_Mail),
        "certificates" => nameof(Texts.Privacy_Section_Certificates),
        "audit" => nameof(Texts.Privacy_Section_Audit),
        _ => nameof(Texts.Privacy_Section_Other),
    };

    public static byte[] Render(string lang, CycleRecord cycle, IReadOnlyList<PersonalDataSection> sections, DateTimeOffset now)
    {
        CertificateFonts.EnsureRegistered();
        using var pdf = new PdfDocument();
        pdf.Options.CompressContentStreams = true;
        pdf.Info.Title = TextFitter.Plain(Text.Get(lang, nameof(Texts.Privacy_MyData_Title)) + " – " + cycle.Entity.Title);
        pdf.Info.Creator = "TrainingCycles";
        var writer = new PageWriter(pdf);
        var width = Width - (2 * Margin);
        writer.Line(y => PdfText.Block(writer.Gfx, cycle.Definition.OrganizerName ?? "", XFontStyleEx.Bold, 10, Margin, y, width, XStringAlignment.Center), 16);
        writer.Line(y => PdfText.Block(writer.Gfx, Text.Get(lang, nameof(Texts.Privacy_MyData_Title)), XFontStyleEx.Bold, 16, Margin, y + 4, width, XStringAlignment.Center), 26);
        writer.Line(y => PdfText.Block(writer.Gfx, cycle.Entity.Title, XFontStyleEx.Bold, 11, Margin, y, width, XStringAlignment.Center), 30);
        var generated = Formatting.DateTime(now, cycle.Schedule.TimeZone, lang);
        writer.Line(y => PdfText.Block(writer.Gfx, Text.Get(lang, nameof(Texts.Privacy_Pdf_Generated), generated), XFontStyleEx.Regular, 9, Margin, y, width, XStringAlignment.Center), 16);
        writer.Line(y => PdfText.Block(writer.Gfx, Text.Get(lang, nameof(Texts.Privacy_MyData_Intro)), XFontStyleEx.Regular, 9.5, Margin, y + 6, width, lines: 3), 44);

        foreach (var section in sections.Where(s => s.Records.Count > 0))
        {
            writer.Line(y => PdfText.Block(writer.Gfx, Text.Get(lang, SectionKey(section.Holder)), XFontStyleEx.Bold, 12, Margin, y + 8, width), 28);
            foreach (var record in section.Records)
            {
                foreach (var (name, value) in record.Where(r => !string.IsNullOrEmpty(r.Value)))
                {
                    writer.Line(y =>
                    {
                        PdfText.Block(writer.Gfx, name, XFontStyleEx.Bold, 8.5, Margin, y, LabelWidth - 6, lines: 1, breakAnywhere: true);
                        return PdfText.Block(writer.Gfx, value, XFontStyleEx.Regular, 8.5, Margin + LabelWidth, y, width - LabelWidth, lines: 3, breakAnywhere: true);
                    }, 13);
                }

                writer.Space(6);
            }
        }

        writer.Line(y => PdfText.Block(writer.Gfx, Text.Get(lang, nameof(Texts.Privacy_Receipt_Kept)), XFontStyleEx.Italic, 9, Margin, y + 10, width, lines: 4), 60);
        writer.Finish(lang);

        using var output = new MemoryStream();
        pdf.Save(output, closeStream: false);
        return output.ToArray();
    }

    /// <summary>Draws line after line, starting a new page (with its number) when the next one would not fit.</summary>
    private sealed class PageWriter(PdfDocument pdf)
    {
        private double _y = Height;
        private XGraphics? _gfx;

        public XGraphics Gfx => _gfx!;

        /// <summary>Draws at the current y; <paramref name="room"/> is the least height the line needs on this page.</summary>
        public void Line(Func<double, double> draw, double room)
        {
            if (_gfx is null || _y + room > Height - Margin)
            {
                NewPage();
            }

            _y = Math.Max(_y + 1, draw(_y));
        }

        public void Space(double points) => _y += points;

        public void Finish(string lang)
        {
            _gfx?.Dispose();
            for (var i = 0; i < pdf.PageCount; i++)
            {
                using var gfx = XGraphics.FromPdfPage(pdf.Pages[i], XGraphicsPdfPageOptions.Append);
                PdfText.Block(gfx, Text.Get(lang, nameof(Texts.Privacy_Pdf_Page), i + 1, pdf.PageCount), XFontStyleEx.Regular, 8, Margin, Height - Margin + 16, Width - (2 * Margin), XStringAlignment.Far);
            }
        }

        private void NewPage()
        {
            _gfx?.Dispose();
            var page = pdf.AddPage();
            page.Width = XUnit.FromPoint(Width);
            page.Height = XUnit.FromPoint(Height);
            _gfx = XGraphics.FromPdfPage(page);
            _y = Margin;
        }
    }
}
