using System.Buffers.Binary;
using System.ComponentModel;
using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using PdfSharp.Drawing;
using TrainingCycles.Certificates.Pdf;
using UglyToad.PdfPig;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.Core;
using Xunit.Abstractions;

namespace TrainingCycles.Tests.Certificates;

public sealed partial class CertificatePdfTests(ITestOutputHelper output)
{
    private const double A4Long = 841.89;
    private const double A4Short = 595.28;

    internal static readonly CertificateDocument Sample = new(
        Heading: "SERTIFIKAT",
        HolderName: "Dr. Siti Aminah, S.Sos., M.Si.",
        HolderNip: "19850312 201001 2 005",
        HolderAgency: "Dinas Sosial Kabupaten Kotawaringin Timur",
        TrainingTitle: "Pelatihan Dasar Pekerjaan Sosial se-Kalimantan Tengah",
        DatesText: "7–10 Desember 2026",
        Venue: "Aula BPSDM Provinsi Kalimantan Tengah, Palangka Raya",
        TrainingHours: 32,
        OrganizerName: "BPSDM Provinsi Kalimantan Tengah",
        SignatoryName: "Drs. Ahmad Fauzi, M.AP.",
        SignatoryTitle: "Kepala Badan Pengembangan Sumber Daya Manusia Provinsi Kalimantan Tengah",
        SignatoryNip: "19700101 199503 1 002",
        CertificateNumber: "800/0123/BPSDM-PDPS/XII/2026",
        VerificationUrl: "https://pelatihan.bpsdm.kalteng.example/v/Q7K2-9XRM-4TPA",
        Language: "id",
        Template: new CertificateTemplate());

    [Fact]
    public void RendersOneLandscapeA4PageWithEveryDetail()
    {
        using var pdf = PdfDocument.Open(CertificateRenderer.Render(Sample));

        Assert.Equal(1, pdf.NumberOfPages);
        var page = pdf.GetPage(1);
        Assert.Equal(A4Long, page.Width, 1.0);
        Assert.Equal(A4Short, page.Height, 1.0);
        var text = Squash(page.Text);
        foreach (var expected in new[]
        {
            "SERTIFIKAT", "Nomor:", Sample.CertificateNumber, "diberikan kepada", Sample.HolderName, "NIP. " + Sample.HolderNip,
            Sample.HolderAgency, "telah mengikuti", Sample.TrainingTitle, Sample.DatesText, Sample.Venue,
            "selama 32 Jam Pelajaran (JP)", Sample.OrganizerName, Sample.SignatoryName, Sample.SignatoryTitle,
            "NIP. " + Sample.SignatoryNip, Sample.VerificationUrl,
        })
        {
            Assert.Contains(Squash(expected), text);
        }
    }

    [Fact]
    public void SetsDocumentInformationWithoutTheHolder()
    {
        using var pdf = PdfDocument.Open(CertificateRenderer.Render(Sample));

        Assert.Equal(Sample.CertificateNumber, pdf.Information.Subject);
        Assert.Equal(Sample.OrganizerName, pdf.Information.Author);
        Assert.Contains(Sample.TrainingTitle, pdf.Information.Title, StringComparison.Ordinal);
        Assert.DoesNotContain("Aminah", pdf.Information.Title, StringComparison.Ordinal);
    }

