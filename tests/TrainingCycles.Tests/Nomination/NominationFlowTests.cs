using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TrainingCycles.DevHost;
using TrainingCycles.DevHost.MailSink;
using TrainingCycles.Identity;
using TrainingCycles.Nomination;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Nomination;

/// <summary>
/// One cycle from quota import to approved participants over the dev host: coordinators invited by mail, a coordinator
/// nominating with a letter, the last-seat race, a NIP nominated twice, a coordinator reaching another agency, bad
/// letters, and the organizer's decisions with their mails — each mail exactly once.
/// </summary>
public sealed class NominationFlowTests
{
    private const string AgencyA = "Dinas Sosial Kabupaten Kapuas";
    private const string AgencyB = "Dinas Sosial Kota Palangka Raya";
    private const string CoordinatorA = "koord.kapuas@kalteng.example";
    private const string CoordinatorB = "koord.palangka@kalteng.example";

    public static string QuotaCsv(int seatsA, int seatsB) =>
        "instansi;tingkat;kabupaten/kota;kursi;nama koordinator;email koordinator\n" +
        $"{AgencyA};kabupaten;Kapuas;{seatsA};Siti Aminah, S.Sos.;{CoordinatorA}\n" +
        $"{AgencyB};kota;Kota Palangka Raya;{seatsB};Drs. Budi Santoso;{CoordinatorB}\n";

    public static Dictionary<string, string> Nominee(int i, string letterId) => new()
    {
        ["fullName"] = $"Pegawai Nomor {i}, S.Sos.",
        ["nip"] = Forms.Nip(i),
        ["birthDate"] = $"1980-{1 + i % 12:00}-{1 + i % 28:00}",
        ["gender"] = (1 + i % 2).ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["email"] = $"pegawai{i}@kalteng.example",
        ["phone"] = "0812-3456-7890",
        ["position"] = "Pekerja Sosial Ahli Pertama",
        ["rank"] = "Penata Muda, III/a",
        ["letterId"] = letterId,
        ["language"] = "id",
    };

    public static async Task<string> CreateCycleAsync(TestWorld world, int capacity)
    {
        var now = DateTimeOffset.UtcNow;
        var definition = CycleApi.CompressedDefinition(now, capacity: capacity, closeAfterSeconds: 3600);
        definition["nomination"] = new JsonObject { ["deadline"] = CycleApi.Iso(now.AddMinutes(30)), ["releaseTo"] = "waitlist" };
        return (await CycleApi.CreateAsync(world.Organizer, definition)).GetProperty("cycleId").GetString()!;
    }

    public static Task<HttpResponseMessage> PutQuotasAsync(TestWorld world, string cycleId, string csv) =>
        world.Organizer.PutAsync($"api/cycles/{cycleId}/quotas", new StringContent(csv, Encoding.UTF8, "text/csv"));

