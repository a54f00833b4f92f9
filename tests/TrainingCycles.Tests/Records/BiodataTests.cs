using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using TrainingCycles.Certificates;
using TrainingCycles.Cycles;
using TrainingCycles.DevHost;
using TrainingCycles.DevHost.MailSink;
using TrainingCycles.Infrastructure;
using TrainingCycles.Records;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using TrainingCycles.Tests.Support;
using UglyToad.PdfPig;
using static TrainingCycles.Tests.Certificates.CertificateSetup;

namespace TrainingCycles.Tests.Records;

/// <summary>
/// #22 item 4: biodata confirmation before issue. The participant's page (manage link), the organizer's decisions
/// over the real API, the decision workflow on the dev host's engine (the participant row, the reissue after issue,
/// one mail each), and the deadline gate before the certificate phase on the Azure Storage backend.
/// </summary>
public sealed class BiodataTests
{
    private const string Corrected = "Dr. Siti Aminah Rahmawati, S.Sos., M.Si.";

    [Fact]
    public async Task ConfirmationAndCorrectionsBeforeIssueAcceptedPrintsTheCorrectedNameRejectedMailsTheReason()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var cycleId = await NewCycleAsync(world);
        var people = await AddEligibleAsync(world, cycleId, [DefaultName, "Budi Santoso", "Yohanes Ngadiman"]);
        var (accepted, rejected, confirming) = (people[0], people[1], people[2]);

        var (pageResponse, page) = await Forms.GetAsync(world.Http, BiodataUrl(world, accepted));
        Assert.Equal(HttpStatusCode.OK, pageResponse.StatusCode);
        Assert.Equal(DefaultName, page.QuerySelector("#biodata-on-file dd[data-field=fullName]")!.TextContent);
        Assert.Equal(accepted.Nip, page.QuerySelector("#biodata-on-file dd[data-field=nip]")!.TextContent);
        Assert.NotNull(page.QuerySelector("#biodata-confirm"));

        var (confirmResponse, confirmPage) = await Forms.PostAsync(world.Http, BiodataUrl(world, confirming), new Dictionary<string, string> { ["action"] = "confirm" });
        Assert.Equal(HttpStatusCode.OK, confirmResponse.StatusCode);
        Assert.NotNull(confirmPage.QuerySelector("#biodata-notice"));
        Assert.Null(confirmPage.QuerySelector("#biodata-confirm"));

        var (correctResponse, _) = await Forms.PostAsync(world.Http, BiodataUrl(world, accepted), Correction(accepted, fullName: "  " + Corrected + " ", birthPlace: "Palangka Raya"));
        Assert.Equal(HttpStatusCode.OK, correctResponse.StatusCode);
        var (againResponse, againPage) = await Forms.PostAsync(world.Http, BiodataUrl(world, accepted), Correction(accepted, fullName: "Siti A."));
        Assert.Equal(HttpStatusCode.Conflict, againResponse.StatusCode); // one pending request at a time
        Assert.NotNull(againPage.QuerySelector("#biodata-error"));
        Assert.Equal(HttpStatusCode.OK, (await Forms.PostAsync(world.Http, BiodataUrl(world, rejected), Correction(rejected, position: "Kepala Dinas"))).Response.StatusCode);

        var list = await ListAsync(world, cycleId);
        var counts = list.GetProperty("counts");
        Assert.Equal((3, 1, 2, 0), (counts.GetProperty("participants").GetInt32(), counts.GetProperty("confirmed").GetInt32(), counts.GetProperty("correctionPending").GetInt32(), counts.GetProperty("noAnswer").GetInt32()));
        var requests = list.GetProperty("requests").EnumerateArray().ToDictionary(r => r.GetProperty("participantId").GetString()!);
        var acceptedRequest = requests[accepted.RowKey];
        Assert.Equal(Corrected, acceptedRequest.GetProperty("requested").GetProperty("fullName").GetString());
        Assert.Equal("Palangka Raya", acceptedRequest.GetProperty("requested").GetProperty("birthPlace").GetString());
        Assert.Equal(DefaultName, acceptedRequest.GetProperty("previous").GetProperty("fullName").GetString());
        Assert.False(acceptedRequest.GetProperty("requested").TryGetProperty("nip", out _)); // only what changes

        using var accept = await DecideAsync(world, cycleId, acceptedRequest.GetProperty("requestId").GetString()!, "accept", null);
        using var reject = await DecideAsync(world, cycleId, requests[rejected.RowKey].GetProperty("requestId").GetString()!, "reject", "Jabatan sesuai SK terakhir");
        Assert.Equal(HttpStatusCode.OK, accept.StatusCode);
        Assert.Equal(HttpStatusCode.OK, reject.StatusCode);

