using System.Net;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using TrainingCycles.Cycles;
using TrainingCycles.DevHost;
using TrainingCycles.Infrastructure;
using TrainingCycles.Registration;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Registration;

public sealed class RegistrationTests
{
    private static async Task<(TestWorld World, string CycleId)> OpenCycleAsync(int capacity = 50, bool inviteOnly = false, IDictionary<string, string?>? settings = null)
    {
        var world = await TestWorld.StartAsync(DurableBackend.InMemory, settings);
        var created = await CycleApi.CreateAsync(world.Organizer, CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, capacity: capacity, closeAfterSeconds: 3600, inviteOnly: inviteOnly));
        return (world, created.GetProperty("cycleId").GetString()!);
    }

    [Fact]
    public async Task FormShowsTheTrainingAndHasALabelForEveryInput()
    {
        var (world, cycleId) = await OpenCycleAsync(capacity: 30);
        await using var _ = world;

        var (response, page) = await Forms.GetAsync(world.Http, $"api/cycles/{cycleId}/register");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("id", page.DocumentElement.GetAttribute("lang"));
        Assert.Contains("Pelatihan Dasar Pekerjaan Sosial", page.QuerySelector("h1")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("30", page.QuerySelector("dl.facts")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("WIB", page.QuerySelector("dl.facts")!.TextContent, StringComparison.Ordinal);
        foreach (var input in page.QuerySelectorAll("form input:not([type=hidden]):not([name=website]), form select"))
        {
            Assert.NotNull(page.QuerySelector($"label[for='{input.Id}']"));
        }

        Assert.Equal(14, page.QuerySelectorAll("#regency option").Length - 1);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Contains("frame-ancestors 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnglishViaQueryOrAcceptLanguage()
    {
        var (world, cycleId) = await OpenCycleAsync();
        await using var _ = world;

        var (_, byQuery) = await Forms.GetAsync(world.Http, $"api/cycles/{cycleId}/register?lang=en");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/cycles/{cycleId}/register");
        request.Headers.AcceptLanguage.ParseAdd("en-US,en;q=0.9");
        var byHeader = Forms.Parse(await (await world.Http.SendAsync(request)).Content.ReadAsStringAsync());

        Assert.Equal("en", byQuery.DocumentElement.GetAttribute("lang"));
        Assert.Contains("Registration form", byQuery.Body!.TextContent, StringComparison.Ordinal);
        Assert.Equal("en", byHeader.DocumentElement.GetAttribute("lang"));
    }

    [Fact]
    public async Task BadInputIsShownAgainWithEveryErrorAndTheEnteredValuesEncoded()
    {
        var (world, cycleId) = await OpenCycleAsync();
        await using var _ = world;
        var fields = Forms.ValidRegistration(nip: "19851312201001200", email: "not-an-email", name: "<script>alert(1)</script> Budi");
        fields["phone"] = "021-5551234";
        fields.Remove("consent");

        var (response, page) = await Forms.PostAsync(world.Http, $"api/cycles/{cycleId}/register", fields);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        foreach (var field in new[] { "nip", "email", "phone", "consent" })
        {
            Assert.NotNull(page.QuerySelector($"#{field}-error"));
        }

        Assert.Equal("true", page.QuerySelector("#nip")!.GetAttribute("aria-invalid"));
        Assert.Contains("nip-error", page.QuerySelector("#nip")!.GetAttribute("aria-describedby"), StringComparison.Ordinal);
        Assert.Equal("<script>alert(1)</script> Budi", page.QuerySelector("#fullName")!.GetAttribute("value"));
        Assert.Empty(page.QuerySelectorAll("main script"));
        Assert.Equal(0, (await CountsAsync(world, cycleId)).Confirmed);
    }

    [Fact]
    public async Task SuccessShowsARegistrationNumberAndSendsAConfirmationWithACalendar()
    {
        var (world, cycleId) = await OpenCycleAsync();
        await using var _ = world;

        var (response, page) = await Forms.PostAsync(world.Http, $"api/cycles/{cycleId}/register", Forms.ValidRegistration());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var number = page.QuerySelector("#registration-number")!.TextContent;
        Assert.Matches("^[A-Z0-9]{4}-0001$", number);
        var participant = Assert.Single(await world.Host.Services.GetRequiredService<ParticipantStore>().ListAsync(cycleId));
        Assert.Equal(ParticipantStatus.Confirmed, participant.Status);
        Assert.Equal("+6281234567890", participant.Phone);
        Assert.Equal("198503122010012005", participant.Nip);

        var mail = await WaitForMailAsync(world, "confirmation");
        Assert.Equal("siti.aminah@example.org", mail.To);
        Assert.Contains(number, mail.Subject, StringComparison.Ordinal);
        Assert.Equal(["jadwal-pelatihan.ics"], mail.AttachmentNames);
        Assert.Contains("Dr. Siti Aminah", mail.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(mail.CustomArgs.Values, v => v.Contains('@', StringComparison.Ordinal) || v.Contains("1985", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RegisteringTwiceWithTheSameNipNeverDuplicatesAndOnlyThePersonalLinkChangesIt()
    {
        var (world, cycleId) = await OpenCycleAsync();
        await using var _ = world;
        var fields = Forms.ValidRegistration();

        await Forms.PostAsync(world.Http, $"api/cycles/{cycleId}/register", fields);
        fields["position"] = "Pekerja Sosial Ahli Muda";
        fields["nip"] = "19850312 201001 2 005";
        var (again, page) = await Forms.PostAsync(world.Http, $"api/cycles/{cycleId}/register", fields);
        var store = world.Host.Services.GetRequiredService<ParticipantStore>();
        var participant = Assert.Single(await store.ListAsync(cycleId));
        var token = world.Host.Services.GetRequiredService<Tokens>().Create(TokenPurpose.Manage, cycleId, participant.RowKey, DateTimeOffset.UtcNow.AddDays(1));
        var (changed, _) = await Forms.PostAsync(world.Http, $"api/cycles/{cycleId}/register?manage={Uri.EscapeDataString(token)}", fields);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, again.StatusCode);
        Assert.NotNull(page.QuerySelector("#nip-error"));
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        participant = Assert.Single(await store.ListAsync(cycleId));
        Assert.Equal("Pekerja Sosial Ahli Muda", participant.Position);
        Assert.Equal(1, (await CountsAsync(world, cycleId)).Confirmed);
    }

    [Fact]
    public async Task ConcurrentRegistrationsNeverOverfillTheTrainingAndTheRestAreWaitlisted()
    {
        var (world, cycleId) = await OpenCycleAsync(capacity: 5, settings: new Dictionary<string, string?> { ["TrainingCycles__FormPostsPerMinute"] = "1000" });
        await using var _ = world;

        var responses = await Task.WhenAll(Enumerable.Range(0, 24).Select(i =>
            Forms.PostAsync(world.Http, $"api/cycles/{cycleId}/register", Forms.ValidRegistration(nip: Forms.Nip(i), email: $"p{i}@example.org"))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.Response.StatusCode));
        var rows = await world.Host.Services.GetRequiredService<ParticipantStore>().ListAsync(cycleId);
        var counts = await CountsAsync(world, cycleId);
        Assert.Equal(5, rows.Count(p => p.Status == ParticipantStatus.Confirmed));
        Assert.Equal(19, rows.Count(p => p.Status == ParticipantStatus.Waitlisted));
        Assert.Equal((5, 19), (counts.Confirmed, counts.Waitlisted));
        Assert.Equal(24, rows.Select(p => p.RegistrationNumber).Distinct().Count());
    }

    [Fact]
    public async Task GroupedCommitsKeepNumbersGapFreeAndLetEachNipAndEmailRegisterOnce()
    {
        // 40 people at once, and 10 more posts that reuse one of their NIPs or emails: the group commit must take
        // the colliding ones out of the transaction, not fail everyone in it, and must not burn numbers on them.
        var (world, cycleId) = await OpenCycleAsync(capacity: 25, settings: new Dictionary<string, string?> { ["TrainingCycles__FormPostsPerMinute"] = "1000" });
        await using var _ = world;
        var posts = Enumerable.Range(0, 40).Select(i => Forms.ValidRegistration(nip: Forms.Nip(i), email: $"p{i}@example.org"))
            .Concat(Enumerable.Range(0, 5).Select(i => Forms.ValidRegistration(nip: Forms.Nip(i * 7), email: $"other{i}@example.org")))
            .Concat(Enumerable.Range(0, 5).Select(i => Forms.ValidRegistration(nip: Forms.Nip(100 + i), email: $"p{(i * 7) + 1}@example.org")))
            .ToList();

        var responses = await Task.WhenAll(posts.Select(f => Forms.PostAsync(world.Http, $"api/cycles/{cycleId}/register", f)));

        var rows = (await world.Host.Services.GetRequiredService<ParticipantStore>().ListAsync(cycleId)).Where(p => p.Status != ParticipantStatus.Invited).ToList();
        Assert.Equal(40, rows.Count);
        Assert.Equal(40, responses.Count(r => r.Response.StatusCode == HttpStatusCode.OK));
        Assert.Equal(10, responses.Count(r => r.Response.StatusCode == HttpStatusCode.UnprocessableEntity && (r.Page.QuerySelector("#nip-error") ?? r.Page.QuerySelector("#email-error")) is not null));
        Assert.Equal(40, rows.Select(p => p.Nip).Distinct().Count());
        Assert.Equal(40, rows.Select(p => p.Email).Distinct().Count());
        Assert.Equal(
            Enumerable.Range(1, 40).Select(i => ParticipantStore.RegistrationNumber(cycleId, i)).Order(StringComparer.Ordinal),
            rows.Select(p => p.RegistrationNumber!).Order(StringComparer.Ordinal));
        Assert.Equal(25, rows.Count(p => p.Status == ParticipantStatus.Confirmed));
        Assert.Equal(Enumerable.Range(1, 15).Select(i => (long)i), rows.Where(p => p.Status == ParticipantStatus.Waitlisted).Select(p => p.WaitlistSeq).Order());
        var counts = await CountsAsync(world, cycleId);
        Assert.Equal((25, 15), (counts.Confirmed, counts.Waitlisted));
        var audit = await world.Host.Services.GetRequiredService<AuditLog>().ReadAsync(cycleId);
        Assert.Equal(40, audit.Count(a => a.Action is "registration.confirmed" or "registration.waitlisted"));
    }

    [Fact]
    public async Task GroupedCommitsRebuildFromAFreshReadWhenTheCountersChangeElsewhere()
    {
        // Invitee imports write the same counters row (Invited) while registrations are being grouped: the group's
        // transaction must fail on the counters ETag and be rebuilt, never overwrite the import's count.
        var (world, cycleId) = await OpenCycleAsync(capacity: 20, settings: new Dictionary<string, string?> { ["TrainingCycles__FormPostsPerMinute"] = "1000" });
        await using var _ = world;

        var registering = Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            Forms.PostAsync(world.Http, $"api/cycles/{cycleId}/register", Forms.ValidRegistration(nip: Forms.Nip(i), email: $"reg{i}@example.org"))));
        var importing = Task.WhenAll(Enumerable.Range(0, 4).Select(i =>
            CycleApi.ImportCsvAsync(world.Organizer, cycleId, CycleApi.InviteesCsv(30, domain: $"import{i}.example.org"))));
        var responses = await registering;
        await importing;

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.Response.StatusCode));
        var rows = await world.Host.Services.GetRequiredService<ParticipantStore>().ListAsync(cycleId);
        var counts = await CountsAsync(world, cycleId);
        Assert.Equal(rows.Count(p => p.Status == ParticipantStatus.Confirmed), counts.Confirmed);
        Assert.Equal(rows.Count(p => p.Status == ParticipantStatus.Waitlisted), counts.Waitlisted);
        Assert.Equal((20, 20), (counts.Confirmed, counts.Waitlisted));
        Assert.Equal(120, rows.Count(p => p.Invited));
        Assert.Equal(120, counts.Invited);
    }

    [Fact]
    public async Task TwoRequestsForTheLastSeatGiveItToExactlyOne()
    {
        var (world, cycleId) = await OpenCycleAsync(capacity: 1);
        await using var _ = world;

        var both = await Task.WhenAll(
            Forms.PostAsync(world.Http, $"api/cycles/{cycleId}/register", Forms.ValidRegistration(nip: Forms.Nip(1), email: "a@example.org")),
            Forms.PostAsync(world.Http, $"api/cycles/{cycleId}/register", Forms.ValidRegistration(nip: Forms.Nip(2), email: "b@example.org")));

        var rows = await world.Host.Services.GetRequiredService<ParticipantStore>().ListAsync(cycleId);
        Assert.Single(rows, p => p.Status == ParticipantStatus.Confirmed);
        Assert.Single(rows, p => p.Status == ParticipantStatus.Waitlisted);
        Assert.Single(both, b => b.Page.QuerySelector("h1")!.TextContent.Contains("daftar tunggu", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WithdrawingThroughTheManageLinkPromotesTheFirstOnTheWaitlistWhoIsEmailed()
    {
        var (world, cycleId) = await OpenCycleAsync(capacity: 1);
        await using var _ = world;
        await Forms.PostAsync(world.Http, $"api/cycles/{cycleId}/register", Forms.ValidRegistration(nip: Forms.Nip(1), email: "first@example.org"));
        await Forms.PostAsync(world.Http, $"api/cycles/{cycleId}/register", Forms.ValidRegistration(nip: Forms.Nip(2), email: "second@example.org"));
        await Forms.PostAsync(world.Http, $"api/cycles/{cycleId}/register", Forms.ValidRegistration(nip: Forms.Nip(3), email: "third@example.org"));
        var store = world.Host.Services.GetRequiredService<ParticipantStore>();
        var first = (await store.ListAsync(cycleId)).Single(p => p.Email == "first@example.org");
        var token = world.Host.Services.GetRequiredService<Tokens>().Create(TokenPurpose.Manage, cycleId, first.RowKey, DateTimeOffset.UtcNow.AddDays(1));

        var (manage, managePage) = await Forms.GetAsync(world.Http, $"api/cycles/{cycleId}/register?manage={Uri.EscapeDataString(token)}");
        var (withdraw, _) = await Forms.PostAsync(world.Http, $"api/cycles/{cycleId}/register?manage={Uri.EscapeDataString(token)}", new Dictionary<string, string> { ["action"] = "withdraw" });

        Assert.Equal(HttpStatusCode.OK, manage.StatusCode);
        Assert.Contains(first.RegistrationNumber!, managePage.Body!.TextContent, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, withdraw.StatusCode);
        var rows = await store.ListAsync(cycleId);
        Assert.Equal(ParticipantStatus.Withdrawn, rows.Single(p => p.Email == "first@example.org").Status);
        Assert.Equal(ParticipantStatus.Confirmed, rows.Single(p => p.Email == "second@example.org").Status);
        Assert.Equal(ParticipantStatus.Waitlisted, rows.Single(p => p.Email == "third@example.org").Status);
        var promoted = await WaitForMailAsync(world, "promoted");
        Assert.Equal("second@example.org", promoted.To);
        var counts = await CountsAsync(world, cycleId);
        Assert.Equal((1, 1, 1), (counts.Confirmed, counts.Waitlisted, counts.Withdrawn));
    }

    [Fact]
    public async Task InviteOnlyCycleRefusesWithoutAnInviteAndPrefillsWithOne()
    {
        var (world, cycleId) = await OpenCycleAsync(inviteOnly: true);
        await using var _ = world;
        await CycleApi.ImportCsvAsync(world.Organizer, cycleId, "email,nama,nip,instansi\nbudi@example.org,Budi Santoso S.Sos.,198503122010011005,Dinas Sosial Kota Palangka Raya\n");
        var invitee = Assert.Single(await world.Host.Services.GetRequiredService<ParticipantStore>().ListAsync(cycleId));
        var token = world.Host.Services.GetRequiredService<Tokens>().Create(TokenPurpose.Invite, cycleId, invitee.RowKey, DateTimeOffset.UtcNow.AddDays(1));

        var (refused, _) = await Forms.GetAsync(world.Http, $"api/cycles/{cycleId}/register");
        var (postRefused, _) = await Forms.PostAsync(world.Http, $"api/cycles/{cycleId}/register", Forms.ValidRegistration());
        var (ok, page) = await Forms.GetAsync(world.Http, $"api/cycles/{cycleId}/register?invite={Uri.EscapeDataString(token)}");
        var (tampered, _) = await Forms.GetAsync(world.Http, $"api/cycles/{cycleId}/register?invite={Uri.EscapeDataString(token[..^2] + (token[^2] == 'A' ? "B" : "A") + token[^1])}");

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, postRefused.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, tampered.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("budi@example.org", page.QuerySelector("#email")!.GetAttribute("value"));
        Assert.Equal("Budi Santoso S.Sos.", page.QuerySelector("#fullName")!.GetAttribute("value"));
        Assert.Equal(0, (await CountsAsync(world, cycleId)).Confirmed);
    }

    [Fact]
    public async Task ClosedAndCancelledCyclesSaySoAndChangeNothing()
    {
        var (world, cycleId) = await OpenCycleAsync();
        await using var _ = world;

        Assert.Equal(HttpStatusCode.Accepted, (await CycleApi.CommandAsync(world.Organizer, cycleId, "close-registration")).StatusCode);
        var (closedGet, closedPage) = await Forms.GetAsync(world.Http, $"api/cycles/{cycleId}/register");
        var (closedPost, _) = await Forms.PostAsync(world.Http, $"api/cycles/{cycleId}/register", Forms.ValidRegistration());
        Assert.Equal(HttpStatusCode.Accepted, (await CycleApi.CommandAsync(world.Organizer, cycleId, "cancel", new { reason = "Banjir" })).StatusCode);
        var (cancelled, cancelledPage) = await Forms.GetAsync(world.Http, $"api/cycles/{cycleId}/register");

        Assert.Equal(HttpStatusCode.OK, closedGet.StatusCode);
        Assert.Contains("ditutup", closedPage.QuerySelector("h1")!.TextContent, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, closedPost.StatusCode);
        Assert.Equal(HttpStatusCode.Gone, cancelled.StatusCode);
        Assert.Contains("Banjir", cancelledPage.Body!.TextContent, StringComparison.Ordinal);
        Assert.Equal(0, (await CountsAsync(world, cycleId)).Confirmed);
    }

    [Fact]
    public async Task HoneypotRateLimitAndOversizeBodiesAreRefusedWithAPageNotA500()
    {
        var (world, cycleId) = await OpenCycleAsync(settings: new Dictionary<string, string?> { ["TrainingCycles__FormPostsPerMinute"] = "3" });
        await using var _ = world;
        var url = $"api/cycles/{cycleId}/register";
        var bot = Forms.ValidRegistration();
        bot["website"] = "http://spam.example";

        var (honeypot, _) = await Forms.PostAsync(world.Http, url, bot);
        var big = await world.Http.PostAsync(url, new FormUrlEncodedContent(new Dictionary<string, string> { ["fullName"] = new string('a', 40_000) }));
        var (typo, _) = await Forms.PostAsync(world.Http, url, Forms.ValidRegistration(nip: "123"));
        for (var i = 0; i < 3; i++)
        {
            var (accepted, _) = await Forms.PostAsync(world.Http, url, Forms.ValidRegistration(nip: Forms.Nip(i), email: $"p{i}@example.org"));
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }

        var (limited, limitedPage) = await Forms.PostAsync(world.Http, url, Forms.ValidRegistration(nip: Forms.Nip(9), email: "late@example.org", name: "Rina Wulandari, S.Sos."));

        Assert.Equal(HttpStatusCode.BadRequest, honeypot.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, big.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, typo.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("60", limited.Headers.RetryAfter?.ToString());
        Assert.NotNull(limitedPage.QuerySelector("h1"));
        // The refusal keeps what the person typed (acceptance run #16, finding 2), so they can send it again.
        Assert.NotNull(limitedPage.QuerySelector("#notice"));
        Assert.Equal("Rina Wulandari, S.Sos.", limitedPage.QuerySelector("#fullName")!.GetAttribute("value"));
        Assert.Equal("late@example.org", limitedPage.QuerySelector("#email")!.GetAttribute("value"));
        Assert.Equal(Forms.Nip(9), limitedPage.QuerySelector("#nip")!.GetAttribute("value"));
        Assert.Equal(3, (await CountsAsync(world, cycleId)).Confirmed);
    }

    [Fact]
    public async Task UnknownCycleGetsA404Page()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);

        var (response, page) = await Forms.GetAsync(world.Http, "api/cycles/cnotarealcycle/register");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.NotNull(page.QuerySelector("h1"));
    }

    private static Task<CycleCounts> CountsAsync(TestWorld world, string cycleId) => world.Host.Services.GetRequiredService<CycleStore>().CountsAsync(cycleId);

    public static async Task<TrainingCycles.DevHost.MailSink.Delivery> WaitForMailAsync(TestWorld world, string kind, int count = 1)
    {
        for (var i = 0; i < 200; i++)
        {
            var matching = world.Host.Outbox.Deliveries.Where(d => d.CustomArgs.GetValueOrDefault("k") == kind).ToList();
            if (matching.Count >= count)
            {
                return matching[^1];
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"no '{kind}' mail arrived");
    }
}