    public static async Task<string> UploadAsync(HttpClient coordinator, string cycleId, string quotaId, byte[] content, string name = "surat-tugas.pdf", HttpStatusCode expected = HttpStatusCode.SeeOther)
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(content), "letter", name } };
        var response = await coordinator.PostAsync($"api/cycles/{cycleId}/nomination/letters?quota={quotaId}", form);
        Assert.True(response.StatusCode == expected, $"upload answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return response.Headers.Location?.OriginalString ?? "";
    }

    public static async Task<IReadOnlyList<Delivery>> WaitForMailsAsync(TestWorld world, string kind, int count)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var mails = world.Host.Outbox.Deliveries.Where(d => d.CustomArgs.TryGetValue("k", out var k) && k == kind).ToList();
            if (mails.Count >= count || DateTime.UtcNow > until)
            {
                return mails;
            }

            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task ACycleRunsFromQuotaImportToApprovedParticipantsThroughTheCoordinatorsPages()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var cycleId = await CreateCycleAsync(world, capacity: 6);
        var quotaA = QuotaIds.For(AgencyA);
        var quotaB = QuotaIds.For(AgencyB);

        // Quotas beyond the capacity are refused whole; within it they are saved and the coordinators invited, once each.
        var over = await PutQuotasAsync(world, cycleId, QuotaCsv(5, 2));
        Assert.Equal(HttpStatusCode.Conflict, over.StatusCode);
        Assert.Contains("over_capacity", await over.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await PutQuotasAsync(world, cycleId, QuotaCsv(2, 1))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PutQuotasAsync(world, cycleId, QuotaCsv(2, 1))).StatusCode); // same list again: no new mail
        var invitations = await WaitForMailsAsync(world, NominationMailKinds.Coordinator, 2);
        Assert.Equal([CoordinatorA, CoordinatorB], invitations.Select(m => m.To).Order());
        Assert.Contains("/api/signin/link?t=", invitations[0].Text, StringComparison.Ordinal);
        Assert.Contains($"/api/cycles/{cycleId}/nomination?quota=", invitations[0].Text, StringComparison.Ordinal);

        // The coordinator grants came with the import: both may sign in, each sees their own agency only.
        var a = await People.SignInAsync(world, CoordinatorA);
        var b = await People.SignInAsync(world, CoordinatorB);
        var page = await a.GetStringAsync($"api/cycles/{cycleId}/nomination");
        Assert.Contains(AgencyA, page, StringComparison.Ordinal);
        Assert.DoesNotContain(AgencyB, page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await a.GetAsync($"api/cycles/{cycleId}/nomination?quota={quotaB}")).StatusCode);
        var quotasSeenByA = JsonDocument.Parse(await a.GetStringAsync($"api/cycles/{cycleId}/quotas")).RootElement.GetProperty("items");
        Assert.Equal(AgencyA, Assert.Single(quotasSeenByA.EnumerateArray()).GetProperty("agency").GetString());

        // Letters: judged by content and size.
        await UploadAsync(a, cycleId, quotaA, "MZ not a pdf"u8.ToArray(), "surat.pdf", HttpStatusCode.UnsupportedMediaType);
        await UploadAsync(a, cycleId, quotaA, new byte[LetterCheck.MaxBytes + 10], "besar.pdf", HttpStatusCode.RequestEntityTooLarge);
        await UploadAsync(a, cycleId, quotaA, NominationRulesTests.Pdf());
        await UploadAsync(b, cycleId, quotaB, NominationRulesTests.Pdf());
        var store = world.Host.Services.GetRequiredService<NominationStore>();
        var letterA = Assert.Single(await store.LettersAsync(cycleId, quotaA)).RowKey;
        var letterB = Assert.Single(await store.LettersAsync(cycleId, quotaB)).RowKey;

        // B cannot reach A's letter, page or quota; the organizer can read both letters.
        Assert.Equal(HttpStatusCode.NotFound, (await b.GetAsync($"api/cycles/{cycleId}/letters/{letterA}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await b.PostAsync($"api/cycles/{cycleId}/nomination/nominees?quota={quotaA}", new FormUrlEncodedContent(Nominee(9, letterA)))).StatusCode);
        var letter = await world.Organizer.GetAsync($"api/cycles/{cycleId}/letters/{letterA}");
        Assert.Equal("application/pdf", letter.Content.Headers.ContentType!.MediaType);
        Assert.Equal(HttpStatusCode.Unauthorized, (await world.Http.GetAsync($"api/cycles/{cycleId}/letters/{letterA}")).StatusCode);

        // A NIP that contradicts the birth date given with it is refused.
        var wrong = Nominee(1, letterA);
        wrong["birthDate"] = "1979-01-01";
        var (refused, refusedPage) = await Forms.PostAsync(a, $"api/cycles/{cycleId}/nomination/nominees?quota={quotaA}", wrong);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("tanggal lahir", refusedPage.QuerySelector("#nip-error")!.TextContent, StringComparison.OrdinalIgnoreCase);
        // #23: the nomination form shows the cycle's privacy notice, the same partial and version as the registration form.
        var cycleDefinition = (await world.Host.Services.GetRequiredService<TrainingCycles.Cycles.CycleStore>().GetAsync(cycleId))!.Definition;
        Assert.Equal(TrainingCycles.Cycles.ConsentNotice.For(cycleDefinition).Version, refusedPage.QuerySelector("#nominee-privacy")!.GetAttribute("data-consent-version"));

        // A nominates 1; then two coordinators of A submit the last seat at once: exactly one wins.
        Assert.Equal(HttpStatusCode.SeeOther, (await a.PostAsync($"api/cycles/{cycleId}/nomination/nominees?quota={quotaA}", new FormUrlEncodedContent(Nominee(1, letterA)))).StatusCode);
        await People.GrantAsync(world, "koord2.kapuas@kalteng.example", Roles.Coordinator, cycleId, null, AgencyA);
        var a2 = await People.SignInAsync(world, "koord2.kapuas@kalteng.example");
        var race = await Task.WhenAll(
            a.PostAsync($"api/cycles/{cycleId}/nomination/nominees?quota={quotaA}", new FormUrlEncodedContent(Nominee(2, letterA))),
            a2.PostAsync($"api/cycles/{cycleId}/nomination/nominees?quota={quotaA}", new FormUrlEncodedContent(Nominee(3, letterA))));
        Assert.Equal([HttpStatusCode.SeeOther, HttpStatusCode.Conflict], race.Select(r => r.StatusCode).Order());
        var quota = (await store.QuotaAsync(cycleId, quotaA))!;
        Assert.Equal(2, quota.Held);
        Assert.Equal(2, (await store.NomineesAsync(cycleId, quotaA)).Count);

        // B tries a NIP A already nominated: refused, naming the agency.
        var winner = (await store.NomineesAsync(cycleId, quotaA)).Single(n => n.Nip != Forms.Nip(1));
        var taken = Nominee(winner.Nip == Forms.Nip(2) ? 2 : 3, letterB);
        var (twice, twicePage) = await Forms.PostAsync(b, $"api/cycles/{cycleId}/nomination/nominees?quota={quotaB}", taken);
        Assert.Equal(HttpStatusCode.BadRequest, twice.StatusCode);
        Assert.Contains(AgencyA, twicePage.QuerySelector("#nip-error")!.TextContent, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.SeeOther, (await b.PostAsync($"api/cycles/{cycleId}/nomination/nominees?quota={quotaB}", new FormUrlEncodedContent(Nominee(4, letterB)))).StatusCode);

        // The organizer approves A's two and rejects B's one with a reason.
        var all = await store.NomineesAsync(cycleId);
        foreach (var n in all.Where(n => n.QuotaId == quotaA))
        {
            var approved = await world.Organizer.PostAsJsonAsync($"api/cycles/{cycleId}/nominees/{n.RowKey}/decision", new { decision = "approve" });
            Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        }

        var rejectedOne = all.Single(n => n.QuotaId == quotaB);
        Assert.Equal(HttpStatusCode.BadRequest, (await world.Organizer.PostAsJsonAsync($"api/cycles/{cycleId}/nominees/{rejectedOne.RowKey}/decision", new { decision = "reject" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await world.Organizer.PostAsJsonAsync($"api/cycles/{cycleId}/nominees/{rejectedOne.RowKey}/decision", new { decision = "reject", reason = "Surat tugas tidak ditandatangani" })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await world.Organizer.PostAsJsonAsync($"api/cycles/{cycleId}/nominees/{rejectedOne.RowKey}/decision", new { decision = "approve" })).StatusCode);

        var confirmations = await WaitForMailsAsync(world, "confirmation", 2);
        var rejections = await WaitForMailsAsync(world, NominationMailKinds.Rejected, 1);
        var toCoordinator = await WaitForMailsAsync(world, NominationMailKinds.RejectedCoordinator, 1);
        Assert.Equal(["pegawai1@kalteng.example", winner.Email], confirmations.Select(m => m.To).Order());
        Assert.Equal(rejectedOne.Email, Assert.Single(rejections).To);
        Assert.Contains("tidak ditandatangani", rejections[0].Text, StringComparison.Ordinal);
        Assert.Equal(CoordinatorB, Assert.Single(toCoordinator).To);

        var participants = JsonDocument.Parse(await world.Organizer.GetStringAsync($"api/cycles/{cycleId}/participants")).RootElement.GetProperty("items");
        Assert.Equal(2, participants.EnumerateArray().Count(p => p.GetProperty("status").GetString() == "Confirmed" && p.GetProperty("agency").GetString() == AgencyA));

        // The per-agency view and export.
        var quotas = JsonDocument.Parse(await world.Organizer.GetStringAsync($"api/cycles/{cycleId}/quotas")).RootElement.GetProperty("items").EnumerateArray().ToDictionary(q => q.GetProperty("agency").GetString()!);
        Assert.Equal(2, quotas[AgencyA].GetProperty("approved").GetInt32());
        Assert.Equal(1, quotas[AgencyB].GetProperty("rejected").GetInt32());
        Assert.True(quotas[AgencyB].GetProperty("outstanding").GetBoolean());
        var csv = await world.Organizer.GetStringAsync($"api/cycles/{cycleId}/nominees?format=csv&quota={quotaB}");
        Assert.Contains("Rejected", csv, StringComparison.Ordinal);
        Assert.DoesNotContain(AgencyA, csv, StringComparison.Ordinal);
        Assert.DoesNotContain(AgencyA, await b.GetStringAsync($"api/cycles/{cycleId}/nominees?format=csv"), StringComparison.Ordinal);

        // Each mail once: nothing more arrives after a moment.
        await Task.Delay(500);
        Assert.Equal(2, world.Host.Outbox.Deliveries.Count(d => d.CustomArgs["k"] == NominationMailKinds.Coordinator));
        Assert.Equal(2, world.Host.Outbox.Deliveries.Count(d => d.CustomArgs["k"] == "confirmation"));
        Assert.Single(world.Host.Outbox.Deliveries, d => d.CustomArgs["k"] == NominationMailKinds.Rejected);
    }

    [Fact]
    public async Task AForgedCoordinatorLinkOrAnUngrantedPersonGetsNowhere()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var cycleId = await CreateCycleAsync(world, capacity: 6);
        Assert.Equal(HttpStatusCode.OK, (await PutQuotasAsync(world, cycleId, QuotaCsv(2, 1))).StatusCode);
        var link = (await WaitForMailsAsync(world, NominationMailKinds.Coordinator, 2)).First(m => m.To == CoordinatorA).Text!;
        var token = link[(link.IndexOf("?t=", StringComparison.Ordinal) + 3)..].Split('\n', '&', ' ')[0].Trim();
        var forged = token[..^4] + (token[^4..] == "AAAA" ? "BBBB" : "AAAA");
        var answer = await world.Http.GetAsync($"api/signin/link?t={forged}");
        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);

        var stranger = await People.SignInAsync(world, "orang.lain@kalteng.example");
        Assert.Equal(HttpStatusCode.Forbidden, (await stranger.GetAsync($"api/cycles/{cycleId}/nomination")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await stranger.GetAsync($"api/cycles/{cycleId}/nominees")).StatusCode);
    }
}
