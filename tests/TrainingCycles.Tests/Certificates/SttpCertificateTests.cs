using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using TrainingCycles.Certificates;
using TrainingCycles.Certificates.Pdf;
using TrainingCycles.Cycles;
using TrainingCycles.DevHost;
using TrainingCycles.Infrastructure;
using TrainingCycles.Tests.Support;
using UglyToad.PdfPig;
using Xunit.Abstractions;
using static TrainingCycles.Tests.Certificates.CertificatePdfTests;
using static TrainingCycles.Tests.Certificates.CertificateSetup;

namespace TrainingCycles.Tests.Certificates;

/// <summary>#22: the government training certificate (STTP layout): identity table, qualification, subjects page.</summary>
public sealed partial class SttpCertificateTests(ITestOutputHelper output)
{
    internal static readonly CertificateDocument Sttp = Sample with
    {
        Institution = "BADAN PENGEMBANGAN SUMBER DAYA MANUSIA PROVINSI KALIMANTAN TENGAH",
        Identity =
        [
            new("NIP", "19850312 201001 2 005"),
            new("Tempat, tanggal lahir", "Palangka Raya, 12 Maret 1985"),
            new("Pangkat/golongan", "Penata Tk. I (III/d)"),
            new("Jabatan", "Pekerja Sosial Ahli Muda"),
            new("Instansi", "Dinas Sosial Kabupaten Kotawaringin Timur"),
        ],
        Qualification = "LULUS",
        Subjects =
        [
            new("Kebijakan Kesejahteraan Sosial", "Dr. Rina Sari, M.Si.", 6),
            new("Etika Profesi Pekerjaan Sosial", "Drs. Bambang Hadi, M.Kesos.", 8),
            new("Asesmen dan Rencana Intervensi", null, 10),
            new("Praktik Lapangan", "Tim Widyaiswara BPSDM", 8),
        ],
    };

