using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using TrainingCycles.Certificates;
using TrainingCycles.Certificates.Pdf;
using TrainingCycles.Cycles;
using TrainingCycles.DevHost;
using TrainingCycles.Infrastructure;
using TrainingCycles.Registration;
using TrainingCycles.Tests.Support;
using UglyToad.PdfPig;
using static TrainingCycles.Tests.Certificates.CertificateSetup;

namespace TrainingCycles.Tests.Certificates;

/// <summary>The place-and-date line above the signatory, dates in Indonesian style, and the cycle's uploaded logo.</summary>
public sealed partial class CertificateSigningAndLogoTests
{
    [Fact]
    public async Task PdfSaysWhereAndOnWhichDayInTheCyclesTimeZoneItWasSignedWithoutALeadingZero()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var cycleId = await NewCycleAsync(world);
        await AddEligibleAsync(world, cycleId, [DefaultName]);
        var issuer = world.Host.Services.GetRequiredService<CertificateIssuer>();
        await issuer.AssignNumbersAsync(cycleId);
        var cycle = (await world.Host.Services.GetRequiredService<CycleStore>().GetAsync(cycleId))!;
        var p = Assert.Single(await world.Host.Services.GetRequiredService<ParticipantStore>().ListAsync(cycleId));

        // 18:30 UTC on 1 December is 01:30 WIB on 2 December: the date printed is the one in Palangka Raya.
        var document = issuer.DocumentFor(cycle, p, new DateTimeOffset(2026, 12, 1, 18, 30, 0, TimeSpan.Zero), logo: null);
        Assert.Equal("Palangka Raya", document.SigningPlace); // the venue's last part, a city of the province
        Assert.Equal("2 Desember 2026", document.SigningDate);
        var rendered = CertificateRenderer.Render(document);
        await File.WriteAllBytesAsync(Path.Combine(Path.GetTempPath(), "certificate-signing.pdf"), rendered); // to look at
        var words = Words(rendered);
        Assert.Contains("Palangka Raya, 2 Desember 2026", words, StringComparison.Ordinal);
        Assert.DoesNotMatch(LeadingZeroDate(), words);

        p.Language = "en"; // in memory only: the same participant reading English
        var english = issuer.DocumentFor(cycle, p, new DateTimeOffset(2026, 12, 8, 17, 0, 0, TimeSpan.Zero), logo: null);
        p.Language = "id";
        Assert.Contains("Palangka Raya, 9 December 2026", Words(CertificateRenderer.Render(english)), StringComparison.Ordinal);

