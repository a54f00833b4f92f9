using PdfSharp.Drawing;
using PdfSharp.Pdf;
using TrainingCycles.Certificates.Pdf;

namespace TrainingCycles.Tests.Support;

/// <summary>Small real PDFs to upload.</summary>
public static class Pdfs
{
    /// <summary>
    /// A one-page letter (a surat tugas) whose lines are real text in the app's own embedded face, so that whatever
    /// reads the stored file back (a privacy scan, a text extractor) finds what it names.
    /// </summary>
    public static byte[] Letter(params string[] lines)
    {
        CertificateFonts.EnsureRegistered();
        using var document = new PdfDocument();
        var page = document.AddPage();
        using (var graphics = XGraphics.FromPdfPage(page))
        {
            var font = new XFont(CertificateFonts.Family, 11);
            var y = 72.0;
            foreach (var line in lines)
            {
                graphics.DrawString(line, font, XBrushes.Black, new XPoint(72, y));
                y += 18;
            }
        }

        using var buffer = new MemoryStream();
        document.Save(buffer);
        return buffer.ToArray();
    }
}
