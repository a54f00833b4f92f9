using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Azure.Data.Tables;
using TrainingCycles.Cycles;
using TrainingCycles.DevHost;
using TrainingCycles.Infrastructure;
using TrainingCycles.Registration;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Registration;

/// <summary>
/// The registration findings of the outside security review (issue #15): each reproduction as a test. Every one of
/// these failed on the code before the fix.
/// </summary>
public sealed partial class RegistrationSecurityTests
{
    private const string SitiNip = "198001012005012001";

    private static async Task<(TestWorld World, string CycleId)> OpenCycleAsync(int capacity = 50, Action<JsonObject>? change = null, IDictionary<string, string?>? settings = null)
    {
        var world = await TestWorld.StartAsync(DurableBackend.InMemory, settings);
        var definition = CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, capacity: capacity, closeAfterSeconds: 3600);
        change?.Invoke(definition);
        var created = await CycleApi.CreateAsync(world.Organizer, definition);
        return (world, created.GetProperty("cycleId").GetString()!);
    }

    private static ParticipantStore Store(TestWorld world) => world.Host.Services.GetRequiredService<ParticipantStore>();

    private static string InviteUrl(TestWorld world, string cycleId, ParticipantEntity p) =>
        $"api/cycles/{cycleId}/register?invite={Uri.EscapeDataString(world.Host.Services.GetRequiredService<Tokens>().Create(TokenPurpose.Invite, cycleId, p.RowKey, DateTimeOffset.UtcNow.AddDays(1), p.TokenVersion))}";

    private static string ManageUrl(TestWorld world, string cycleId, ParticipantEntity p) =>
        $"api/cycles/{cycleId}/register?manage={Uri.EscapeDataString(world.Host.Services.GetRequiredService<Tokens>().Create(TokenPurpose.Manage, cycleId, p.RowKey, DateTimeOffset.UtcNow.AddDays(1), p.TokenVersion))}";

    [Fact]
    public async Task AStrangerCannotClaimAnInviteesNipOnTheOpenForm()
    {
        var (world, cycleId) = await OpenCycleAsync();
        await using var _ = world;
        await CycleApi.ImportCsvAsync(world.Organizer, cycleId, $"email,nama,nip\nsiti@kalteng.go.id,Siti Rahmawati,{SitiNip}\n");

        var (stranger, strangerPage) = await Forms.PostAsync(world.Http, $"api/cycles/{cycleId}/register", Forms.ValidRegistration(nip: SitiNip, email: "stranger@example.org"));
        var siti = Assert.Single(await Store(world).ListAsync(cycleId));
        var (own, ownPage) = await Forms.PostAsync(world.Http, InviteUrl(world, cycleId, siti), Forms.ValidRegistration(nip: SitiNip, email: "siti@kalteng.go.id", name: "Siti Rahmawati"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, stranger.StatusCode);
        Assert.NotNull(strangerPage.QuerySelector("#nip-error"));
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Contains("berhasil", ownPage.QuerySelector("h1")!.TextContent, StringComparison.Ordinal);
        var rows = await Store(world).ListAsync(cycleId);
        Assert.Equal(ParticipantStatus.Confirmed, Assert.Single(rows).Status);
        Assert.Equal("siti@kalteng.go.id", rows[0].Email);
    }

    [Fact]
    public async Task TheOpenFormNeverTakesOverAnInviteesRecordByEmail()
    {
        var (world, cycleId) = await OpenCycleAsync();
        await using var _ = world;
        await CycleApi.ImportCsvAsync(world.Organizer, cycleId, "email,nama\ndewi@kalteng.go.id,Dewi Lestari\n");
        var before = Assert.Single(await Store(world).ListAsync(cycleId));

        var (stranger, page) = await Forms.PostAsync(world.Http, $"api/cycles/{cycleId}/register", Forms.ValidRegistration(nip: Forms.Nip(7), email: "dewi@kalteng.go.id", name: "Orang Lain"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, stranger.StatusCode);
        Assert.NotNull(page.QuerySelector("#email-error"));
        var after = Assert.Single(await Store(world).ListAsync(cycleId));
        Assert.Equal((ParticipantStatus.Invited, "Dewi Lestari", (string?)null, (DateTimeOffset?)null), (after.Status, after.FullName, after.Nip, after.ConsentAt));
        Assert.Equal(before.ETag, after.ETag);
    }

    [Fact]
    public async Task AWithdrawnPersonsRowIsNotReusedByTheOpenForm()
    {
        var (world, cycleId) = await OpenCycleAsync();
        await using var _ = world;
        await Forms.PostAsync(world.Http, $"api/cycles/{cycleId}/register", Forms.ValidRegistration(nip: Forms.Nip(1), email: "a@example.org"));
        var a = Assert.Single(await Store(world).ListAsync(cycleId));
        await Forms.PostAsync(world.Http, ManageUrl(world, cycleId, a), new Dictionary<string, string> { ["action"] = "withdraw" });

        var (again, _) = await Forms.PostAsync(world.Http, $"api/cycles/{cycleId}/register", Forms.ValidRegistration(nip: Forms.Nip(1), email: "other@example.org", name: "Orang Lain"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, again.StatusCode);
        var row = Assert.Single(await Store(world).ListAsync(cycleId));
        Assert.Equal((ParticipantStatus.Withdrawn, "a@example.org"), (row.Status, row.Email));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AnInviteeWhoCorrectsAMistypedNipRegistersAtOnce(bool importedBeforeNipIndexRows)
    {
        var (world, cycleId) = await OpenCycleAsync();
        await using var _ = world;
        await CycleApi.ImportCsvAsync(world.Organizer, cycleId, $"email,nama,nip\nsiti@kalteng.go.id,Siti Rahmawati,{SitiNip}\n");
        var table = await world.Host.Services.GetRequiredService<AppTables>().GetAsync(AppTables.Participants);
        if (importedBeforeNipIndexRows)
        {
            // Invitees imported by the earlier code have no NIP index row: deleting it must not fail the registration.
            await table.DeleteEntityAsync(cycleId, ParticipantStore.NipIndexKey(cycleId, SitiNip));
        }

        var siti = Assert.Single(await Store(world).ListAsync(cycleId));
        var corrected = Forms.Nip(3);
        var started = DateTimeOffset.UtcNow;
        var (response, page) = await Forms.PostAsync(world.Http, InviteUrl(world, cycleId, siti), Forms.ValidRegistration(nip: corrected, email: "siti@kalteng.go.id", name: "Siti Rahmawati"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(DateTimeOffset.UtcNow - started < TimeSpan.FromSeconds(5), "the registration waited on retries");
        Assert.Contains("berhasil", page.QuerySelector("h1")!.TextContent, StringComparison.Ordinal);
        Assert.True((await table.GetEntityIfExistsAsync<IndexEntity>(cycleId, ParticipantStore.NipIndexKey(cycleId, corrected))).HasValue);
        Assert.False((await table.GetEntityIfExistsAsync<IndexEntity>(cycleId, ParticipantStore.NipIndexKey(cycleId, SitiNip))).HasValue);
    }

    [Fact]
    public async Task AnImportNeverTakesANipSomeoneAlreadyRegistered()
    {
        var (world, cycleId) = await OpenCycleAsync();
        await using var _ = world;
        await Forms.PostAsync(world.Http, $"api/cycles/{cycleId}/register", Forms.ValidRegistration(nip: SitiNip, email: "siti.pribadi@example.org"));

        var response = await world.Organizer.PostAsync($"api/cycles/{cycleId}/invitees", new StringContent($"email,nama,nip\nlain@kalteng.go.id,Orang Lain,{SitiNip}\n", System.Text.Encoding.UTF8, "text/csv"));
        var duplicate = await world.Organizer.PostAsync($"api/cycles/{cycleId}/invitees", new StringContent($"email,nama,nip\nx@kalteng.go.id,X,{Forms.Nip(5)}\ny@kalteng.go.id,Y,{Forms.Nip(5)}\n", System.Text.Encoding.UTF8, "text/csv"));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("nip_taken", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, duplicate.StatusCode);
        Assert.Single(await Store(world).ListAsync(cycleId));
    }

    [Fact]
    public async Task OpenFormRegistrationsHoldNoSeatUntilTheEmailIsConfirmed()
    {
        var (world, cycleId) = await OpenCycleAsync(capacity: 1, change: d => d.Remove("openRegistration"));
        await using var _ = world;
        var url = $"api/cycles/{cycleId}/register";

        // A bot fills the form ten times in a row: nothing is held.
        for (var i = 0; i < 10; i++)
        {
            var (bot, botPage) = await Forms.PostAsync(world.Http, url, Forms.ValidRegistration(nip: Forms.Nip(100 + i), email: $"bot{i}@example.org"));
            Assert.Equal(HttpStatusCode.Accepted, bot.StatusCode);
            Assert.Contains("Periksa email", botPage.QuerySelector("h1")!.TextContent, StringComparison.Ordinal);
        }

        var (real, _) = await Forms.PostAsync(world.Http, url, Forms.ValidRegistration(nip: Forms.Nip(1), email: "rina@kalteng.go.id", name: "Rina Wulandari"));
        Assert.Equal(HttpStatusCode.Accepted, real.StatusCode);
        var counts = world.Host.Services.GetRequiredService<CycleStore>();
        Assert.Equal(0, (await counts.CountsAsync(cycleId)).Confirmed);

        // Rina opens the link in her mail: a page with a button (mail scanners that follow links confirm nothing).
        var mail = await WaitForMailToAsync(world, "email-check", "rina@kalteng.go.id");
        var link = new Uri(LinkIn(mail.Text!));
        var (confirmGet, confirmPage) = await Forms.GetAsync(world.Http, link.PathAndQuery.TrimStart('/'));
        Assert.Equal(HttpStatusCode.OK, confirmGet.StatusCode);
        Assert.Equal(0, (await counts.CountsAsync(cycleId)).Confirmed);
        var (confirmed, confirmedPage) = await Forms.PostAsync(world.Http, link.PathAndQuery.TrimStart('/'), new Dictionary<string, string> { ["action"] = "confirm" });
        var (twice, _) = await Forms.PostAsync(world.Http, link.PathAndQuery.TrimStart('/'), new Dictionary<string, string> { ["action"] = "confirm" });

        Assert.NotNull(confirmPage.QuerySelector("button[value=confirm]"));
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        Assert.Contains("berhasil", confirmedPage.QuerySelector("h1")!.TextContent, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, twice.StatusCode);
        var c = await counts.CountsAsync(cycleId);
        Assert.Equal((1, 0), (c.Confirmed, c.Waitlisted));
        var rows = await Store(world).ListAsync(cycleId);
        Assert.Equal(10, rows.Count(p => p.Status == ParticipantStatus.Unconfirmed));
        Assert.Equal(ParticipantStatus.Confirmed, rows.Single(p => p.Email == "rina@kalteng.go.id").Status);
        await RegistrationTests.WaitForMailAsync(world, "confirmation");

        // A bot that does confirm later only queues behind her: the seat went in order of confirmation.
        var botMail = await WaitForMailToAsync(world, "email-check", "bot0@example.org");
        var (botConfirmed, botConfirmedPage) = await Forms.PostAsync(world.Http, new Uri(LinkIn(botMail.Text!)).PathAndQuery.TrimStart('/'), new Dictionary<string, string> { ["action"] = "confirm" });
        Assert.Equal(HttpStatusCode.OK, botConfirmed.StatusCode);
        Assert.Contains("daftar tunggu", botConfirmedPage.QuerySelector("h1")!.TextContent, StringComparison.Ordinal);
        Assert.Equal(ParticipantStatus.Confirmed, (await Store(world).ListAsync(cycleId)).Single(p => p.Email == "rina@kalteng.go.id").Status);
    }

    [Fact]
    public async Task UnconfirmedRegistrationsExpireOnADurableTimerAndFreeTheirNip()
    {
        var (world, cycleId) = await OpenCycleAsync(change: d => d["openRegistration"] = new JsonObject { ["confirmEmail"] = true, ["confirmWithinMinutes"] = 1 });
        await using var _ = world;
        var url = $"api/cycles/{cycleId}/register";
        await Forms.PostAsync(world.Http, url, Forms.ValidRegistration(nip: SitiNip, email: "typo@example.org"));
        var mail = await WaitForMailToAsync(world, "email-check", "typo@example.org");
        Assert.Single(await Store(world).ListAsync(cycleId));

        var deadline = DateTimeOffset.UtcNow.AddSeconds(120);
        while ((await Store(world).ListAsync(cycleId)).Count > 0 && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(500);
        }

        Assert.Empty(await Store(world).ListAsync(cycleId));
        var link = new Uri(LinkIn(mail.Text!)).PathAndQuery.TrimStart('/');
        var (late, _) = await Forms.PostAsync(world.Http, link, new Dictionary<string, string> { ["action"] = "confirm" });
        Assert.True(late.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.NotFound or HttpStatusCode.Gone, $"a late confirmation answered {(int)late.StatusCode}");
        var (again, _) = await Forms.PostAsync(world.Http, url, Forms.ValidRegistration(nip: SitiNip, email: "siti@kalteng.go.id"));
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        var audit = await world.Host.Services.GetRequiredService<AuditLog>().ReadAsync(cycleId);
        Assert.Contains(audit, e => e.Action == "registration.expired" && e.Actor == AuditLog.System);
    }

    [Fact]
    public async Task ACycleCanRestrictTheOpenFormToOfficialEmailDomains()
    {
        var (world, cycleId) = await OpenCycleAsync(change: d => d["openRegistration"] = new JsonObject { ["confirmEmail"] = false, ["allowedEmailDomains"] = new JsonArray("go.id") });
        await using var _ = world;
        var url = $"api/cycles/{cycleId}/register";

        var (gmail, gmailPage) = await Forms.PostAsync(world.Http, url, Forms.ValidRegistration(nip: Forms.Nip(1), email: "budi@gmail.com"));
        var (lookalike, _) = await Forms.PostAsync(world.Http, url, Forms.ValidRegistration(nip: Forms.Nip(2), email: "budi@notgo.id"));
        var (official, _) = await Forms.PostAsync(world.Http, url, Forms.ValidRegistration(nip: Forms.Nip(3), email: "budi@kalteng.go.id"));
        var bad = await world.Organizer.PostAsync("api/cycles", new StringContent(
            CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 3600).Also(d => d["openRegistration"] = new JsonObject { ["allowedEmailDomains"] = new JsonArray("@go.id") }).ToJsonString(),
            System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, gmail.StatusCode);
        Assert.Contains("go.id", gmailPage.QuerySelector("#email-error")!.TextContent, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, lookalike.StatusCode);
        Assert.Equal(HttpStatusCode.OK, official.StatusCode);
        Assert.Single(await Store(world).ListAsync(cycleId));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("openRegistration.allowedEmailDomains", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OrganizersWithdrawCorrectAndRemoveParticipantsEachAuditedWithTheirName()
    {
        var (world, cycleId) = await OpenCycleAsync(capacity: 1);
        await using var _ = world;
        var url = $"api/cycles/{cycleId}/register";
        await Forms.PostAsync(world.Http, url, Forms.ValidRegistration(nip: Forms.Nip(1), email: "first@example.org"));
        await Forms.PostAsync(world.Http, url, Forms.ValidRegistration(nip: Forms.Nip(2), email: "second@example.org"));
        await Forms.PostAsync(world.Http, url, Forms.ValidRegistration(nip: Forms.Nip(3), email: "third@example.org"));
        var rows = await Store(world).ListAsync(cycleId);
        string Id(string email) => rows.Single(p => p.Email == email).RowKey;
        var api = $"api/cycles/{cycleId}/participants";

        var anonymous = await world.Organizer.PostAsJsonAsync($"{api}/{Id("first@example.org")}/withdraw", new { reason = "tidak hadir" });
        var withdrawn = await world.Organizer.PostAsJsonAsync($"{api}/{Id("first@example.org")}/withdraw", new { actor = "Rina (panitia)", reason = "Mengundurkan diri lewat telepon" });
        var badCorrection = await world.Organizer.PatchAsJsonAsync($"{api}/{Id("second@example.org")}", new { actor = "Rina (panitia)", nip = "123" });
        var corrected = await world.Organizer.PatchAsJsonAsync($"{api}/{Id("second@example.org")}", new { actor = "Rina (panitia)", fullName = "Dr. Second Person, M.Si.", email = "second.new@example.org", reason = "salah ketik" });
        var removed = await world.Organizer.PostAsJsonAsync($"{api}/{Id("third@example.org")}/remove", new { actor = "Rina (panitia)", reason = "pendaftaran palsu" });
        var removedAgain = await world.Organizer.PostAsJsonAsync($"{api}/{Id("third@example.org")}/remove", new { actor = "Rina (panitia)" });
        var unauthenticated = await world.Http.PostAsJsonAsync($"{api}/{Id("second@example.org")}/remove", new { actor = "x" });

        Assert.Equal(HttpStatusCode.BadRequest, anonymous.StatusCode); // automation names the officer it acts for
        Assert.Equal(HttpStatusCode.OK, withdrawn.StatusCode);
        Assert.Equal(Id("second@example.org"), JsonDocument.Parse(await withdrawn.Content.ReadAsStringAsync()).RootElement.GetProperty("promoted").GetString());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badCorrection.StatusCode);
        Assert.Equal(HttpStatusCode.OK, corrected.StatusCode);
        Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, removedAgain.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);

        var after = await Store(world).ListAsync(cycleId);
        Assert.Equal(2, after.Count);
        Assert.Equal(ParticipantStatus.Withdrawn, after.Single(p => p.Email == "first@example.org").Status);
        var second = after.Single(p => p.Email == "second.new@example.org");
        Assert.Equal((ParticipantStatus.Confirmed, "Dr. Second Person, M.Si.", Forms.Nip(2), 1), (second.Status, second.FullName, second.Nip, second.TokenVersion));
        // The corrected address gets the new personal link (the old links were revoked with the version bump).
        var link = LinkIn((await WaitForMailToAsync(world, "personal-link", "second.new@example.org")).Text!);
        Assert.Contains("manage=", link, StringComparison.Ordinal);
        var counts = await world.Host.Services.GetRequiredService<CycleStore>().CountsAsync(cycleId);
        Assert.Equal((1, 0, 1), (counts.Confirmed, counts.Waitlisted, counts.Withdrawn));
        var audit = await world.Host.Services.GetRequiredService<AuditLog>().ReadAsync(cycleId);
        foreach (var action in new[] { "registration.withdrawn", "participant.corrected", "participant.removed" })
        {
            // Automation names the officer it acts for; the id stays the key's identity.
            Assert.Contains(audit, e => e.Action == action && e.Actor == "Rina (panitia)" && e.ActorId == TestWorld.OrganizerActorId);
        }

        await RegistrationTests.WaitForMailAsync(world, "promoted");
        // The NIP and email of the removed row are free again.
        var (reuse, _) = await Forms.PostAsync(world.Http, url, Forms.ValidRegistration(nip: Forms.Nip(3), email: "third@example.org"));
        Assert.Equal(HttpStatusCode.OK, reuse.StatusCode);
    }

    [Fact]
    public async Task OldLinksStopWorkingAfterWithdrawalAndAForwardedInvitationShowsNoNipOrPhone()
    {
        var (world, cycleId) = await OpenCycleAsync();
        await using var _ = world;
        await CycleApi.ImportCsvAsync(world.Organizer, cycleId, $"email,nama,nip,telepon\nsiti@kalteng.go.id,Siti Rahmawati,{SitiNip},0812-1111-2222\n");
        var siti = Assert.Single(await Store(world).ListAsync(cycleId));
        var invite = InviteUrl(world, cycleId, siti);

        var (_, invitePage) = await Forms.GetAsync(world.Http, invite);
        Assert.Equal("", invitePage.QuerySelector("#nip")!.GetAttribute("value"));
        Assert.Equal("", invitePage.QuerySelector("#phone")!.GetAttribute("value"));
        Assert.DoesNotContain(SitiNip, invitePage.Body!.InnerHtml, StringComparison.Ordinal);
        Assert.DoesNotContain("1111", invitePage.Body!.InnerHtml, StringComparison.Ordinal);

        await Forms.PostAsync(world.Http, invite, Forms.ValidRegistration(nip: SitiNip, email: "siti@kalteng.go.id", name: "Siti Rahmawati"));
        siti = Assert.Single(await Store(world).ListAsync(cycleId));
        var manage = ManageUrl(world, cycleId, siti);
        await Forms.PostAsync(world.Http, manage, new Dictionary<string, string> { ["action"] = "withdraw" });

        var (oldManage, oldManagePage) = await Forms.GetAsync(world.Http, manage);
        var (oldInvite, _) = await Forms.PostAsync(world.Http, invite, Forms.ValidRegistration(nip: SitiNip, email: "siti@kalteng.go.id"));
        Assert.Equal(HttpStatusCode.Forbidden, oldManage.StatusCode);
        Assert.DoesNotContain(SitiNip, oldManagePage.Body!.InnerHtml, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, oldInvite.StatusCode);
        Assert.Equal(ParticipantStatus.Withdrawn, Assert.Single(await Store(world).ListAsync(cycleId)).Status);

        // "Send my link again" mails a fresh link to the address on record — the same answer for an unknown address.
        var (known, knownPage) = await Forms.PostAsync(world.Http, $"api/cycles/{cycleId}/register", new Dictionary<string, string> { ["action"] = "resend", ["resend-email"] = "SITI@kalteng.go.id" });
        var (unknown, unknownPage) = await Forms.PostAsync(world.Http, $"api/cycles/{cycleId}/register", new Dictionary<string, string> { ["action"] = "resend", ["resend-email"] = "nobody@kalteng.go.id" });
        Assert.Equal(HttpStatusCode.OK, known.StatusCode);
        Assert.Equal(knownPage.Body!.TextContent, unknownPage.Body!.TextContent);
        var mail = await WaitForMailToAsync(world, "personal-link", "siti@kalteng.go.id");
        var (repeat, _) = await Forms.PostAsync(world.Http, $"api/cycles/{cycleId}/register", new Dictionary<string, string> { ["action"] = "resend", ["resend-email"] = "siti@kalteng.go.id" });
        Assert.Equal(HttpStatusCode.OK, repeat.StatusCode);
        await Task.Delay(1500);
        Assert.Single(world.Host.Outbox.Deliveries, d => d.To == "siti@kalteng.go.id" && d.CustomArgs.GetValueOrDefault("k") == "personal-link");
        var fresh = new Uri(LinkIn(mail.Text!)).PathAndQuery.TrimStart('/');
        var (reRegistered, page) = await Forms.PostAsync(world.Http, fresh, Forms.ValidRegistration(nip: SitiNip, email: "siti@kalteng.go.id", name: "Siti Rahmawati"));
        Assert.Equal(HttpStatusCode.OK, reRegistered.StatusCode);
        Assert.Contains("berhasil", page.QuerySelector("h1")!.TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain(world.Host.Outbox.Deliveries, d => d.To == "nobody@kalteng.go.id");
    }

    [Fact]
    public async Task AnInviteeOfAnInviteOnlyCycleWhoLostTheMailAsksForTheLinkAgain()
    {
        var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        await using var _ = world;
        var cycleId = (await CycleApi.CreateAsync(world.Organizer, CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 3600, inviteOnly: true))).GetProperty("cycleId").GetString()!;
        await CycleApi.ImportCsvAsync(world.Organizer, cycleId, "email,nama\nrina@kalteng.go.id,Rina Wulandari\n");

        var (refused, page) = await Forms.GetAsync(world.Http, $"api/cycles/{cycleId}/register");
        var (asked, _) = await Forms.PostAsync(world.Http, $"api/cycles/{cycleId}/register", new Dictionary<string, string> { ["action"] = "resend", ["resend-email"] = "rina@kalteng.go.id" });

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.NotNull(page.QuerySelector("#resend-email"));
        Assert.Equal(HttpStatusCode.OK, asked.StatusCode);
        var mail = await WaitForMailToAsync(world, "personal-link", "rina@kalteng.go.id");
        Assert.Contains("invite=", LinkIn(mail.Text!), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NamesLoseBidirectionalControlsBeforeTheyAreStoredOrShown()
    {
        var (world, cycleId) = await OpenCycleAsync();
        await using var _ = world;

        var (response, _) = await Forms.PostAsync(world.Http, $"api/cycles/{cycleId}/register", Forms.ValidRegistration(name: "Ahmad \u202Egnp.exe\u202C\u200B"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var row = Assert.Single(await Store(world).ListAsync(cycleId));
        Assert.Equal("Ahmad gnp.exe", row.FullName);
        var list = await world.Organizer.GetStringAsync($"api/cycles/{cycleId}/participants");
        Assert.DoesNotContain("\\u202E", list, StringComparison.OrdinalIgnoreCase);

        // Imported names too.
        await CycleApi.ImportCsvAsync(world.Organizer, cycleId, "email,nama\nimpor@example.org,Budi \u202Efdp.exe\n");
        Assert.Equal("Budi fdp.exe", (await Store(world).ListAsync(cycleId)).Single(p => p.Email == "impor@example.org").FullName);
    }

    [Fact]
    public async Task TheCsvExportKeepsEighteenDigitNipsAsText()
    {
        var (world, cycleId) = await OpenCycleAsync();
        await using var _ = world;
        await Forms.PostAsync(world.Http, $"api/cycles/{cycleId}/register", Forms.ValidRegistration(nip: SitiNip));

        var csv = await world.Organizer.GetStringAsync($"api/cycles/{cycleId}/participants?format=csv");

        Assert.Contains($"\"=\"\"{SitiNip}\"\"\"", csv, StringComparison.Ordinal);
        Assert.DoesNotContain($",{SitiNip},", csv, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Ahmad \u202Egnp.exe", "Ahmad gnp.exe")]
    [InlineData("\u2066Siti\u2069 \u200BAminah\uFEFF", "Siti Aminah")]
    [InlineData("  Budi\r\n\tSantoso  ", "Budi Santoso")]
    [InlineData("Dewi \uD83D\uDC69\uD83C\uDFFD", "Dewi \uD83D\uDC69\uD83C\uDFFD")]
    [InlineData("Cafe\u0301", "Caf\u00E9")]
    public void PlainTextDropsInvisibleAndControlCharacters(string input, string expected) => Assert.Equal(expected, PlainText.Line(input));

    [Fact]
    public void PlainTextDropsLoneSurrogatesAndNoncharacters() =>
        // Built in code: attribute strings cannot hold a lone surrogate (it becomes U+FFFD in metadata).
        Assert.Equal("lone surrogate", PlainText.Line("lone " + '\uD800' + " surrogate " + '\uFFFF' + '\uDC00'));

    [Fact]
    public void PlainTextIsBoundedWithoutSplittingASurrogatePair() =>
        Assert.Equal("ab", PlainText.Line("ab\uD83D\uDC69", 3));

    [Fact]
    public void LinksSignedWithThePreviousKeyStillVerifyAndUnknownKeysDoNot()
    {
        static Tokens With(string key, string? previous = null) => new(Microsoft.Extensions.Options.Options.Create(new TrainingCyclesOptions { TokenSigningKey = key, TokenSigningKeyPrevious = previous }), TimeProvider.System);
        var oldKey = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
        var newKey = Convert.ToBase64String(Enumerable.Range(101, 32).Select(i => (byte)i).ToArray());
        var issuedBefore = With(oldKey).Create(TokenPurpose.Manage, "c1", "p1", DateTimeOffset.UtcNow.AddDays(1), version: 3);

        var rotated = With(newKey, previous: oldKey);
        var issuedAfter = rotated.Create(TokenPurpose.Manage, "c1", "p1", DateTimeOffset.UtcNow.AddDays(1));

        Assert.Equal(TokenProblem.None, rotated.Validate(issuedBefore, TokenPurpose.Manage, out var claims));
        Assert.Equal(3, claims!.Version);
        Assert.Equal(TokenProblem.None, rotated.Validate(issuedAfter, TokenPurpose.Manage, out _));
        Assert.NotEqual(With(oldKey).CurrentKeyId, rotated.CurrentKeyId);
        // Once the old key is retired, what it signed stops working; the new key's links go on.
        Assert.Equal(TokenProblem.BadSignature, With(newKey).Validate(issuedBefore, TokenPurpose.Manage, out _));
        Assert.Equal(TokenProblem.None, With(newKey).Validate(issuedAfter, TokenPurpose.Manage, out _));
    }

    [Fact]
    public void DownloadLinksInMailLastWeeksNotAYear() =>
        Assert.InRange(TrainingCycles.Reminders.MailComposer.DownloadLinkLifetime, TimeSpan.FromDays(7), TimeSpan.FromDays(31));

    private static string LinkIn(string text) => LinkPattern().Match(text).Value;

    [GeneratedRegex(@"https?://\S+/api/cycles/\S+")]
    private static partial Regex LinkPattern();

    private static async Task<TrainingCycles.DevHost.MailSink.Delivery> WaitForMailToAsync(TestWorld world, string kind, string to)
    {
        for (var i = 0; i < 200; i++)
        {
            if (world.Host.Outbox.Deliveries.LastOrDefault(d => d.CustomArgs.GetValueOrDefault("k") == kind && d.To == to) is { } delivery)
            {
                return delivery;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"no '{kind}' mail to {to} arrived; the outbox holds: " +
            string.Join(", ", world.Host.Outbox.Deliveries.Select(d => d.CustomArgs.GetValueOrDefault("k") + " → " + d.To)));
    }
}

internal static class JsonObjectExtensions
{
    public static JsonObject Also(this JsonObject value, Action<JsonObject> change)
    {
        change(value);
        return value;
    }
}