        var participants = world.Host.Services.GetRequiredService<ParticipantStore>();
        await WaitForAsync(async () => (await participants.GetAsync(cycleId, accepted.RowKey))!.FullName == Corrected);
        await WaitForAsync(() => Task.FromResult(Mails(world, BiodataWorkflow.DecisionKind).Count == 2));
        var acceptedMail = Assert.Single(Mails(world, BiodataWorkflow.DecisionKind), d => d.To == accepted.Email);
        Assert.Contains("Koreksi diterima", acceptedMail.Text, StringComparison.Ordinal);
        var rejectedMail = Assert.Single(Mails(world, BiodataWorkflow.DecisionKind), d => d.To == rejected.Email);
        Assert.Contains("Koreksi ditolak", rejectedMail.Text, StringComparison.Ordinal);
        Assert.Contains("Jabatan sesuai SK terakhir", rejectedMail.Text, StringComparison.Ordinal);
        var after = (await participants.GetAsync(cycleId, accepted.RowKey))!;
        Assert.Equal("Palangka Raya", after.BirthPlace);
        Assert.Equal(accepted.Nip, after.Nip);
        Assert.Null((await participants.GetAsync(cycleId, rejected.RowKey))!.Position); // a rejection changes nothing

        // The same decision again is a no-op; the opposite one is refused; neither mails again.
        using var repeat = await DecideAsync(world, cycleId, acceptedRequest.GetProperty("requestId").GetString()!, "accept", null);
        Assert.True((await repeat.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("alreadyDecided").GetBoolean());
        using var flip = await DecideAsync(world, cycleId, acceptedRequest.GetProperty("requestId").GetString()!, "reject", "x");
        Assert.Equal(HttpStatusCode.Conflict, flip.StatusCode);
        var audit = await world.Host.Services.GetRequiredService<AuditLog>().ReadAsync(cycleId, accepted.RowKey);
        var entry = Assert.Single(audit, a => a.Action == "biodata.correction-accepted");
        Assert.Equal(TestWorld.OrganizerActorId, entry.ActorId);
        Assert.Single(await world.Host.Services.GetRequiredService<AuditLog>().ReadAsync(cycleId, rejected.RowKey), a => a.Action == "biodata.correction-rejected");

        var certificate = Assert.Single(await IssueAsync(world, cycleId), c => c.ParticipantId == accepted.RowKey);
        Assert.Equal(Corrected, certificate.HolderName);
        using (var pdf = PdfDocument.Open(await StoredPdfAsync(world, certificate)))
        {
            Assert.Contains(Squash(Corrected), Squash(pdf.GetPage(1).Text), StringComparison.Ordinal);
        }

        await Task.Delay(500);
        Assert.Equal(2, Mails(world, BiodataWorkflow.DecisionKind).Count);
    }

    [Fact]
    public async Task ACorrectionAcceptedAfterIssueSupersedesTheOldCertificateAndIssuesANewOneWithTheSameNumber()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var original = await OneAsync(world, "Siti Aminah");
        var p = (await world.Host.Services.GetRequiredService<ParticipantStore>().GetAsync(original.PartitionKey, original.ParticipantId))!;

