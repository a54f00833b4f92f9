using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using TrainingCycles.Attendance;
using TrainingCycles.Cycles;
using TrainingCycles.DevHost;
using TrainingCycles.Infrastructure;
using TrainingCycles.Registration;
using TrainingCycles.Reminders;
using TrainingCycles.Tests.Certificates;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Dashboard;

/// <summary>The dashboard's own endpoints without a browser: the shell and assets, the timeline, the figures.</summary>
public sealed class DashboardApiTests
{
    [Fact]
    public async Task ShellIsAnonymousWithAStrictPolicyAndItsAssetsAreCachedByHash()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);

        var shell = await world.Http.GetAsync("api/dashboard");
        var html = await shell.Content.ReadAsStringAsync();
        var csp = string.Join(' ', shell.Headers.GetValues("Content-Security-Policy"));
        var script = System.Text.RegularExpressions.Regex.Match(html, "src=\"(/api/dashboard/app\\.js\\?v=[0-9a-f]{16})\"").Groups[1].Value;
        var js = await world.Http.GetAsync(script.TrimStart('/'));
        var etag = js.Headers.ETag!;
        using var again = new HttpRequestMessage(HttpMethod.Get, "api/dashboard/app.js");
        again.Headers.IfNoneMatch.Add(etag);
        var revalidated = await world.Http.SendAsync(again);
        var css = await world.Http.GetAsync("api/dashboard/app.css");

        Assert.Equal(HttpStatusCode.OK, shell.StatusCode);
        Assert.Equal("text/html", shell.Content.Headers.ContentType!.MediaType);
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("connect-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal); // no inline script at all
        Assert.True(shell.Headers.CacheControl!.NoStore);
        Assert.Equal(HttpStatusCode.OK, js.StatusCode);
        Assert.Equal("text/javascript", js.Content.Headers.ContentType!.MediaType);
        Assert.Contains("immutable", js.Headers.CacheControl!.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotModified, revalidated.StatusCode);
        Assert.Equal("text/css", css.Content.Headers.ContentType!.MediaType);
        Assert.True(css.Headers.CacheControl!.NoCache); // no version asked for: revalidate
    }

    [Fact]
    public async Task TimelineNeedsTheKeyAndMergesTheLogsInTimeOrder()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var cycleId = (await CycleApi.CreateAsync(world.Organizer, CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 3600))).GetProperty("cycleId").GetString()!;
        await CycleApi.WaitForPhaseAsync(world.Organizer, cycleId, "RegistrationOpen");
        await CycleApi.ImportCsvAsync(world.Organizer, cycleId, "email,nama\nsiti.aminah@example.org,Siti Aminah\n");
        var (registered, _) = await Forms.PostAsync(world.Http, await Forms.InviteUrlAsync(world, cycleId, "siti.aminah@example.org"), Forms.ValidRegistration());
        Assert.Equal(HttpStatusCode.OK, registered.StatusCode);
        var services = world.Host.Services;
        var participant = Assert.Single(await services.GetRequiredService<ParticipantStore>().ListAsync(cycleId));
        var id = participant.RowKey;
        var tables = services.GetRequiredService<AppTables>();
        var later = DateTimeOffset.UtcNow.AddMinutes(5);
        // A SendGrid event and a self check-in, later than everything else, written out of order.
        await services.GetRequiredService<AttendanceStore>().TryAddAsync(new AttendanceEntity
        {
            PartitionKey = cycleId, RowKey = AttendanceStore.Key("s1", id), SessionId = "s1", ParticipantId = id,
            Status = AttendanceStatus.Late, CheckedInAt = later.AddMinutes(2), Source = AttendanceSource.Self, MarkedAt = later.AddMinutes(2),
        });
        await (await tables.GetAsync(AppTables.EmailEvents)).AddEntityAsync(new EmailEventEntity
        {
            PartitionKey = cycleId, RowKey = "sg-event-1", ParticipantId = id, Kind = MailKinds.Confirmation, Event = "delivered", At = later,
        });
        await (await tables.GetAsync(AppTables.EmailEvents)).AddEntityAsync(new EmailEventEntity
        {
            PartitionKey = cycleId, RowKey = "sg-event-other", ParticipantId = "p" + new string('z', 20), Kind = MailKinds.Confirmation, Event = "bounce", At = later,
        });

        var anonymous = await world.Http.GetAsync($"api/cycles/{cycleId}/participants/{id}/timeline");
        var timeline = await world.Organizer.GetFromJsonAsync<JsonElement>($"api/cycles/{cycleId}/participants/{id}/timeline");
        var unknown = await world.Organizer.GetAsync($"api/cycles/{cycleId}/participants/p{new string('y', 20)}/timeline");
        var malformed = await world.Organizer.GetAsync($"api/cycles/{cycleId}/participants/..%2F..%2Fx/timeline");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, malformed.StatusCode);
        var entries = timeline.GetProperty("entries").EnumerateArray().ToList();
        var times = entries.Select(e => e.GetProperty("at").GetDateTimeOffset()).ToList();
        Assert.Equal(times.Order(), times);
        var kinds = entries.Select(e => e.GetProperty("kind").GetString()!).ToList();
        Assert.Equal(
            ["participant.invited", "registration.confirmed", "email.delivered", "attendance.checked-in"],
            kinds.Where(k => k is "participant.invited" or "registration.confirmed" or "email.delivered" or "attendance.checked-in" or "email.bounce"));
        var checkIn = entries.Single(e => e.GetProperty("kind").GetString() == "attendance.checked-in");
        Assert.Equal("Hari 1", checkIn.GetProperty("sessionTitle").GetString());
        Assert.Equal("confirmation", entries.Single(e => e.GetProperty("kind").GetString() == "email.delivered").GetProperty("mailKind").GetString());
        Assert.Contains("Siti Aminah", timeline.GetProperty("participant").GetProperty("fullName").GetString()!, StringComparison.Ordinal);
        var completion = timeline.GetProperty("completion");
        Assert.False(completion.GetProperty("decided").GetBoolean());
        Assert.Equal("attended 1 of 2 sessions (1 late), 50% ≥ 50%", completion.GetProperty("explanationEn").GetString());
    }

    [Fact]
    public async Task StatsCountRegistrationsPerDayInTheCycleTimeZoneAndAttendancePerSession()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var cycleId = (await CycleApi.CreateAsync(world.Organizer, CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 3600))).GetProperty("cycleId").GetString()!;
        var table = await world.Host.Services.GetRequiredService<AppTables>().GetAsync(AppTables.Participants);
        // 16:30 UTC is 23:30 WIB on 1 March; 17:30 UTC is already 2 March in Palangka Raya.
        DateTimeOffset[] registeredAt = [new(2026, 3, 1, 16, 30, 0, TimeSpan.Zero), new(2026, 3, 1, 17, 30, 0, TimeSpan.Zero), new(2026, 3, 3, 2, 0, 0, TimeSpan.Zero)];
        var ids = new List<string>();
        foreach (var at in registeredAt)
        {
            var id = Ids.New("p");
            ids.Add(id);
            await table.AddEntityAsync(new ParticipantEntity { PartitionKey = cycleId, RowKey = id, Email = id + "@example.org", Status = ParticipantStatus.Confirmed, RegisteredAt = at });
        }

        await table.AddEntityAsync(new ParticipantEntity { PartitionKey = cycleId, RowKey = Ids.New("p"), Email = "invited@example.org", Status = ParticipantStatus.Invited });
        await world.Host.Services.GetRequiredService<AttendanceStore>().TryAddAsync(new AttendanceEntity
        {
            PartitionKey = cycleId, RowKey = AttendanceStore.Key("s1", ids[0]), SessionId = "s1", ParticipantId = ids[0], Status = AttendanceStatus.Present, Source = AttendanceSource.Roster, MarkedAt = DateTimeOffset.UtcNow,
        });

        var anonymous = await world.Http.GetAsync($"api/cycles/{cycleId}/stats");
        var stats = await world.Organizer.GetFromJsonAsync<JsonElement>($"api/cycles/{cycleId}/stats");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        var days = stats.GetProperty("registrations").GetProperty("days").EnumerateArray()
            .Select(d => (d.GetProperty("date").GetString(), d.GetProperty("count").GetInt32(), d.GetProperty("cumulative").GetInt32())).ToList();
        Assert.Equal([("2026-03-01", 1, 1), ("2026-03-02", 1, 2), ("2026-03-03", 1, 3)], days);
        var s1 = stats.GetProperty("attendance").GetProperty("sessions")[0];
        Assert.Equal((3, 1, 0, 2), (s1.GetProperty("confirmed").GetInt32(), s1.GetProperty("present").GetInt32(), s1.GetProperty("absent").GetInt32(), s1.GetProperty("unmarked").GetInt32()));
        Assert.Equal(3, stats.GetProperty("attendance").GetProperty("sessions")[1].GetProperty("unmarked").GetInt32());
    }

    [Fact]
    public async Task CertificateListShowsEveryVersionWithItsState()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var certificate = await CertificateSetup.OneAsync(world);
        var revoke = await world.Organizer.PostAsJsonAsync($"api/certificates/{certificate.RowKey}/revoke", new { reason = "Salah terbit" });
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);

        var anonymous = await world.Http.GetAsync($"api/cycles/{certificate.PartitionKey}/certificates");
        var list = await world.Organizer.GetFromJsonAsync<JsonElement>($"api/cycles/{certificate.PartitionKey}/certificates");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        var item = Assert.Single(list.GetProperty("items").EnumerateArray());
        Assert.Equal(certificate.RowKey, item.GetProperty("certificateId").GetString());
        Assert.Equal("Revoked", item.GetProperty("status").GetString());
        Assert.Equal("Salah terbit", item.GetProperty("revokedReason").GetString());
        Assert.EndsWith("/api/verify/" + certificate.VerificationCode, item.GetProperty("verificationUrl").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CertificateListSearchesByNameNipOrNumberPagesAndStaysCompatibleWithoutParameters()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var cycleId = await CertificateSetup.NewCycleAsync(world);
        var people = await CertificateSetup.AddEligibleAsync(world, cycleId, [.. Enumerable.Range(1, 7).Select(i => $"Peserta Nomor {i}")]);
        var issued = await CertificateSetup.IssueAsync(world, cycleId);
        var url = $"api/cycles/{cycleId}/certificates";

        // As before paging: everything, in number order, now with total and the holder's NIP.
        var all = await world.Organizer.GetFromJsonAsync<JsonElement>(url);
        Assert.Equal(7, all.GetProperty("total").GetInt32());
        Assert.Equal(7, all.GetProperty("pageSize").GetInt32());
        var items = all.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(issued.Select(c => c.Number).Order(StringComparer.Ordinal), items.Select(i => i.GetProperty("number").GetString()));
        foreach (var item in items)
        {
            var holder = people.Single(p => p.RowKey == item.GetProperty("participantId").GetString());
            Assert.Equal(holder.Nip, item.GetProperty("holderNip").GetString());
        }

        var second = await world.Organizer.GetFromJsonAsync<JsonElement>(url + "?page=2&pageSize=3");
        Assert.Equal(7, second.GetProperty("total").GetInt32());
        Assert.Equal(2, second.GetProperty("page").GetInt32());
        Assert.Equal(items.Skip(3).Take(3).Select(i => i.GetProperty("certificateId").GetString()), second.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("certificateId").GetString()));
        var beyond = await world.Organizer.GetFromJsonAsync<JsonElement>(url + "?page=9&pageSize=3");
        Assert.Empty(beyond.GetProperty("items").EnumerateArray());

        async Task<IReadOnlyList<string?>> SearchAsync(string text) =>
            [.. (await world.Organizer.GetFromJsonAsync<JsonElement>(url + "?search=" + Uri.EscapeDataString(text))).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("holderName").GetString())];

        var fifth = people.Single(p => p.FullName == "Peserta Nomor 5");
        Assert.Equal(["Peserta Nomor 5"], await SearchAsync("nomor 5"));
        Assert.Equal(["Peserta Nomor 5"], await SearchAsync(fifth.Nip!));
        Assert.Equal(["Peserta Nomor 5"], await SearchAsync($"{fifth.Nip![..8]} {fifth.Nip[8..14]} {fifth.Nip[14]} {fifth.Nip[15..]}")); // as printed, with spaces
        Assert.Equal(["Peserta Nomor 5"], await SearchAsync(issued.Single(c => c.HolderName == "Peserta Nomor 5").Number));
        Assert.Empty(await SearchAsync("tidak ada"));

        foreach (var bad in new[] { "?page=0", "?pageSize=0", "?pageSize=501", "?page=x", "?pageSize=-1" })
        {
            using var response = await world.Organizer.GetAsync(url + bad);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{bad}: {(int)response.StatusCode}");
            var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
            Assert.Equal("invalid_paging", error.GetProperty("code").GetString());
            Assert.Contains("bilangan bulat", error.GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.Contains("whole numbers", error.GetProperty("messageEn").GetString(), StringComparison.Ordinal);
        }
    }
}
