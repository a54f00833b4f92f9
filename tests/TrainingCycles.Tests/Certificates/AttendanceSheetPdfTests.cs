using System.Text;
using TrainingCycles.Certificates.Letters;
using UglyToad.PdfPig;

namespace TrainingCycles.Tests.Certificates;

/// <summary>#20 item 7: the daftar hadir and the recap read back with PdfPig: Bahasa Indonesia, A4, every row, fonts embedded.</summary>
public sealed class AttendanceSheetPdfTests
{
    [Fact]
    public void ASessionSheetListsEveryParticipantWithNipAgencyTimeAndStatusOverAsManyPagesAsNeeded()
    {
        var lines = Enumerable.Range(1, 45).Select(i => new SheetLine($"Peserta Nomor {i}", $"19850312201001{i:0000}", "Dinas Sosial Kabupaten Kapuas", i % 5 == 0 ? null : "08:0" + (i % 9), i % 5 == 0 ? "izin" : "hadir")).ToList();
        var pdf = AttendanceSheetRenderer.RenderSession(new SessionSheet("BPSDM Provinsi Kalimantan Tengah", "Pelatihan Dasar Pekerjaan Sosial", "Etika Pekerjaan Sosial", "7 Desember 2026, 08.00–12.00 WIB", "Dr. Rina Sari, M.Si.", 4, lines));

        using var document = PdfDocument.Open(pdf);
        var pages = document.GetPages().ToList();
        Assert.True(pages.Count >= 2, $"{pages.Count} pages for 45 rows");
        Assert.All(pages, p => Assert.Equal((595, 842), ((int)Math.Round(p.Width), (int)Math.Round(p.Height))));
        var text = string.Join(" ", pages.SelectMany(p => p.GetWords()).Select(w => w.Text));
        foreach (var expected in new[] { "DAFTAR HADIR", "Etika Pekerjaan Sosial", "Pengajar: Dr. Rina Sari, M.Si. — 4 JP", "Tanda tangan", "NIP 198503122010010045", "Peserta Nomor 45", "izin", "Halaman 2" })
        {
            Assert.Contains(expected, text, StringComparison.Ordinal);
        }

        var raw = Encoding.Latin1.GetString(pdf);
        Assert.Equal(CountOf(raw, "/Type /FontDescriptor") + CountOf(raw, "/Type/FontDescriptor"), CountOf(raw, "/FontFile2"));
        Assert.True(CountOf(raw, "/FontFile2") > 0);
    }

    [Fact]
    public void TheRecapIsLandscapeWithOneColumnPerSessionJpAndOutcome()
    {
        var pdf = AttendanceSheetRenderer.RenderRecap(new CycleRecap("BPSDM Provinsi Kalimantan Tengah", "Pelatihan Dasar Pekerjaan Sosial", "7–8 Desember 2026",
            ["s1 (4 JP)", "s2 (4 JP)", "s3 (4 JP)", "s4 (4 JP)"], [new RecapLine("Sri Wahyuni", "198503122010012001", "Dinas Sosial", ["H", "I", "H", "H"], "16/16", "Lulus")]));

        using var document = PdfDocument.Open(pdf);
        var page = Assert.Single(document.GetPages());
        Assert.Equal((842, 595), ((int)Math.Round(page.Width), (int)Math.Round(page.Height)));
        var text = string.Join(" ", page.GetWords().Select(w => w.Text));
        foreach (var expected in new[] { "REKAPITULASI DAFTAR HADIR", "s4 (4 JP)", "Sri Wahyuni", "16/16", "Lulus", "I = izin" })
        {
            Assert.Contains(expected, text, StringComparison.Ordinal);
        }
    }

    private static int CountOf(string haystack, string needle)
    {
        var n = 0;
        for (var i = haystack.IndexOf(needle, StringComparison.Ordinal); i >= 0; i = haystack.IndexOf(needle, i + 1, StringComparison.Ordinal))
        {
            n++;
        }

        return n;
    }
}