    [Fact]
    public void FitsAnExtremeNameAndTitleInsideThePageAndClearOfTheQrCode()
    {
        var doc = Sample with
        {
            HolderName = "Prof. Dr. Ir. H. Raden Muhammad Abdurrahman Syarifuddin Wicaksono Kusumanegara Prawiradirja "
                + "Tjokroaminoto, S.Sos., S.H., S.E., M.Si., M.Kes., M.Pd., M.A.P., M.Sc., Ph.D., CHRP., CSR., QIA.",
            TrainingTitle = string.Join(' ', Enumerable.Repeat(
                "Pelatihan Dasar Pekerjaan Sosial bagi Pendamping Rehabilitasi Sosial dan Perlindungan Anak", 4))[..300],
            HolderAgency = "Dinas Sosial, Pemberdayaan Perempuan dan Perlindungan Anak, Pengendalian Penduduk dan Keluarga Berencana Kabupaten Kotawaringin Timur Provinsi Kalimantan Tengah",
            SignatoryName = "Prof. Dr. Drs. H. Ahmad Fauzi Rahmatullah Syamsuddin Noor, S.H., M.H., M.A.P., M.Si.",
            VerificationUrl = "https://pelatihan.bpsdm.kalteng.example/verifikasi/sertifikat/800-0123-BPSDM-PDPS-XII-2026?kode=Q7K2-9XRM-4TPA-7H3J-ZZ9Q",
        };
        Assert.True(doc.HolderName.Length >= 150);

        using var pdf = PdfDocument.Open(CertificateRenderer.Render(doc));
        var page = pdf.GetPage(1);

        var text = Squash(page.Text);
        Assert.Contains(Squash(doc.HolderName), text);
        Assert.Contains(Squash(doc.TrainingTitle), text);
        Assert.Contains(Squash(doc.SignatoryName), text);

        var visible = page.Letters.Where(l => !string.IsNullOrWhiteSpace(l.Value)).ToList();
        Assert.All(visible, l =>
        {
            var box = l.BoundingBox;
            Assert.True(box.Left >= 0 && box.Right <= page.Width && box.Bottom >= 0 && box.Top <= page.Height, $"'{l.Value}' at {box} is off the page");
        });

        var qr = QrAreaInPdfCoordinates(page);
        Assert.DoesNotContain(visible, l => Intersects(l.BoundingBox, qr));

        var lines = TextLines(visible);
        for (var i = 0; i < lines.Count; i++)
        {
            for (var j = i + 1; j < lines.Count; j++)
            {
                Assert.False(Intersects(Shrink(lines[i], 0.5), Shrink(lines[j], 0.5)), $"lines overlap: {lines[i]} and {lines[j]}");
            }
        }
    }

    [Fact]
    public void RendersEnglishWording()
    {
        using var pdf = PdfDocument.Open(CertificateRenderer.Render(Sample with { Heading = "", Language = "en" }));

        var text = Squash(pdf.GetPage(1).Text);
        Assert.Contains("CERTIFICATE", text, StringComparison.Ordinal);
        Assert.Contains(Squash("is awarded to"), text, StringComparison.Ordinal);
        Assert.Contains(Squash("for having successfully completed"), text, StringComparison.Ordinal);
        Assert.Contains(Squash("totalling 32 lesson hours (Jam Pelajaran, JP)"), text, StringComparison.Ordinal);
        Assert.Contains("Number:", text, StringComparison.Ordinal);
        Assert.DoesNotContain("SERTIFIKAT", text, StringComparison.Ordinal);
        Assert.DoesNotContain("diberikan", text, StringComparison.Ordinal);
    }