        // The certificate actually issued carries its own issue date.
        await issuer.IssuePendingAsync(cycleId);
        var issued = Assert.Single(await CertificatesAsync(world, cycleId));
        var stored = Words(await StoredPdfAsync(world, issued));
        Assert.Contains("Palangka Raya, " + Formatting.Date(issued.IssuedAt, "Asia/Jakarta", "id"), stored, StringComparison.Ordinal);
        Assert.DoesNotMatch(LeadingZeroDate(), stored);
    }

    [Fact]
    public void SigningPlaceComesFromTheDefinitionElseFromACityInTheVenueElseIsLeftOut()
    {
        var venue = "Aula BPSDM, Jl. Tjilik Riwut Km 5, Palangka Raya";
        Assert.Equal("Sampit", CertificateIssuer.SigningPlace(new CycleDefinition { Venue = venue, Certificate = new CertificateSettings { SigningPlace = "  Sampit " } }));
        Assert.Equal("Palangka Raya", CertificateIssuer.SigningPlace(new CycleDefinition { Venue = venue }));
        Assert.Equal("Palangka Raya", CertificateIssuer.SigningPlace(new CycleDefinition { Venue = "Hotel Aquarius, Kota Palangka Raya" }));
        Assert.Equal("Kapuas", CertificateIssuer.SigningPlace(new CycleDefinition { Venue = "Gedung Dinas Sosial, Kabupaten Kapuas" }));
        Assert.Null(CertificateIssuer.SigningPlace(new CycleDefinition { Venue = "Hotel Aquarius" }));
        Assert.Null(CertificateIssuer.SigningPlace(new CycleDefinition { Venue = "Aula Utama, Jl. Yos Sudarso No. 1" }));

        // Without a place the line is just the date.
        var words = Words(CertificateRenderer.Render(CertificatePdfTests.Sample with { SigningPlace = null, SigningDate = "2 Desember 2026" }));
        Assert.Contains("2 Desember 2026", words, StringComparison.Ordinal);
        Assert.DoesNotContain(", 2 Desember 2026", words, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARealPngIsStoredPrivatelyAndPrintedOnTheCertificatesIssuedAfterwards()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var cycleId = await NewCycleAsync(world);
        var png = CertificatePdfTests.SolidPng(120, 80, 0x1F, 0x4E, 0x79);

        Assert.False((await LogoInfoAsync(world, cycleId)).GetProperty("hasLogo").GetBoolean());
        using var upload = await PutLogoAsync(world, cycleId, png, "application/octet-stream"); // judged by content, not type
        Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        Assert.Equal("image/png", (await upload.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("contentType").GetString());
        var info = await LogoInfoAsync(world, cycleId);
        Assert.True(info.GetProperty("hasLogo").GetBoolean());
        Assert.Equal(png.Length, info.GetProperty("bytes").GetInt32());

        var issuer = world.Host.Services.GetRequiredService<CertificateIssuer>();
        var blob = issuer.Container.GetBlobClient(CertificateIssuer.LogoBlobName(cycleId));
        Assert.Equal(png, (await blob.DownloadContentAsync()).Value.Content.ToArray());
        Assert.Equal(Azure.Storage.Blobs.Models.PublicAccessType.None, (await issuer.Container.GetPropertiesAsync()).Value.PublicAccess);
        using (var anonymous = await world.Http.GetAsync($"api/cycles/{cycleId}/certificate-logo"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        await AddEligibleAsync(world, cycleId, [DefaultName]);
        var certificate = Assert.Single(await IssueAsync(world, cycleId));
        using (var pdf = PdfDocument.Open(await StoredPdfAsync(world, certificate)))
        {
            Assert.Single(pdf.GetPage(1).GetImages());
        }

        using var removed = await world.Organizer.DeleteAsync($"api/cycles/{cycleId}/certificate-logo");
        Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        Assert.False((await LogoInfoAsync(world, cycleId)).GetProperty("hasLogo").GetBoolean());
    }

    [Fact]
    public async Task ARealJpegIsAcceptedAndPrinted()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var cycleId = await NewCycleAsync(world);

        using var upload = await PutLogoAsync(world, cycleId, SmallJpeg, "image/jpeg");
        Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        Assert.Equal("image/jpeg", (await upload.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("contentType").GetString());

        await AddEligibleAsync(world, cycleId, [DefaultName]);
        var certificate = Assert.Single(await IssueAsync(world, cycleId));
        using var pdf = PdfDocument.Open(await StoredPdfAsync(world, certificate));
        Assert.Single(pdf.GetPage(1).GetImages());
    }

    [Fact]
    public async Task ARenamedTextFileADamagedPngAndAnOversizedFileAreRefusedInBothLanguagesAndNothingIsStored()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var cycleId = await NewCycleAsync(world);
        var issuer = world.Host.Services.GetRequiredService<CertificateIssuer>();
        var blob = issuer.Container.GetBlobClient(CertificateIssuer.LogoBlobName(cycleId));

        var text = Encoding.UTF8.GetBytes("Ini bukan gambar, hanya teks yang diberi nama logo.png\n");
        var damaged = CertificatePdfTests.SolidPng(40, 40, 0, 0, 0)[..60]; // a PNG cut short: right signature, no image
        var oversized = CertificatePdfTests.SolidPng(40, 40, 0, 0, 0).Concat(new byte[CertificateLogoFunctions.MaxLogoBytes]).ToArray();
        byte[] fakeJpeg = [0xFF, 0xD8, 0xFF, 0xE0, .. Encoding.ASCII.GetBytes("JFIF but nothing after it")]; // a JPEG's first bytes, no image
        foreach (var (bytes, status, code) in new[]
        {
            (text, HttpStatusCode.UnsupportedMediaType, "logo_not_an_image"),
            (Array.Empty<byte>(), HttpStatusCode.UnsupportedMediaType, "logo_not_an_image"),
            (damaged, HttpStatusCode.UnprocessableEntity, "logo_unreadable"),
            (fakeJpeg, HttpStatusCode.UnprocessableEntity, "logo_unreadable"),
            (oversized, HttpStatusCode.RequestEntityTooLarge, "logo_too_large"),
        })
        {
            using var response = await PutLogoAsync(world, cycleId, bytes, "image/png");
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == status, $"{code}: {(int)response.StatusCode} {body}");
            var error = JsonDocument.Parse(body).RootElement.GetProperty("error");
            Assert.Equal(code, error.GetProperty("code").GetString());
            Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
            Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("messageEn").GetString()));
            Assert.NotEqual(error.GetProperty("message").GetString(), error.GetProperty("messageEn").GetString());
            Assert.False(await blob.ExistsAsync(), code + " stored something");
        }

        // The same oversized file sent without a Content-Length (chunked) is cut off just the same.
        using (var chunked = new HttpRequestMessage(HttpMethod.Put, $"api/cycles/{cycleId}/certificate-logo") { Content = new StreamContent(new NoLengthStream(oversized)) })
        {
            using var response = await world.Organizer.SendAsync(chunked);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
            Assert.False(await blob.ExistsAsync());
        }

        // A refused upload leaves the logo already there as it was.
        var good = CertificatePdfTests.SolidPng(64, 64, 0xC0, 0x10, 0x10);
        using (await PutLogoAsync(world, cycleId, good, "image/png"))
        {
        }

        using (var refused = await PutLogoAsync(world, cycleId, text, "image/png"))
        {
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, refused.StatusCode);
        }

        Assert.Equal(good, (await blob.DownloadContentAsync()).Value.Content.ToArray());

        using var unknownCycle = await PutLogoAsync(world, "cnotacycle1", good, "image/png");
        Assert.Equal(HttpStatusCode.NotFound, unknownCycle.StatusCode);
    }

    /// <summary>A 16 × 8 baseline JPEG of the accent colour, made with libjpeg-turbo's cjpeg from a hand-written PPM.</summary>
    private static readonly byte[] SmallJpeg = Convert.FromBase64String(
        "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQFxQYGBcUFhYaHSUfGhsjHBYWICwgIyYnKSopGR8tMC0oMCUoKSj/2wBDAQcHBwoIChMKChMoGhYaKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCj/wAARCAAIABADASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAf/xAAUEAEAAAAAAAAAAAAAAAAAAAAA/8QAFQEBAQAAAAAAAAAAAAAAAAAABQb/xAAUEQEAAAAAAAAAAAAAAAAAAAAA/9oADAMBAAIRAxEAPwCYAKEA/9k=");

    private static async Task<HttpResponseMessage> PutLogoAsync(TestWorld world, string cycleId, byte[] bytes, string contentType)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return await world.Organizer.PutAsync($"api/cycles/{cycleId}/certificate-logo", content);
    }

    private static async Task<JsonElement> LogoInfoAsync(TestWorld world, string cycleId) =>
        await world.Organizer.GetFromJsonAsync<JsonElement>($"api/cycles/{cycleId}/certificate-logo");

    private static string Words(byte[] pdf)
    {
        using var document = PdfDocument.Open(pdf);
        return string.Join(' ', document.GetPage(1).GetWords().Select(w => w.Text));
    }

    [GeneratedRegex(@"\b0\d (Januari|Februari|Maret|April|Mei|Juni|Juli|Agustus|September|Oktober|November|Desember|January|February|March|June|July|August|October|December) \d{4}")]
    private static partial Regex LeadingZeroDate();

    /// <summary>A body whose length the client cannot know, so it is sent chunked.</summary>
    private sealed class NoLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
