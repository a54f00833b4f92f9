using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Web;
using TrainingCycles.Certificates;
using TrainingCycles.DevHost;
using TrainingCycles.Infrastructure;
using TrainingCycles.Tests.Support;
using static TrainingCycles.Tests.Certificates.CertificateSetup;

namespace TrainingCycles.Tests.Certificates;

public sealed class CertificateDownloadTests
{
    [Fact]
    public async Task ValidTokenRedirectsToAFiveMinuteReadOnlySasThatDownloadsTheRecordedPdf()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var certificate = await OneAsync(world);
        using var client = NoRedirects(world);

        var before = DateTimeOffset.UtcNow;
        using var response = await client.GetAsync(DownloadUrl(world, certificate));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("no-store", response.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
        var sas = response.Headers.Location!;
        Assert.True(sas.IsAbsoluteUri);
        Assert.NotEqual(world.Http.BaseAddress!.Authority, sas.Authority);
        Assert.EndsWith(certificate.BlobName, Uri.UnescapeDataString(sas.AbsolutePath), StringComparison.Ordinal);
        var query = HttpUtility.ParseQueryString(sas.Query);
        Assert.Equal("r", query["sp"]);
        Assert.Equal("b", query["sr"]);
        var expiry = SasExpiry(sas);
        Assert.InRange(expiry, before.AddMinutes(4).AddSeconds(-1), DateTimeOffset.UtcNow.AddMinutes(5).AddSeconds(1));

        using var storage = new HttpClient();
        using var pdf = await storage.GetAsync(sas);
        Assert.Equal(HttpStatusCode.OK, pdf.StatusCode);
        Assert.Equal("application/pdf", pdf.Content.Headers.ContentType?.MediaType);
        var bytes = await pdf.Content.ReadAsByteArrayAsync();
        Assert.Equal(certificate.Sha256, Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant());
        Assert.Equal(certificate.Bytes, bytes.Length);

        // Read-only: the same link cannot overwrite the PDF.
        using var overwrite = await storage.PutAsync(sas, new ByteArrayContent([1, 2, 3]) { Headers = { { "x-ms-blob-type", "BlockBlob" } } });
        Assert.Equal(HttpStatusCode.Forbidden, overwrite.StatusCode);
    }

    [Fact]
    public async Task EachClickMintsAFreshSasAndTheEmailLinkKeepsWorking()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var certificate = await OneAsync(world);
        using var client = NoRedirects(world);
        var url = DownloadUrl(world, certificate);