    [Fact]
    public void ReadsBackTwoPagesWithIdentityQualificationSubjectsAndTheirTotalInEmbeddedFonts()
    {
        var bytes = CertificateRenderer.Render(Sttp);
        using var pdf = PdfDocument.Open(bytes);

        Assert.Equal(2, pdf.NumberOfPages);
        var front = Squash(pdf.GetPage(1).Text);
        foreach (var expected in new[]
        {
            Sttp.Institution!, "SERTIFIKAT", Sttp.CertificateNumber, Sttp.HolderName, "Tempat, tanggal lahir", "Palangka Raya, 12 Maret 1985",
            "Pangkat/golongan", "Penata Tk. I (III/d)", "Jabatan", "Pekerja Sosial Ahli Muda", "Instansi", Sttp.HolderAgency,
            "19850312 201001 2 005", Sttp.TrainingTitle, "7–10 Desember 2026", "dengan kualifikasi LULUS", Sttp.SignatoryName, "NIP. " + Sttp.SignatoryNip,
        })
        {
            Assert.Contains(Squash(expected), front, StringComparison.Ordinal);
        }

        var back = Squash(pdf.GetPage(2).Text);
        foreach (var expected in new[] { "DAFTAR MATA PELATIHAN", Sttp.CertificateNumber, Sttp.HolderName, "Mata Pelatihan", "Pengajar", "Etika Profesi Pekerjaan Sosial", "Drs. Bambang Hadi, M.Kesos.", "Praktik Lapangan", "Jumlah32" })
        {
            Assert.Contains(Squash(expected), back, StringComparison.Ordinal);
        }

        Assert.Contains(Squash("3Asesmen dan Rencana Intervensi10"), back, StringComparison.Ordinal); // no instructor: the cell stays empty

        // Every font either page uses is embedded (a FontFile2 stream per descriptor), and each is a subset of Liberation Serif.
        var raw = Encoding.Latin1.GetString(bytes);
        Assert.True(FontDescriptor().Count(raw) > 0);
        Assert.Equal(FontDescriptor().Count(raw), FontFile().Count(raw));
        var fonts = pdf.GetPages().SelectMany(p => p.Letters).Select(l => l.FontName).Distinct(StringComparer.Ordinal).ToList();
        output.WriteLine(string.Join(", ", fonts));
        Assert.All(fonts, f => Assert.Contains("Liberation", f, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void RendersBothPagesIndependentlyAndTheQrDecodesToTheVerificationUrl()
    {
        var pdftoppm = RequireTool("pdftoppm", "poppler-utils");
        var zbarimg = RequireTool("zbarimg", "zbar-tools");
        var stem = Path.Combine(Path.GetTempPath(), $"sttp-{Guid.NewGuid():N}");
        try
        {
            File.WriteAllBytes(stem + ".pdf", CertificateRenderer.Render(Sttp));
            Run(pdftoppm, "-r", "150", "-png", stem + ".pdf", stem); // one PNG per page: stem-1.png, stem-2.png
            var pages = Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(stem) + "-*.png").Order(StringComparer.Ordinal).ToList();
            Assert.Equal(2, pages.Count);
            Assert.All(pages, png => Assert.True(new FileInfo(png).Length > 10_000, $"{png} looks blank"));

            Assert.Equal(Sttp.VerificationUrl, Run(zbarimg, "--quiet", "--raw", pages[0]).TrimEnd('\n', '\r'));
        }
        finally
        {
            foreach (var file in Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(stem) + "*"))
            {
                File.Delete(file);
            }
        }
    }

    [Fact]
    public void FitsALongNameWithTitlesLongIdentityValuesAndManySubjectsWithoutOverlap()
    {
        var doc = Sttp with
        {
            HolderName = "Prof. Dr. Ir. H. Raden Muhammad Abdurrahman Syarifuddin Wicaksono Kusumanegara Prawiradirja "
                + "Tjokroaminoto, S.Sos., S.H., S.E., M.Si., M.Kes., M.Pd., M.A.P., M.Sc., Ph.D., CHRP., CSR., QIA.",
            TrainingTitle = string.Join(' ', Enumerable.Repeat("Pelatihan Dasar Pekerjaan Sosial bagi Pendamping Rehabilitasi Sosial dan Perlindungan Anak", 4))[..300],
            Identity =
            [
                new("NIP", "19850312 201001 2 005"),
                new("Tempat, tanggal lahir", "Kuala Kurun, Kabupaten Gunung Mas, 12 September 1985"),
                new("Pangkat/golongan", "Pembina Utama Madya (IV/d)"),
                new("Jabatan", "Kepala Bidang Rehabilitasi Sosial, Perlindungan dan Jaminan Sosial serta Pemberdayaan Fakir Miskin dan Penanganan Bencana"),
                new("Instansi", "Dinas Sosial, Pemberdayaan Perempuan dan Perlindungan Anak, Pengendalian Penduduk dan Keluarga Berencana Kabupaten Kotawaringin Timur Provinsi Kalimantan Tengah"),
            ],
            Subjects = [.. Enumerable.Range(1, 45).Select(i => new CertificateSubject($"Mata pelatihan {i}: Penguatan Kapasitas Pendamping Sosial dalam Penanganan Kasus Anak Berhadapan dengan Hukum", "Dr. Rina Sari, M.Si.", 2))],
        };

        using var pdf = PdfDocument.Open(CertificateRenderer.Render(doc));
        Assert.True(pdf.NumberOfPages >= 3, "45 subjects continue on a further page");

        var front = pdf.GetPage(1);
        var text = Squash(front.Text);
        Assert.Contains(Squash(doc.HolderName), text, StringComparison.Ordinal);
        Assert.Contains(Squash(doc.TrainingTitle), text, StringComparison.Ordinal);
        Assert.Contains(Squash("dengan kualifikasi LULUS"), text, StringComparison.Ordinal);
        Assert.Contains(Squash("Kuala Kurun, Kabupaten Gunung Mas, 12 September 1985"), text, StringComparison.Ordinal);
        var back = string.Concat(pdf.GetPages().Skip(1).Select(p => Squash(p.Text)));
        Assert.Contains("Jumlah90", back, StringComparison.Ordinal);
        Assert.Contains(Squash("45Mata pelatihan 45"), back, StringComparison.Ordinal);

        foreach (var page in pdf.GetPages())
        {
            var visible = page.Letters.Where(l => !string.IsNullOrWhiteSpace(l.Value)).ToList();
            Assert.All(visible, l => Assert.True(
                l.BoundingBox.Left >= 25 && l.BoundingBox.Right <= page.Width - 25 && l.BoundingBox.Bottom >= 25 && l.BoundingBox.Top <= page.Height - 25,
                $"page {page.Number}: '{l.Value}' at {l.BoundingBox} is outside the frame"));
            if (page.Number == 1)
            {
                Assert.DoesNotContain(visible, l => Intersects(l.BoundingBox, QrAreaInPdfCoordinates(page)));
            }

            var lines = TextLines(visible);
            for (var i = 0; i < lines.Count; i++)
            {
                for (var j = i + 1; j < lines.Count; j++)
                {
                    Assert.False(Intersects(Shrink(lines[i], 0.5), Shrink(lines[j], 0.5)), $"page {page.Number}: lines overlap: {lines[i]} and {lines[j]}");
                }
            }
        }
    }

    [Fact]
    public void PrintsOnlyTheConfiguredIdentityFieldsInTheirOrderWithIndonesianDates()
    {
        var p = new ParticipantEntity
        {
            FullName = "Dr. Siti Aminah, S.Sos., M.Si.", Nip = "19850312 201001 2 005", Agency = "Dinas Sosial Kabupaten Kotawaringin Timur",
            Rank = "Penata Tk. I (III/d)", Position = "Pekerja Sosial Ahli Muda", BirthPlace = "Sampit", BirthDate = "1985-03-12",
        };
        var today = new DateOnly(2026, 12, 2);

        var all = CertificateIssuer.Identity(new CertificateSettings(), p, "id", today);
        Assert.Equal(["NIP", "Tempat, tanggal lahir", "Pangkat/golongan", "Jabatan", "Instansi"], all.Select(f => f.Label));
        Assert.Equal("Sampit, 12 Maret 1985", all[1].Value);
        Assert.Equal("Place and date of birth", CertificateIssuer.Identity(new CertificateSettings(), p, "en", today)[1].Label);
        Assert.Equal("Sampit, 12 March 1985", CertificateIssuer.Identity(new CertificateSettings(), p, "en", today)[1].Value);

        // No recorded date of birth: the one the NIP encodes; no place: the date alone.
        var fromNip = CertificateIssuer.Identity(new CertificateSettings { PrintedFields = ["birth"] }, new ParticipantEntity { Nip = "198007172005011003" }, "id", today);
        Assert.Equal("17 Juli 1980", Assert.Single(fromNip).Value);

        var some = CertificateIssuer.Identity(new CertificateSettings { PrintedFields = ["agency", "nip"] }, p, "id", today);
        Assert.Equal(["Instansi", "NIP"], some.Select(f => f.Label));

        using var pdf = PdfDocument.Open(CertificateRenderer.Render(Sttp with { Identity = some }));
        var text = Squash(pdf.GetPage(1).Text);
        Assert.Contains(Squash(p.Agency), text, StringComparison.Ordinal);
        Assert.Contains(Squash(p.Nip), text, StringComparison.Ordinal);
        foreach (var absent in new[] { "Tempat", "Maret1985", "Pangkat", "Penata", "Jabatan", "PekerjaSosialAhliMuda" })
        {
            Assert.DoesNotContain(absent, text, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("[\"nip\", \"shoeSize\"]")]
    [InlineData("[\"nip\", \"nip\"]")]
    public void RefusesUnknownOrRepeatedPrintedFieldsInBothLanguages(string printed)
    {
        var definition = CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 3600);
        definition["certificate"]!["printedFields"] = System.Text.Json.Nodes.JsonNode.Parse(printed);

        var errors = CycleDefinitionValidator.Validate(System.Text.Json.JsonSerializer.Deserialize<CycleDefinition>(definition.ToJsonString(), Http.Json), DateTimeOffset.UtcNow).Errors;

        var error = Assert.Single(errors, e => e.Field == "certificate.printedFields");
        Assert.Contains("nip, birth, rank, position, agency", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("Printed identity fields", error.MessageEn, StringComparison.Ordinal);
    }

    [Fact]
    public void QualificationIsLulusOnlyForACertificateEarnedAgainstATest()
    {
        var tested = new CycleDefinition { Completion = new CompletionRule { MinimumPostTestScore = 70 } };
        var certificate = new ParticipantEntity { CompletionOutcome = "Certificate" };
        Assert.Equal(nameof(Texts.Cert_Sttp_Passed), CertificateIssuer.Qualification(tested, certificate));
        Assert.Equal(nameof(Texts.Cert_Sttp_Attended), CertificateIssuer.Qualification(new CycleDefinition { Completion = new CompletionRule() }, certificate));
        Assert.Equal(nameof(Texts.Cert_Sttp_Attended), CertificateIssuer.Qualification(tested, new ParticipantEntity()));
    }

    [Fact]
    public async Task TheIssuedCertificateIsTheTwoPageSttpWithTheCyclesSessionsAndTheHoldersBirthData()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var cycleId = await NewCycleAsync(world);
        var p = Assert.Single(await AddEligibleAsync(world, cycleId, [DefaultName]));
        p.BirthPlace = "Sampit";
        p.BirthDate = "1985-03-12";
        p.Rank = "Penata Tk. I (III/d)";
        await ParticipantRows.ReplaceAsync(world.Host.Services, p);
        var cycle = (await world.Host.Services.GetRequiredService<CycleStore>().GetAsync(cycleId))!;

        var issued = Assert.Single(await IssueAsync(world, cycleId));

        using var pdf = PdfDocument.Open(await StoredPdfAsync(world, issued));
        Assert.Equal(2, pdf.NumberOfPages);
        var front = Squash(pdf.GetPage(1).Text);
        Assert.Contains(Squash("Sampit, 12 Maret 1985"), front, StringComparison.Ordinal);
        Assert.Contains(Squash("Penata Tk. I (III/d)"), front, StringComparison.Ordinal);
        Assert.Contains(Squash(cycle.Definition.OrganizerName!), front, StringComparison.Ordinal);
        var back = Squash(pdf.GetPage(2).Text);
        Assert.All(cycle.Schedule.Sessions, s => Assert.Contains(Squash(s.Title), back, StringComparison.Ordinal));
        Assert.Contains(Squash(issued.Number), back, StringComparison.Ordinal);
        // The sessions carry no JP here: each row shows "–" and the total is the certificate's 40 hours, as on the front.
        Assert.Contains("Jumlah40", back, StringComparison.Ordinal);
        Assert.Contains("–", back, StringComparison.Ordinal);
        Assert.Contains(Squash("selama 40 Jam Pelajaran (JP)"), front, StringComparison.Ordinal);
    }

    [Fact]
    public void PrintsTheSttpRenderCostBesideTheShortLayout()
    {
        for (var i = 0; i < 5; i++)
        {
            CertificateRenderer.Render(Sample);
            CertificateRenderer.Render(Sttp);
        }

        const int n = 40;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < n; i++)
        {
            CertificateRenderer.Render(Sample);
        }

        var shortMs = clock.Elapsed.TotalMilliseconds / n;
        clock.Restart();
        var bytes = 0;
        for (var i = 0; i < n; i++)
        {
            bytes = CertificateRenderer.Render(Sttp).Length;
        }

        var sttpMs = clock.Elapsed.TotalMilliseconds / n;
        output.WriteLine($"short layout {shortMs:0.0} ms, STTP two pages {sttpMs:0.0} ms, {bytes} bytes");
        Assert.True(sttpMs < (shortMs * 3) + 5, $"STTP {sttpMs:0.0} ms against {shortMs:0.0} ms");
    }

    [GeneratedRegex(@"/Type\s*/FontDescriptor")]
    private static partial Regex FontDescriptor();

    [GeneratedRegex(@"/FontFile2?\s")]
    private static partial Regex FontFile();
}