        var (pageResponse, page) = await Forms.GetAsync(world.Http, BiodataUrl(world, p));
        Assert.Equal(HttpStatusCode.OK, pageResponse.StatusCode);
        Assert.Contains("sudah terbit", page.Body!.TextContent, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await Forms.PostAsync(world.Http, BiodataUrl(world, p), Correction(p, fullName: Corrected))).Response.StatusCode);
        var requestId = Assert.Single((await ListAsync(world, p.PartitionKey)).GetProperty("requests").EnumerateArray()).GetProperty("requestId").GetString()!;
        using var accept = await DecideAsync(world, p.PartitionKey, requestId, "accept", "Gelar sesuai ijazah");
        Assert.Equal(HttpStatusCode.OK, accept.StatusCode);

        await WaitForAsync(async () => (await ReloadAsync(world, original))!.Status == CertificateStatus.Superseded);
        var old = (await ReloadAsync(world, original))!;
        var current = (await world.Host.Services.GetRequiredService<CertificateIssuer>().GetAsync(p.PartitionKey, old.SupersededBy!))!;
        Assert.Equal(CertificateStatus.Valid, current.Status);
        Assert.Equal(original.Number, current.Number);
        Assert.Equal(2, current.Version);
        Assert.Equal(Corrected, current.HolderName);
        using (var pdf = PdfDocument.Open(await StoredPdfAsync(world, current)))
        {
            Assert.Contains(Squash(Corrected), Squash(pdf.GetPage(1).Text), StringComparison.Ordinal);
        }

        Assert.Equal("superseded", await VerifyStatusAsync(world, original.VerificationCode));
        Assert.Equal("valid", await VerifyStatusAsync(world, current.VerificationCode));
        await WaitForAsync(() => Task.FromResult(Mails(world, BiodataWorkflow.DecisionKind).Count == 1 && Mails(world, "certificate-issued").Count == 1));
        Assert.Contains($"/api/certificates/{current.RowKey}/download", Assert.Single(Mails(world, "certificate-issued")).Text, StringComparison.Ordinal);
        var row = await world.Host.Services.GetRequiredService<BiodataStore>().GetAsync(p.PartitionKey, requestId, CancellationToken.None);
        Assert.Equal(original.RowKey, row!.ReissueOf);
        Assert.NotNull(row.AppliedAt);
        Assert.Contains(await world.Host.Services.GetRequiredService<AuditLog>().ReadAsync(p.PartitionKey, p.RowKey), a => a.Action == "certificate.reissued");
    }

    [Fact]
    public async Task ACertificateRenderedFromTheRowBeforeAnAcceptedCorrectionIsReissuedByTheReconciliation()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var original = await OneAsync(world, "Siti Aminah");
        var services = world.Host.Services;
        var participants = services.GetRequiredService<ParticipantStore>();

        // The race's outcome, set up by hand: a certificate batch read the row, the correction was applied, the
        // decision's own check found no certificate yet (no reissue recorded), and then the batch wrote the certificate.
        Assert.Equal(BiodataApplyOutcome.Applied, await participants.ApplyBiodataCorrectionAsync(
            original.PartitionKey, original.ParticipantId, new BiodataChange(Corrected, null, null, null, null, null, null), DateTimeOffset.UtcNow));
        var after = (await participants.GetAsync(original.PartitionKey, original.ParticipantId))!;
        Assert.True(original.SourceRowAt < after.Timestamp, "the certificate names the row version it was rendered from");
        var requestKey = BiodataStore.RequestKey(original.ParticipantId, 1);
        var table = await services.GetRequiredService<AppTables>().GetAsync(AppTables.Biodata);
        await table.AddEntityAsync(new BiodataEntity
        {
            PartitionKey = original.PartitionKey, RowKey = requestKey, ParticipantId = original.ParticipantId, Status = BiodataStatus.Accepted,
            AppliedAt = DateTimeOffset.UtcNow, ApplyOutcome = nameof(BiodataApplyOutcome.Applied), AppliedRowAt = after.Timestamp,
        });

        var workflow = ActivatorUtilities.CreateInstance<BiodataWorkflow>(services);
        var durable = services.GetRequiredService<DurableTaskClient>();
        var input = new BiodataDecisionInput(original.PartitionKey, requestKey);
        Assert.True(await workflow.ReconcileBiodataCertificate(input, durable));
        var old = (await ReloadAsync(world, original))!;
        Assert.Equal(CertificateStatus.Superseded, old.Status);
        var current = (await services.GetRequiredService<CertificateIssuer>().GetAsync(original.PartitionKey, old.SupersededBy!))!;
        Assert.Equal(CertificateStatus.Valid, current.Status);
        Assert.Equal(Corrected, current.HolderName);
        Assert.True(current.SourceRowAt >= after.Timestamp);
        Assert.Equal(original.RowKey, (await services.GetRequiredService<BiodataStore>().GetAsync(original.PartitionKey, requestKey, CancellationToken.None))!.ReissueOf);

        // Run again (a retried activity, a replay): the new certificate came from the corrected row; nothing more.
        Assert.True(await workflow.ReconcileBiodataCertificate(input, durable));
        Assert.Equal(CertificateStatus.Valid, (await ReloadAsync(world, current))!.Status);
        Assert.Equal("superseded", await VerifyStatusAsync(world, original.VerificationCode));
    }

    [Fact]
    public async Task BadInputIsRefusedInBothLanguagesAndChangesNothing()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var cycleId = await NewCycleAsync(world);
        var p = Assert.Single(await AddEligibleAsync(world, cycleId, [DefaultName]));
        p.Position = "Pekerja Sosial Ahli Pertama";
        await ParticipantRows.ReplaceAsync(world.Host.Services, p);
        p = (await world.Host.Services.GetRequiredService<ParticipantStore>().GetAsync(cycleId, p.RowKey))!;
        var store = world.Host.Services.GetRequiredService<BiodataStore>();

        // A forged or foreign token: no page, nothing shown.
        var forged = $"api/cycles/{cycleId}/biodata?manage=" + Uri.EscapeDataString(Token(world, TokenPurpose.Invite, cycleId, p.RowKey, TimeSpan.FromDays(1)));
        var (forgedId, forgedPage) = await Forms.PostAsync(world.Http, forged, new Dictionary<string, string> { ["action"] = "confirm" });
        var (forgedEn, forgedPageEn) = await Forms.GetAsync(world.Http, $"api/cycles/{cycleId}/biodata?manage=abc.def&lang=en");
        Assert.Equal(HttpStatusCode.Forbidden, forgedId.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, forgedEn.StatusCode);
        Assert.Contains("Tautan tidak valid", forgedPage.Body!.TextContent, StringComparison.Ordinal);
        Assert.Contains("invalid", forgedPageEn.Body!.TextContent, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(DefaultName, forgedPage.Body.TextContent, StringComparison.Ordinal);

        // An invalid NIP, a birth date that is not the NIP's, nothing changed, an unknown action.
        var url = BiodataUrl(world, p);
        var (badNip, badNipPage) = await Forms.PostAsync(world.Http, url, Correction(p, nip: "12345"));
        var (badNipEn, badNipPageEn) = await Forms.PostAsync(world.Http, url + "&lang=en", Correction(p, nip: "12345"));
        var (badBirth, badBirthPage) = await Forms.PostAsync(world.Http, url, Correction(p, birthDate: "1990-01-01"));
        var (same, samePage) = await Forms.PostAsync(world.Http, url, Correction(p));
        var (unknown, _) = await Forms.PostAsync(world.Http, url, new Dictionary<string, string> { ["action"] = "delete" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badNip.StatusCode);
        Assert.Equal("NIP harus 18 digit angka.", badNipPage.QuerySelector("#nip-error")!.TextContent);
        Assert.Equal("true", badNipPage.QuerySelector("#nip")!.GetAttribute("aria-invalid"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badNipEn.StatusCode);
        Assert.Contains("18", badNipPageEn.QuerySelector("#nip-error")!.TextContent, StringComparison.Ordinal);
        Assert.NotEqual(badNipPage.QuerySelector("#nip-error")!.TextContent, badNipPageEn.QuerySelector("#nip-error")!.TextContent);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badBirth.StatusCode);
        Assert.NotNull(badBirthPage.QuerySelector("#birthDate-error"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, same.StatusCode);
        Assert.NotNull(samePage.QuerySelector("#biodata-error"));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Empty(await store.ListAsync(cycleId, CancellationToken.None));

        // The organizer side: no key, a bad decision, a rejection without a reason, an unknown request.
        Assert.Equal(HttpStatusCode.OK, (await Forms.PostAsync(world.Http, url, Correction(p, fullName: Corrected))).Response.StatusCode);
        var requestId = Assert.Single(await store.ListAsync(cycleId, CancellationToken.None)).RowKey;
        using var anonymous = await world.Http.PostAsJsonAsync($"api/cycles/{cycleId}/biodata/requests/{requestId}/decision", new { decision = "accept" });
        using var maybe = await DecideAsync(world, cycleId, requestId, "maybe", null);
        using var noReason = await DecideAsync(world, cycleId, requestId, "reject", "  ");
        using var missing = await DecideAsync(world, cycleId, "r-p0000000000000000-001", "accept", null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, maybe.StatusCode);
        var error = (await noReason.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.Equal("invalid_reason", error.GetProperty("code").GetString());
        Assert.NotEqual(error.GetProperty("message").GetString(), error.GetProperty("messageEn").GetString());
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(BiodataStatus.Pending, (await store.GetAsync(cycleId, requestId, CancellationToken.None))!.Status);
        Assert.Equal(DefaultName, (await world.Host.Services.GetRequiredService<ParticipantStore>().GetAsync(cycleId, p.RowKey))!.FullName);
    }

    [Fact]
    public async Task TheCertificatePhaseWaitsForTheBiodataDeadlineAsksOnceThenIssuesWhatIsOnFile()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.AzureStorage);
        var now = DateTimeOffset.UtcNow;
        var definition = CycleApi.CompressedDefinition(now, closeAfterSeconds: 3, sessions: 1, sessionSeconds: 2);
        var deadline = now.AddSeconds(35); // the Azure Storage backend on a shared machine takes several seconds per phase
        deadline = deadline.AddTicks(-(deadline.Ticks % TimeSpan.TicksPerSecond)); // as sent: ISO to the second
        definition["records"] = new JsonObject { ["biodataDeadline"] = CycleApi.Iso(deadline) };
        var cycleId = (await CycleApi.CreateAsync(world.Organizer, definition)).GetProperty("cycleId").GetString()!;
        var people = await AddEligibleAsync(world, cycleId, ["Andi Pratama", "Sri Wahyuni"]);
        foreach (var p in people)
        {
            using var mark = await world.Organizer.PutAsync($"api/cycles/{cycleId}/sessions/s1/attendance", JsonContent.Create(new { marks = new[] { new { participantId = p.RowKey, status = "Present" } } }));
            Assert.Equal(HttpStatusCode.OK, mark.StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await Forms.PostAsync(world.Http, BiodataUrl(world, people[1]), new Dictionary<string, string> { ["action"] = "confirm" })).Response.StatusCode);

        // Training ends at about +6 s: the certificate phase starts, asks who has not answered, and waits.
        await WaitForAsync(() => Task.FromResult(Mails(world, BiodataWorkflow.RequestKind).Count > 0), TimeSpan.FromSeconds(60));
        var asked = Assert.Single(Mails(world, BiodataWorkflow.RequestKind));
        Assert.Equal(people[0].Email, asked.To);
        Assert.Contains($"/api/cycles/{cycleId}/biodata?manage=", asked.Text, StringComparison.Ordinal);
        Assert.True(DateTimeOffset.UtcNow < deadline, "asked before the deadline");
        Assert.Equal("Completing", (await CycleApi.GetAsync(world.Organizer, cycleId)).GetProperty("phase").GetString());
        Assert.Empty(await CertificatesAsync(world, cycleId));

        await CycleApi.WaitForPhaseAsync(world.Organizer, cycleId, "Completed", TimeSpan.FromSeconds(90));
        var certificates = await CertificatesAsync(world, cycleId);
        Assert.Equal(2, certificates.Count);
        Assert.All(certificates, c => Assert.True(c.IssuedAt >= deadline, $"issued {c.IssuedAt:O}, deadline {deadline:O}"));
        Assert.Contains(certificates, c => c.HolderName == "Andi Pratama"); // unconfirmed: what is on file
        Assert.Single(Mails(world, BiodataWorkflow.RequestKind)); // asked once
    }

    private static string BiodataUrl(TestWorld world, ParticipantEntity p) =>
        $"api/cycles/{p.PartitionKey}/biodata?manage=" + Uri.EscapeDataString(world.Host.Services.GetRequiredService<Tokens>().Create(TokenPurpose.Manage, p.PartitionKey, p.RowKey, DateTimeOffset.UtcNow.AddDays(1), p.TokenVersion));

    private static Dictionary<string, string> Correction(ParticipantEntity p, string? fullName = null, string? nip = null, string? birthPlace = null, string? birthDate = null, string? position = null) => new()
    {
        ["action"] = "correct",
        ["fullName"] = fullName ?? p.FullName ?? "",
        ["nip"] = nip ?? p.Nip ?? "",
        ["birthPlace"] = birthPlace ?? p.BirthPlace ?? "",
        ["birthDate"] = birthDate ?? p.BirthDate ?? "",
        ["rank"] = p.Rank ?? "",
        ["position"] = position ?? p.Position ?? "Pekerja Sosial Ahli Pertama",
        ["agency"] = p.Agency ?? "",
    };

    private static async Task<JsonElement> ListAsync(TestWorld world, string cycleId)
    {
        using var response = await world.Organizer.GetAsync($"api/cycles/{cycleId}/biodata/requests");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static Task<HttpResponseMessage> DecideAsync(TestWorld world, string cycleId, string requestId, string decision, string? reason) =>
        world.Organizer.PostAsJsonAsync($"api/cycles/{cycleId}/biodata/requests/{requestId}/decision", new { decision, reason });

    private static List<Delivery> Mails(TestWorld world, string kind) =>
        [.. world.Host.Outbox.Deliveries.Where(d => d.CustomArgs.GetValueOrDefault("k") == kind)];

    private static async Task<string> VerifyStatusAsync(TestWorld world, string code)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/verify/{code}") { Headers = { Accept = { new MediaTypeWithQualityHeaderValue("application/json") } } };
        using var response = await world.Http.SendAsync(request);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString()!;
    }

    private static string Squash(string text) => new([.. text.Where(c => !char.IsWhiteSpace(c))]);

    private static async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < until, "timed out");
            await Task.Delay(200);
        }
    }
}