    [Fact]
    public void TemplateOverridesHeadingAndWording()
    {
        var template = new CertificateTemplate(Heading: "PIAGAM PENGHARGAAN", Wording: "atas partisipasinya sebagai Peserta Terbaik dalam");
        using var pdf = PdfDocument.Open(CertificateRenderer.Render(Sample with { Template = template }));

        var text = Squash(pdf.GetPage(1).Text);
        Assert.Contains(Squash("PIAGAM PENGHARGAAN"), text, StringComparison.Ordinal);
        Assert.Contains(Squash(template.Wording!), text, StringComparison.Ordinal);
        Assert.DoesNotContain("SERTIFIKAT", text, StringComparison.Ordinal);
        Assert.DoesNotContain("telahmengikuti", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("#AA1100", 0xAA, 0x11, 0x00)]
    [InlineData("red", 0x1F, 0x4E, 0x79)]
    [InlineData("#12345", 0x1F, 0x4E, 0x79)]
    [InlineData("#GGGGGG", 0x1F, 0x4E, 0x79)]
    public void PaintsTheHeadingInTheAccentColourOrTheDefault(string accent, int r, int g, int b)
    {
        using var pdf = PdfDocument.Open(CertificateRenderer.Render(Sample with { Template = new CertificateTemplate(accent) }));

        var heading = pdf.GetPage(1).Letters[0];
        var (red, green, blue) = heading.Color.ToRGBValues();
        Assert.Equal(r / 255.0, red, 0.01);
        Assert.Equal(g / 255.0, green, 0.01);
        Assert.Equal(b / 255.0, blue, 0.01);
    }

    [Fact]
    public void DrawsAReadableLogoAndLeavesOutAnUnreadableOne()
    {
        var logo = SolidPng(48, 32, 0x1F, 0x4E, 0x79);
        using (var pdf = PdfDocument.Open(CertificateRenderer.Render(Sample with { Template = new CertificateTemplate(LogoPng: logo) })))
        {
            var image = Assert.Single(pdf.GetPage(1).GetImages());
            Assert.True(image.BoundingBox.Left < A4Long / 4 && image.BoundingBox.Bottom > A4Short * 3 / 4, $"logo at {image.BoundingBox}");
        }

        var garbage = Encoding.ASCII.GetBytes("this is not a PNG");
        using (var pdf = PdfDocument.Open(CertificateRenderer.Render(Sample with { Template = new CertificateTemplate(LogoPng: garbage) })))
        {
            Assert.Empty(pdf.GetPage(1).GetImages());
        }
    }

    [Fact]
    public void RendersHostileInputWithoutThrowing()
    {
        var doc = Sample with
        {
            HolderName = "<script>alert('x')</script> Sit\u0069\u0301 A\u0308minah 👩‍⚕️🇮🇩 Z̸̡̛a̷l̶g̵o\u202E\u200B\0 {0} %PDF-1.4 )\\(",
            HolderNip = "\r\n\t",
            HolderAgency = new string('W', 500),
            TrainingTitle = "Line one\nLine two\u2028Line three\uD83D",
            SignatoryNip = null,
            CertificateNumber = "\uDC00\u0007",
            Venue = "   ",
            OrganizerName = "😀",
            SignatoryTitle = "\uFFFF\uD800",
            Template = new CertificateTemplate(AccentColor: "", Heading: "   ", LogoPng: []),
        };

        var bytes = CertificateRenderer.Render(doc);

        using var pdf = PdfDocument.Open(bytes);
        var page = pdf.GetPage(1);
        var text = Squash(page.Text);
        Assert.Contains("<script>alert('x')</script>", text, StringComparison.Ordinal);
        Assert.Contains("Sití", text, StringComparison.Ordinal);
        Assert.Contains("Äminah", text, StringComparison.Ordinal);
        Assert.Contains("LineoneLinetwoLinethree", text, StringComparison.Ordinal);
        Assert.All(page.Letters, l => Assert.True(
            l.BoundingBox.Left >= 0 && l.BoundingBox.Right <= page.Width && l.BoundingBox.Bottom >= 0 && l.BoundingBox.Top <= page.Height,
            $"'{l.Value}' at {l.BoundingBox} is off the page"));
    }

    [Fact]
    public void RequiresAVerificationUrl()
    {
        Assert.Throws<ArgumentException>(() => CertificateRenderer.Render(Sample with { VerificationUrl = " " }));
        Assert.Throws<ArgumentException>(() => CertificateRenderer.Render(Sample with { VerificationUrl = "https://x.example/" + new string('a', 3000) }));
    }

    [Theory]
    [InlineData("https://pelatihan.bpsdm.kalteng.example/v/Q7K2-9XRM-4TPA")]
    [InlineData("https://pelatihan.bpsdm.kalteng.example/verifikasi/sertifikat/800-0123-BPSDM-PDPS-XII-2026?kode=Q7K2-9XRM-4TPA-7H3J-ZZ9Q&lang=id&ref=email-2026-12-10")]
    public void QrCodeDecodesToTheVerificationUrl(string url)
    {
        var pdftoppm = RequireTool("pdftoppm", "poppler-utils");
        var zbarimg = RequireTool("zbarimg", "zbar-tools");
        var stem = Path.Combine(Path.GetTempPath(), $"certificate-qr-{Guid.NewGuid():N}");
        try
        {
            File.WriteAllBytes(stem + ".pdf", CertificateRenderer.Render(Sample with { VerificationUrl = url }));
            Run(pdftoppm, "-r", "150", "-png", "-singlefile", stem + ".pdf", stem);

            var decoded = Run(zbarimg, "--quiet", "--raw", stem + ".png");

            Assert.Equal(url, decoded.TrimEnd('\n', '\r'));
        }
        finally
        {
            File.Delete(stem + ".pdf");
            File.Delete(stem + ".png");
        }
    }

    [Fact]
    public async Task RendersConcurrently()
    {
        var numbers = Enumerable.Range(1, 16).Select(i => $"800/{i:D4}/BPSDM/2026").ToList();

        var pdfs = await Task.WhenAll(numbers.Select(n => Task.Run(() => CertificateRenderer.Render(Sample with { CertificateNumber = n }))));

        for (var i = 0; i < numbers.Count; i++)
        {
            using var pdf = PdfDocument.Open(pdfs[i]);
            Assert.Contains(numbers[i], pdf.GetPage(1).Text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void PrintsRenderCostBesideFloor()
    {
        const int count = 200;
        var certificate = CertificateRenderer.Render(Sample);
        var floor = RenderFloor();

        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            certificate = CertificateRenderer.Render(Sample with { CertificateNumber = $"800/{i:D4}/BPSDM/2026" });
        }

        var certificateMs = clock.Elapsed.TotalMilliseconds / count;
        clock.Restart();
        for (var i = 0; i < count; i++)
        {
            floor = RenderFloor();
        }

        var floorMs = clock.Elapsed.TotalMilliseconds / count;
        output.WriteLine($"certificate: {certificateMs:F2} ms, {certificate.Length} bytes per PDF ({count} sequential renders)");
        output.WriteLine($"floor (one line of text, same font, bare PDFsharp page): {floorMs:F2} ms, {floor.Length} bytes per PDF");
        Assert.True(certificate.Length > 0 && floor.Length > 0);
    }

    // The bench's floor page, so the suite and the benchmark compare against the same thing.
    private static byte[] RenderFloor()
    {
        CertificateFonts.EnsureRegistered();
        return TrainingCycles.Bench.CertificateBench.RenderFloor();
    }

    internal static string Squash(string text) => Whitespace().Replace(text, string.Empty);

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    internal static PdfRectangle QrAreaInPdfCoordinates(Page page)
    {
        // The layout works top-down from the top-left corner; PDF coordinates grow upwards from the bottom-left.
        var area = CertificateLayout.QrArea;
        return new PdfRectangle(area.Left, page.Height - area.Bottom, area.Right, page.Height - area.Top);
    }

    internal static bool Intersects(PdfRectangle a, PdfRectangle b) =>
        a.Left < b.Right && b.Left < a.Right && a.Bottom < b.Top && b.Bottom < a.Top;

    internal static PdfRectangle Shrink(PdfRectangle r, double by) => new(r.Left + by, r.Bottom + by, r.Right - by, r.Top - by);

    /// <summary>Boxes of the printed lines: letters on one baseline, split where a wide gap separates two blocks.</summary>
    internal static List<PdfRectangle> TextLines(IEnumerable<Letter> letters)
    {
        var lines = new List<PdfRectangle>();
        foreach (var row in letters.GroupBy(l => Math.Round(l.StartBaseLine.Y, 1)))
        {
            var run = new List<Letter>();
            foreach (var letter in row.OrderBy(l => l.BoundingBox.Left))
            {
                if (run.Count > 0 && letter.BoundingBox.Left - run.Max(l => l.BoundingBox.Right) > 20)
                {
                    lines.Add(Union(run.Select(l => l.BoundingBox)));
                    run.Clear();
                }

                run.Add(letter);
            }

            lines.Add(Union(run.Select(l => l.BoundingBox)));
        }

        return lines;
    }

    private static PdfRectangle Union(IEnumerable<PdfRectangle> boxes)
    {
        var list = boxes.ToList();
        return new PdfRectangle(list.Min(b => b.Left), list.Min(b => b.Bottom), list.Max(b => b.Right), list.Max(b => b.Top));
    }

    internal static string RequireTool(string name, string debianPackage)
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
        return found ?? throw new InvalidOperationException(
            $"'{name}' is not installed; the QR check needs it. Install it with: apt-get install -y {debianPackage}");
    }

    internal static string Run(string tool, params string[] args)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new Win32Exception($"could not start {tool}");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)), $"{Path.GetFileName(tool)} did not finish");
        Assert.True(process.ExitCode == 0, $"{Path.GetFileName(tool)} exited with {process.ExitCode}: {stderr.Result}");
        return stdout;
    }

    /// <summary>An 8-bit RGB PNG of one colour, written by hand so the test needs no imaging library.</summary>
    internal static byte[] SolidPng(int width, int height, byte r, byte g, byte b)
    {
        var raw = new byte[height * (1 + (3 * width))];
        for (var y = 0; y < height; y++)
        {
            var row = y * (1 + (3 * width)); // filter byte 0, then the pixels
            for (var x = 0; x < width; x++)
            {
                raw[row + 1 + (3 * x)] = r;
                raw[row + 2 + (3 * x)] = g;
                raw[row + 3 + (3 * x)] = b;
            }
        }

        using var idat = new MemoryStream();
        using (var zlib = new ZLibStream(idat, CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write(raw);
        }

        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bit depth
        header[9] = 2; // colour type RGB

        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        WriteChunk(png, "IHDR", header);
        WriteChunk(png, "IDAT", idat.ToArray());
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void WriteChunk(Stream png, string type, byte[] data)
    {
        Span<byte> number = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(number, data.Length);
        png.Write(number);
        var typed = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        png.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(number, Crc32(typed));
        png.Write(number);
    }

    private static uint Crc32(byte[] bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var value in bytes)
        {
            crc ^= value;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
            }
        }

        return ~crc;
    }
}
