using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using TrainingCycles.Certificates;
using TrainingCycles.DevHost;
using TrainingCycles.Tests.Support;
using static TrainingCycles.Tests.Certificates.CertificateSetup;

namespace TrainingCycles.Tests.Certificates;

public sealed class CertificateVerificationTests
{
    [Fact]
    public async Task ValidCertificatePageShowsHolderTrainingDatesNumberAndIssueDate()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var certificate = await OneAsync(world);

        using var response = await world.Http.GetAsync($"api/verify/{certificate.VerificationCode}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("default-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        var page = Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("id", page.DocumentElement.GetAttribute("lang"));
        Assert.Equal("valid", page.QuerySelector("#status")!.GetAttribute("data-status"));
        Assert.Equal("Sertifikat ini SAH", page.QuerySelector("#status h2")!.TextContent);
        Assert.Equal(DefaultName, page.QuerySelector("#holder")!.TextContent);
        Assert.Equal("Pelatihan Dasar Pekerjaan Sosial se-Kalimantan Tengah", page.QuerySelector("#training")!.TextContent);
        Assert.Equal("BPSDM Provinsi Kalimantan Tengah", page.QuerySelector("#organizer")!.TextContent);
        Assert.Equal(certificate.Number, page.QuerySelector("#number")!.TextContent);
        Assert.Matches(@"^001/BPSDM-KT/\d{4}$", certificate.Number);
        Assert.Equal(certificate.TrainingDates, page.QuerySelector("#dates")!.TextContent);
        Assert.Equal(Infrastructure.Formatting.Date(certificate.IssuedAt, "Asia/Jakarta", "id"), page.QuerySelector("#issued")!.TextContent);
        Assert.Null(page.QuerySelector("#version"));

        // The hash check works without JavaScript: a plain multipart form posting back to this page.
        Assert.Empty(page.QuerySelectorAll("script"));
        var form = page.QuerySelector("form")!;
        Assert.Equal("post", form.GetAttribute("method"));
        Assert.Equal("multipart/form-data", form.GetAttribute("enctype"));
        Assert.NotNull(form.QuerySelector("input[type=file][name=file]"));
        Assert.NotNull(form.QuerySelector("input[name=sha256]"));
        Assert.Equal("file", form.QuerySelector("label[for=file]")!.GetAttribute("for"));

        using var english = await world.Http.GetAsync($"api/verify/{certificate.VerificationCode}?lang=en");
        var en = Parse(await english.Content.ReadAsStringAsync());
        Assert.Equal("en", en.DocumentElement.GetAttribute("lang"));
        Assert.Equal("This certificate is VALID", en.QuerySelector("#status h2")!.TextContent);
        Assert.Equal(Infrastructure.Formatting.Date(certificate.IssuedAt, "Asia/Jakarta", "en"), en.QuerySelector("#issued")!.TextContent);
    }

    [Fact]
    public async Task JsonOnRequestStatesTheSameFacts()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var certificate = await OneAsync(world);

        var json = await GetJsonAsync(world, $"api/verify/{certificate.VerificationCode}");

