using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using TrainingCycles.Cycles;
using TrainingCycles.Certificates;
using TrainingCycles.DevHost;
using TrainingCycles.Infrastructure;
using TrainingCycles.Registration;
using TrainingCycles.Reminders;
using TrainingCycles.Tests.Support;
using UglyToad.PdfPig;
using static TrainingCycles.Tests.Certificates.CertificateSetup;

namespace TrainingCycles.Tests.Certificates;

public sealed partial class CertificateCorrectionTests
{
    [Fact]
    public async Task RevokeAndReissueNeedTheFunctionKey()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var certificate = await OneAsync(world);

        using var revoke = await world.Http.PostAsJsonAsync($"api/certificates/{certificate.RowKey}/revoke", new { reason = "x" });
        using var reissue = await world.Http.PostAsJsonAsync($"api/certificates/{certificate.RowKey}/reissue", new { });

        Assert.Equal(HttpStatusCode.Unauthorized, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, reissue.StatusCode);
        Assert.Equal(certificate.Status, (await ReloadAsync(world, certificate))!.Status);
        Assert.Single(await CertificatesAsync(world, certificate.PartitionKey));
    }

    [Fact]
    public async Task RevokeNeedsAReasonIsAuditedOnceAndIsIdempotent()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var certificate = await OneAsync(world);
        var url = $"api/certificates/{certificate.RowKey}/revoke";

        using var noReason = await world.Organizer.PostAsJsonAsync(url, new { reason = "  " });
        using var tooLong = await world.Organizer.PostAsJsonAsync(url, new { reason = new string('x', 501) });
        using var notJson = await world.Organizer.PostAsync(url, new StringContent("reason=x", Encoding.UTF8, "application/json"));
        using var unknown = await world.Organizer.PostAsJsonAsync($"api/certificates/{CertificateIssuer.NewCertificateId()}/revoke", new { reason = "x" });
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.Equal("invalid_reason", (await noReason.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(CertificateStatus.Valid, (await ReloadAsync(world, certificate))!.Status);

        using var first = await world.Organizer.PostAsJsonAsync(url, new { reason = "Dokumen kehadiran dipalsukan" });
        var firstBody = await first.Content.ReadFromJsonAsync<JsonElement>();
        using var second = await world.Organizer.PostAsJsonAsync(url, new { reason = "Alasan lain" });
        var secondBody = await second.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.False(firstBody.GetProperty("alreadyRevoked").GetBoolean());
        Assert.Equal("Revoked", firstBody.GetProperty("certificate").GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.True(secondBody.GetProperty("alreadyRevoked").GetBoolean());
        var stored = (await ReloadAsync(world, certificate))!;
        Assert.Equal(CertificateStatus.Revoked, stored.Status);
        Assert.Equal("Dokumen kehadiran dipalsukan", stored.RevokedReason);
        Assert.Equal(firstBody.GetProperty("certificate").GetProperty("revokedAt").GetDateTimeOffset(), stored.RevokedAt);
        var audit = await world.Host.Services.GetRequiredService<AuditLog>().ReadAsync(certificate.PartitionKey, certificate.ParticipantId);
        var entry = Assert.Single(audit, a => a.Action == "certificate.revoked");
        Assert.Equal(TestWorld.OrganizerActorId, entry.ActorId);
        Assert.Equal("Dokumen kehadiran dipalsukan", entry.Details);

        using var reissue = await world.Organizer.PostAsJsonAsync($"api/certificates/{certificate.RowKey}/reissue", new { });
        Assert.Equal(HttpStatusCode.Conflict, reissue.StatusCode);
        Assert.Single(await CertificatesAsync(world, certificate.PartitionKey));
    }

    [Fact]
    public async Task ReissueCorrectsTheNameKeepsTheNumberAndEmailsTheNewLinkOnce()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var original = await OneAsync(world, "Siti Aminah");
        var url = $"api/certificates/{original.RowKey}/reissue";

        using var response = await world.Organizer.PostAsJsonAsync(url, new { fullName = "  Dr. Siti   Aminah, S.Sos., M.Si. ", reason = "Gelar belum tercantum" });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(body.GetProperty("alreadyReissued").GetBoolean());
        Assert.Equal("Scheduled", body.GetProperty("email").GetString());
        var certificates = await CertificatesAsync(world, original.PartitionKey);
        Assert.Equal(2, certificates.Count);
        var old = certificates.Single(c => c.RowKey == original.RowKey);
        var current = certificates.Single(c => c.RowKey != original.RowKey);
        Assert.Equal(current.RowKey, body.GetProperty("certificate").GetProperty("certificateId").GetString());
        Assert.Equal(CertificateStatus.Superseded, old.Status);
        Assert.Equal(current.RowKey, old.SupersededBy);
        Assert.NotNull(old.SupersededAt);
        Assert.Equal(CertificateStatus.Valid, current.Status);
        Assert.Equal(original.RowKey, current.Supersedes);
        Assert.Equal(original.Number, current.Number);
        Assert.Equal(2, current.Version);
        Assert.NotEqual(original.VerificationCode, current.VerificationCode);
        Assert.Equal(DefaultName, current.HolderName);
        Assert.NotEqual(original.Sha256, current.Sha256);

        var participant = (await world.Host.Services.GetRequiredService<ParticipantStore>().GetAsync(original.PartitionKey, original.ParticipantId))!;
        Assert.Equal(DefaultName, participant.FullName);
        Assert.Equal(current.RowKey, participant.CertificateId);
        Assert.Equal(current.VerificationCode, participant.VerificationCode);
        Assert.Equal(original.Number, participant.CertificateNumber);

        using (var pdf = PdfDocument.Open(await StoredPdfAsync(world, current)))
        {
            var text = pdf.GetPage(1).Text;
            Assert.Contains("Dr.SitiAminah,S.Sos.,M.Si.", Squash(text), StringComparison.Ordinal);
            Assert.Contains(Squash(original.Number), Squash(text), StringComparison.Ordinal);
            Assert.Contains("api/verify/" + current.VerificationCode, Squash(text), StringComparison.Ordinal);
        }

        var mail = await SingleCertificateMailAsync(world);
        Assert.Equal(participant.Email, mail.To);
        var link = LinkIn(mail.Text!);
        Assert.Contains($"/api/certificates/{current.RowKey}/download?token=", link, StringComparison.Ordinal);
        using var client = NoRedirects(world);
        using var download = await client.GetAsync(link);
        Assert.Equal(HttpStatusCode.Redirect, download.StatusCode);
        Assert.EndsWith(current.BlobName, Uri.UnescapeDataString(download.Headers.Location!.AbsolutePath), StringComparison.Ordinal);

        // Repeating the same request (a double click, a client retry) issues nothing and mails nothing.
        using var again = await world.Organizer.PostAsJsonAsync(url, new { fullName = DefaultName, reason = "Gelar belum tercantum" });
        var againBody = await again.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.True(againBody.GetProperty("alreadyReissued").GetBoolean());
        Assert.Equal(current.RowKey, againBody.GetProperty("certificate").GetProperty("certificateId").GetString());
        Assert.Equal("AlreadySent", againBody.GetProperty("email").GetString());
        using var otherName = await world.Organizer.PostAsJsonAsync(url, new { fullName = "Siti Aminah Lain" });
        Assert.Equal(HttpStatusCode.Conflict, otherName.StatusCode);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Single(world.Host.Outbox.Deliveries, d => d.CustomArgs["k"] == MailKinds.CertificateIssued);
        Assert.Equal(2, (await CertificatesAsync(world, original.PartitionKey)).Count);
        Assert.Equal(2, await BlobCountAsync(world));
        var audit = await world.Host.Services.GetRequiredService<AuditLog>().ReadAsync(original.PartitionKey, original.ParticipantId);
        Assert.Contains("Gelar belum tercantum", Assert.Single(audit, a => a.Action == "certificate.reissued").Details, StringComparison.Ordinal);

        // The current version is the one that can be revoked; the old one points there.
        using var revokeOld = await world.Organizer.PostAsJsonAsync($"api/certificates/{original.RowKey}/revoke", new { reason = "x" });
        Assert.Equal(HttpStatusCode.Conflict, revokeOld.StatusCode);
        Assert.Equal(current.RowKey, (await revokeOld.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("details").GetProperty("currentCertificateId").GetString());
    }

    [Fact]
    public async Task ReissueWithoutABodyMakesANewVersionOfTheSameCertificate()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var original = await OneAsync(world);

        using var response = await world.Organizer.PostAsync($"api/certificates/{original.RowKey}/reissue", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var current = Assert.Single(await CertificatesAsync(world, original.PartitionKey), c => c.Status == CertificateStatus.Valid);
        Assert.Equal((original.Number, 2, DefaultName), (current.Number, current.Version, current.HolderName));

        // A second correction chains on: version 3, still the same number.
        using var third = await world.Organizer.PostAsJsonAsync($"api/certificates/{current.RowKey}/reissue", new { reason = "Tanda tangan diperbarui" });
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
        var latest = Assert.Single(await CertificatesAsync(world, original.PartitionKey), c => c.Status == CertificateStatus.Valid);
        Assert.Equal((original.Number, 3), (latest.Number, latest.Version));
        await WaitForCertificateMailsAsync(world, 2);
    }

    [Fact]
    public async Task ReissueValidatesItsInput()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var certificate = await OneAsync(world);
        var url = $"api/certificates/{certificate.RowKey}/reissue";

        using var emptyName = await world.Organizer.PostAsJsonAsync(url, new { fullName = "   " });
        using var longName = await world.Organizer.PostAsJsonAsync(url, new { fullName = new string('a', 201) });
        using var longReason = await world.Organizer.PostAsJsonAsync(url, new { reason = new string('a', 501) });
        using var unknown = await world.Organizer.PostAsJsonAsync($"api/certificates/{CertificateIssuer.NewCertificateId()}/reissue", new { });
        using var malformed = await world.Organizer.PostAsJsonAsync("api/certificates/..%2F..%2Fx/reissue", new { });

        Assert.Equal(HttpStatusCode.BadRequest, emptyName.StatusCode);
        Assert.Equal("invalid_full_name", (await emptyName.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, longName.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, longReason.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, malformed.StatusCode);
        Assert.Single(await CertificatesAsync(world, certificate.PartitionKey));
    }

    [Fact]
    public async Task ReissueThatDiedAfterItsFirstWriteIsFinishedByTheRetry()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var original = await OneAsync(world, "Siti Aminah");
        var store = world.Host.Services.GetRequiredService<ParticipantStore>();

        // The state a crash right after the first write leaves: the participant row names a new id and code (and the
        // corrected name), nothing else exists yet.
        var p = (await store.GetAsync(original.PartitionKey, original.ParticipantId))!;
        await store.StartReissueAsync(p, CertificateIssuer.NewCertificateId(), CertificateIssuer.NewVerificationCode(), DefaultName, DateTimeOffset.UtcNow);

        using var retry = await world.Organizer.PostAsJsonAsync($"api/certificates/{original.RowKey}/reissue", new { fullName = DefaultName });

        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        var certificates = await CertificatesAsync(world, original.PartitionKey);
        Assert.Equal(2, certificates.Count);
        var current = certificates.Single(c => c.RowKey == p.CertificateId);
        Assert.Equal((2, p.VerificationCode, original.Number, CertificateStatus.Valid, DefaultName), (current.Version, current.VerificationCode, current.Number, current.Status, current.HolderName));
        Assert.Equal(p.CertificateId, certificates.Single(c => c.RowKey == original.RowKey).SupersededBy);
        var mail = await SingleCertificateMailAsync(world);
        Assert.Contains($"/api/certificates/{current.RowKey}/download", LinkIn(mail.Text!), StringComparison.Ordinal);

        // The issuing step the workflow runs sees nothing left to do.
        Assert.Equal(0, await world.Host.Services.GetRequiredService<CertificateIssuer>().IssuePendingAsync(original.PartitionKey));
    }

    private static async Task<DevHost.MailSink.Delivery> SingleCertificateMailAsync(TestWorld world) => Assert.Single(await WaitForCertificateMailsAsync(world, 1));

    private static async Task<IReadOnlyList<DevHost.MailSink.Delivery>> WaitForCertificateMailsAsync(TestWorld world, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var mails = world.Host.Outbox.Deliveries.Where(d => d.CustomArgs["k"] == MailKinds.CertificateIssued).ToList();
            if (mails.Count >= count || DateTime.UtcNow > deadline)
            {
                Assert.Equal(count, mails.Count);
                return mails;
            }

            await Task.Delay(100);
        }
    }

    private static string LinkIn(string text) => Link().Match(text).Value;

    private static string Squash(string text) => Whitespace().Replace(text, string.Empty);

    [GeneratedRegex(@"http://\S+/api/certificates/\S+")]
    private static partial Regex Link();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
