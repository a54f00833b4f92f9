using System.Text;
using System.Text.RegularExpressions;
using TrainingCycles.Certificates.Letters;
using UglyToad.PdfPig;

namespace TrainingCycles.Tests.Certificates;

/// <summary>#20 item 6: the letter of participation read back with PdfPig (text, page size), its fonts embedded and its QR decoded by zbarimg.</summary>
public sealed partial class LetterPdfTests
{
    private static LetterDocument Doc(string lang = "id") => new(
        "Sri Wahyuni, S.Sos.", "198503122010012001", "Dinas Sosial Kabupaten Kapuas", "Pelatihan Dasar Pekerjaan Sosial se-Kalimantan Tengah",
        "BPSDM Provinsi Kalimantan Tengah", "7–8 Desember 2026", "Aula BPSDM, Palangka Raya", lang == "en" ? "8 of 16 JP" : "8 dari 16 JP",
        "001/SKTM/2026", "https://pelatihan.example.go.id/api/verify/letters/ABCDEFGH2345", lang, "Palangka Raya", "9 Desember 2026",
        "Dr. H. Ahmad Syaifudin, M.Pd.", "Kepala BPSDM Provinsi Kalimantan Tengah", "197001011995031001");

    [Fact]
    public void TheLetterSaysWhoTookPartHowMuchAndThatItIsNotACertificateOnAnA4PageWithEmbeddedFonts()
    {
        var pdf = LetterRenderer.Render(Doc());

        using var document = PdfDocument.Open(pdf);
        var page = Assert.Single(document.GetPages());
        Assert.Equal((595, 842), ((int)Math.Round(page.Width), (int)Math.Round(page.Height)));
        var text = string.Join(" ", page.GetWords().Select(w => w.Text));
        foreach (var expected in new[] { "SURAT KETERANGAN TELAH MENGIKUTI PELATIHAN", "Nomor: 001/SKTM/2026", "Sri Wahyuni, S.Sos.", "198503122010012001", "Dinas Sosial Kabupaten Kapuas", "8 dari 16 JP", "bukan sertifikat", "Palangka Raya, 9 Desember 2026", "NIP 197001011995031001" })
        {
            Assert.Contains(expected, text, StringComparison.Ordinal);
        }

        var raw = Encoding.Latin1.GetString(pdf);
        var descriptors = FontDescriptor().Count(raw);
        Assert.True(descriptors > 0, "no font descriptors");
        Assert.Equal(descriptors, FontFile().Count(raw)); // every font the page uses is embedded
        Assert.DoesNotContain("Sri Wahyuni", document.Information.Title ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public void TheQrCodeOpensTheLettersVerificationPage()
    {
        Assert.Equal(Doc().VerificationUrl, CertificateSetup.DecodeQr(LetterRenderer.Render(Doc("en"))));
    }

    [GeneratedRegex(@"/Type\s*/FontDescriptor")]
    private static partial Regex FontDescriptor();

    [GeneratedRegex(@"/FontFile2?\s")]
    private static partial Regex FontFile();
}