        Assert.Equal("valid", json.GetProperty("status").GetString());
        Assert.True(json.GetProperty("valid").GetBoolean());
        Assert.Equal(certificate.Number, json.GetProperty("certificateNumber").GetString());
        Assert.Equal(DefaultName, json.GetProperty("holderName").GetString());
        Assert.Equal("Pelatihan Dasar Pekerjaan Sosial se-Kalimantan Tengah", json.GetProperty("trainingTitle").GetString());
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}$", json.GetProperty("trainingStartDate").GetString());
        Assert.Equal(certificate.IssuedAt, json.GetProperty("issuedAt").GetDateTimeOffset());
        Assert.Equal(certificate.Sha256, json.GetProperty("sha256").GetString());
        Assert.False(json.GetProperty("newerVersionExists").GetBoolean());
        Assert.False(json.TryGetProperty("revokedReason", out _));
        Assert.False(json.TryGetProperty("participantId", out _));
        Assert.False(json.TryGetProperty("verificationCode", out _));
    }

    [Fact]
    public async Task UnknownAndMalformedCodesGetOneAndTheSame404()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var certificate = await OneAsync(world);
        var unknown = CertificateIssuer.NewVerificationCode();

        var bodies = new List<string>();
        foreach (var code in new[] { unknown, "abc", new string('z', 200), "%27%20or%201%3D1", certificate.VerificationCode[..^1] + "!", certificate.RowKey })
        {
            using var response = await world.Http.GetAsync($"api/verify/{code}");
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{code}: {(int)response.StatusCode}");
            Assert.DoesNotContain(certificate.Number, body, StringComparison.Ordinal);
            Assert.DoesNotContain("Aminah", body, StringComparison.Ordinal);
            Assert.Null(Parse(body).QuerySelector("form"));
            bodies.Add(body);
        }

        Assert.Single(bodies.Distinct());
        Assert.Equal("Sertifikat tidak ditemukan", Parse(bodies[0]).QuerySelector("h1")!.TextContent);

        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/verify/{unknown}") { Headers = { Accept = { new MediaTypeWithQualityHeaderValue("application/json") } } };
        using var json = await world.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, json.StatusCode);
        Assert.Equal("not_found", (await json.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetString());

        using var upload = await world.Http.PostAsync($"api/verify/{unknown}", PdfForm(new byte[100]));
        Assert.Equal(HttpStatusCode.NotFound, upload.StatusCode);
        Assert.Equal(bodies[0], await upload.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task RevokedCertificateSaysRevokedOnItsDateButNotWhy()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var certificate = await OneAsync(world);
        const string reason = "Peserta tidak memenuhi syarat kehadiran <b>minimal</b>";
        using var revoke = await world.Organizer.PostAsJsonAsync($"api/certificates/{certificate.RowKey}/revoke", new { reason });
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        var revokedAt = (await ReloadAsync(world, certificate))!.RevokedAt!.Value;
        var wibDate = Infrastructure.Formatting.Date(revokedAt, "Asia/Jakarta", "id");

        using var response = await world.Http.GetAsync($"api/verify/{certificate.VerificationCode}");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var status = Parse(html).QuerySelector("#status")!;
        Assert.Equal("revoked", status.GetAttribute("data-status"));
        Assert.Equal("Sertifikat ini telah DICABUT", status.QuerySelector("h2")!.TextContent);
        Assert.Contains("dicabut pada " + wibDate, status.TextContent, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"\b0\d ", wibDate); // "2 Desember 2026", never "02 Desember"
        // The reason is the organizer's internal note: not on the public page, not in its JSON.
        Assert.DoesNotContain("syarat kehadiran", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Alasan", html, StringComparison.Ordinal);

        var english = Parse(await world.Http.GetStringAsync($"api/verify/{certificate.VerificationCode}?lang=en"));
        Assert.Contains("revoked on " + Infrastructure.Formatting.Date(revokedAt, "Asia/Jakarta", "en"), english.QuerySelector("#status")!.TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain("syarat kehadiran", english.DocumentElement.OuterHtml, StringComparison.Ordinal);

        var json = await GetJsonAsync(world, $"api/verify/{certificate.VerificationCode}");
        Assert.Equal("revoked", json.GetProperty("status").GetString());
        Assert.False(json.GetProperty("valid").GetBoolean());
        Assert.Equal(revokedAt, json.GetProperty("revokedAt").GetDateTimeOffset());
        Assert.False(json.TryGetProperty("revokedReason", out _));
        Assert.DoesNotContain("syarat kehadiran", json.GetRawText(), StringComparison.Ordinal);

        // The organizer's own list keeps the reason.
        var list = await world.Organizer.GetFromJsonAsync<JsonElement>($"api/cycles/{certificate.PartitionKey}/certificates");
        Assert.Equal(reason, Assert.Single(list.GetProperty("items").EnumerateArray()).GetProperty("revokedReason").GetString());
    }

    [Fact]
    public async Task SupersededCertificateSaysANewerVersionExistsWithoutRevealingIt()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var original = await OneAsync(world, "Siti Aminah");
        using var reissue = await world.Organizer.PostAsJsonAsync($"api/certificates/{original.RowKey}/reissue", new { fullName = DefaultName, reason = "Gelar belum tercantum" });
        Assert.Equal(HttpStatusCode.OK, reissue.StatusCode);
        var current = Assert.Single(await CertificatesAsync(world, original.PartitionKey), c => c.Status == CertificateStatus.Valid);

        using var response = await world.Http.GetAsync($"api/verify/{original.VerificationCode}");
        var html = await response.Content.ReadAsStringAsync();
        var json = await GetJsonAsync(world, $"api/verify/{original.VerificationCode}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = Parse(html);
        Assert.Equal("superseded", page.QuerySelector("#status")!.GetAttribute("data-status"));
        Assert.Equal("Sertifikat ini telah DIGANTI", page.QuerySelector("#status h2")!.TextContent);
        Assert.Equal("Siti Aminah", page.QuerySelector("#holder")!.TextContent);
        Assert.Equal("superseded", json.GetProperty("status").GetString());
        Assert.True(json.GetProperty("newerVersionExists").GetBoolean());
        foreach (var secret in new[] { current.VerificationCode, current.RowKey })
        {
            Assert.DoesNotContain(secret, html, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, json.GetRawText(), StringComparison.Ordinal);
        }

        var now = Parse(await world.Http.GetStringAsync($"api/verify/{current.VerificationCode}"));
        Assert.Equal("valid", now.QuerySelector("#status")!.GetAttribute("data-status"));
        Assert.Equal(DefaultName, now.QuerySelector("#holder")!.TextContent);
        Assert.Equal(original.Number, now.QuerySelector("#number")!.TextContent);
        Assert.Equal("2", now.QuerySelector("#version")!.TextContent);
    }

    [Fact]
    public async Task UploadedOriginalMatchesAndAFileWithOneChangedByteDoesNot()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var certificate = await OneAsync(world);
        var pdf = await StoredPdfAsync(world, certificate);
        var altered = pdf.ToArray();
        altered[altered.Length / 2] ^= 0x01;
        var url = $"api/verify/{certificate.VerificationCode}";

        var original = await PostPageAsync(world, url, PdfForm(pdf));
        var modified = await PostPageAsync(world, url, PdfForm(altered));
        var byHash = await PostPageAsync(world, url, new FormUrlEncodedContent(new Dictionary<string, string> { ["sha256"] = " " + certificate.Sha256.ToUpperInvariant() + "\n" }));
        var wrongHash = await PostPageAsync(world, url, HashForm(new string('0', 64)));

        Assert.Equal("true", original.QuerySelector("#check")!.GetAttribute("data-match"));
        Assert.Equal("Berkas cocok", original.QuerySelector("#check h2")!.TextContent);
        Assert.Equal("valid", original.QuerySelector("#status")!.GetAttribute("data-status"));
        Assert.Equal("false", modified.QuerySelector("#check")!.GetAttribute("data-match"));
        Assert.Equal("Berkas TIDAK cocok", modified.QuerySelector("#check h2")!.TextContent);
        Assert.Equal("true", byHash.QuerySelector("#check")!.GetAttribute("data-match"));
        Assert.Equal("false", wrongHash.QuerySelector("#check")!.GetAttribute("data-match"));

        var english = await PostPageAsync(world, url, PdfForm(pdf, ("lang", "en")));
        Assert.Equal("en", english.DocumentElement.GetAttribute("lang"));
        Assert.Equal("The file matches", english.QuerySelector("#check h2")!.TextContent);

        using var json = await world.Http.PostAsJsonAsync(url, new { sha256 = certificate.Sha256 });
        var answer = await json.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(answer.GetProperty("match").GetBoolean());
        Assert.Equal("valid", answer.GetProperty("status").GetString());
    }

    [Fact]
    public async Task HashCheckExplainsWhatIsMissingOrMalformed()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var certificate = await OneAsync(world);
        var url = $"api/verify/{certificate.VerificationCode}";

        using var empty = await world.Http.PostAsync(url, HashForm(""));
        using var notHex = await world.Http.PostAsync(url, HashForm("xyz" + new string('a', 61)));
        using var tooShort = await world.Http.PostAsync(url, HashForm(certificate.Sha256[..40]));

        foreach (var response in new[] { empty, notHex, tooShort })
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var page = Parse(await response.Content.ReadAsStringAsync());
            Assert.NotNull(page.QuerySelector("#errors"));
            Assert.Null(page.QuerySelector("#check"));
            Assert.NotNull(page.QuerySelector("form"));
        }

        Assert.Contains("Pilih berkas PDF", Parse(await empty.Content.ReadAsStringAsync()).QuerySelector("#errors")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("64 karakter heksadesimal", Parse(await notHex.Content.ReadAsStringAsync()).QuerySelector("#errors")!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RefusesUploadsOverFiveMegabytesWithAClearMessage()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var certificate = await OneAsync(world);
        var url = $"api/verify/{certificate.VerificationCode}";

        using var tooLarge = await world.Http.PostAsync(url, PdfForm(new byte[(5 * 1024 * 1024) + 1]));
        using var atLimit = await world.Http.PostAsync(url, PdfForm(new byte[5 * 1024 * 1024]));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        var page = Parse(await tooLarge.Content.ReadAsStringAsync());
        Assert.Contains("paling besar 5 MB", page.QuerySelector("#errors")!.TextContent, StringComparison.Ordinal);
        Assert.NotNull(page.QuerySelector("form"));
        Assert.Equal(HttpStatusCode.OK, atLimit.StatusCode);
        Assert.Equal("false", Parse(await atLimit.Content.ReadAsStringAsync()).QuerySelector("#check")!.GetAttribute("data-match"));
    }

    private static async Task<JsonElement> GetJsonAsync(TestWorld world, string url)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url) { Headers = { Accept = { new MediaTypeWithQualityHeaderValue("application/json") } } };
        using var response = await world.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static async Task<AngleSharp.Html.Dom.IHtmlDocument> PostPageAsync(TestWorld world, string url, HttpContent content)
    {
        using var response = await world.Http.PostAsync(url, content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return Parse(await response.Content.ReadAsStringAsync());
    }

    private static MultipartFormDataContent PdfForm(byte[] pdf, params (string Name, string Value)[] fields)
    {
        var file = new ByteArrayContent(pdf);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
        var form = new MultipartFormDataContent { { file, "file", "sertifikat.pdf" }, { new StringContent(""), "sha256" } };
        foreach (var (name, value) in fields)
        {
            form.Add(new StringContent(value, Encoding.UTF8), name);
        }

        return form;
    }

    private static MultipartFormDataContent HashForm(string sha256) => new() { { new StringContent(sha256), "sha256" } };
}