        using var first = await client.GetAsync(url);
        await Task.Delay(TimeSpan.FromSeconds(1.1));
        using var second = await client.GetAsync(url);

        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, second.StatusCode);
        Assert.NotEqual(first.Headers.Location, second.Headers.Location);
        Assert.True(SasExpiry(second.Headers.Location!) > SasExpiry(first.Headers.Location!));
    }

    [Fact]
    public async Task StorageRefusesASasWhoseExpiryHasPassed()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var certificate = await OneAsync(world);
        var storage = world.Host.Services.GetRequiredService<StorageAccount>();
        var blob = world.Host.Services.GetRequiredService<CertificateIssuer>().Container.GetBlobClient(certificate.BlobName);
        using var http = new HttpClient();

        // The production code path, on a clock ten minutes behind: its five-minute link expired five minutes ago.
        var expired = await new CertificateLinks(storage, new ShiftedTime(TimeSpan.FromMinutes(-10))).ReadUriAsync(blob);
        var current = await new CertificateLinks(storage, TimeProvider.System).ReadUriAsync(blob);

        Assert.True(SasExpiry(expired) < DateTimeOffset.UtcNow);
        using var refused = await http.GetAsync(expired);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        using var accepted = await http.GetAsync(current);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    [Fact]
    public async Task RefusesEveryTokenThatIsNotAValidDownloadTokenForThisCertificate()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var cycleId = await NewCycleAsync(world);
        await AddEligibleAsync(world, cycleId, ["Siti Aminah", "Budi Santoso"]);
        var certificates = await IssueAsync(world, cycleId);
        var mine = certificates[0];
        var other = certificates[1];
        var tokens = world.Host.Services.GetRequiredService<Tokens>();
        var valid = tokens.Create(TokenPurpose.Download, cycleId, mine.RowKey, DateTimeOffset.UtcNow.AddDays(1));
        using var client = NoRedirects(world);

        var cases = new Dictionary<string, string>
        {
            ["missing"] = $"api/certificates/{mine.RowKey}/download",
            ["empty"] = $"api/certificates/{mine.RowKey}/download?token=",
            ["garbage"] = DownloadUrl(mine.RowKey, "not-a-token"),
            ["expired"] = DownloadUrl(mine.RowKey, tokens.Create(TokenPurpose.Download, cycleId, mine.RowKey, DateTimeOffset.UtcNow.AddSeconds(-1))),
            ["tampered"] = DownloadUrl(mine.RowKey, Flip(valid, 3)),
            ["tampered signature"] = DownloadUrl(mine.RowKey, Flip(valid, valid.Length - 2)),
            ["wrong purpose"] = DownloadUrl(mine.RowKey, tokens.Create(TokenPurpose.CheckIn, cycleId, mine.RowKey, DateTimeOffset.UtcNow.AddDays(1))),
            ["another certificate's token"] = DownloadUrl(mine.RowKey, tokens.Create(TokenPurpose.Download, cycleId, other.RowKey, DateTimeOffset.UtcNow.AddDays(1))),
            ["another cycle"] = DownloadUrl(mine.RowKey, tokens.Create(TokenPurpose.Download, "c" + new string('a', 12), mine.RowKey, DateTimeOffset.UtcNow.AddDays(1))),
        };
        foreach (var (name, url) in cases)
        {
            using var response = await client.GetAsync(url);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{name}: {(int)response.StatusCode}");
            Assert.Null(response.Headers.Location);
            Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
            var page = Parse(body);
            Assert.False(string.IsNullOrWhiteSpace(page.QuerySelector("h1")?.TextContent), name);
            Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
            Assert.DoesNotContain(mine.Number, body, StringComparison.Ordinal);
            Assert.Contains("no-store", response.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
            Assert.Equal(name == "expired" ? "Tautan unduhan sudah kedaluwarsa" : "Tautan unduhan tidak valid", page.QuerySelector("h1")!.TextContent);
        }

        using var english = await client.GetAsync(cases["tampered"] + "&lang=en");
        Assert.Equal("This download link is not valid", Parse(await english.Content.ReadAsStringAsync()).QuerySelector("h1")!.TextContent);
        using var mineWorks = await client.GetAsync(DownloadUrl(mine.RowKey, valid));
        Assert.Equal(HttpStatusCode.Redirect, mineWorks.StatusCode);
    }

    [Fact]
    public async Task UnknownCertificateWithAValidTokenGets404()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var cycleId = await NewCycleAsync(world);
        var unknown = CertificateIssuer.NewCertificateId();
        using var client = NoRedirects(world);

        using var response = await client.GetAsync(DownloadUrl(unknown, Token(world, TokenPurpose.Download, cycleId, unknown, TimeSpan.FromDays(1))));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("Sertifikat tidak ditemukan", Parse(await response.Content.ReadAsStringAsync()).QuerySelector("h1")!.TextContent);
    }

    [Fact]
    public async Task RevokedCertificateCannotBeDownloaded()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var certificate = await OneAsync(world);
        using var client = NoRedirects(world);
        var url = DownloadUrl(world, certificate);
        using var revoke = await world.Organizer.PostAsJsonAsync($"api/certificates/{certificate.RowKey}/revoke", new { reason = "Data kehadiran keliru" });
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);

        using var response = await client.GetAsync(url);

        Assert.Equal(HttpStatusCode.Gone, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.Equal("Sertifikat telah dicabut", Parse(await response.Content.ReadAsStringAsync()).QuerySelector("h1")!.TextContent);
    }

    [Fact]
    public async Task TheOldLinkOfAReissuedCertificateBringsTheCurrentVersion()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var original = await OneAsync(world, "Siti Aminah");
        using var client = NoRedirects(world);
        var oldUrl = DownloadUrl(world, original);
        using var reissue = await world.Organizer.PostAsJsonAsync($"api/certificates/{original.RowKey}/reissue", new { fullName = "Dr. Siti Aminah, S.Sos., M.Si." });
        Assert.Equal(HttpStatusCode.OK, reissue.StatusCode);
        var current = Assert.Single(await CertificatesAsync(world, original.PartitionKey), c => c.Status == CertificateStatus.Valid);

        using var response = await client.GetAsync(oldUrl);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.EndsWith(current.BlobName, Uri.UnescapeDataString(response.Headers.Location!.AbsolutePath), StringComparison.Ordinal);
        using var storage = new HttpClient();
        var bytes = await storage.GetByteArrayAsync(response.Headers.Location);
        Assert.Equal(current.Sha256, Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant());
    }

    private static string Flip(string token, int index)
    {
        var chars = token.ToCharArray();
        chars[index] = chars[index] == 'A' ? 'B' : 'A';
        return new string(chars);
    }

    [Fact]
    public async Task TheManageLinkGivesAFreshDownloadLinkAndAWithdrawalRevokesTheOldOnes()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var certificate = await OneAsync(world);
        var store = world.Host.Services.GetRequiredService<TrainingCycles.Cycles.ParticipantStore>();
        var holder = (await store.GetAsync(certificate.PartitionKey, certificate.ParticipantId))!;
        var manage = $"api/cycles/{certificate.PartitionKey}/register?manage={Uri.EscapeDataString(Token(world, TokenPurpose.Manage, certificate.PartitionKey, holder.RowKey, TimeSpan.FromDays(1)))}";
        using var client = NoRedirects(world);

        var page = Parse(await world.Http.GetStringAsync(manage));
        var fresh = page.QuerySelector("#download-certificate")!.GetAttribute("href")!;
        using var download = await client.GetAsync(new Uri(fresh).PathAndQuery.TrimStart('/'));
        Assert.Equal(HttpStatusCode.Redirect, download.StatusCode);
        var token = HttpUtility.ParseQueryString(new Uri(fresh).Query)["token"]!;
        world.Host.Services.GetRequiredService<Tokens>().Validate(token, TokenPurpose.Download, out var claims);
        Assert.InRange(claims!.ExpiresAt, DateTimeOffset.UtcNow.AddDays(29), DateTimeOffset.UtcNow.AddDays(31));

        // The holder's links are revoked (as a withdrawal or an email change does): the old download link stops.
        holder.TokenVersion++;
        await ParticipantRows.ReplaceAsync(world.Host.Services, holder);
        using var revoked = await client.GetAsync(new Uri(fresh).PathAndQuery.TrimStart('/'));
        Assert.Equal(HttpStatusCode.Forbidden, revoked.StatusCode);
    }
}
