using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using TrainingCycles.Cycles;
using TrainingCycles.DevHost;
using TrainingCycles.Identity;
using TrainingCycles.Infrastructure;
using TrainingCycles.Privacy;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Privacy;

/// <summary>#23a breach support: whose data a time window and set of resources touched, from the data-access log.</summary>
public sealed class BreachReportTests
{
    private const string RinaNip = "198905172014022003";

    [Fact]
    public async Task AnAdministratorListsThePeopleAccessesInAWindowTouchedByResourceAndExportsThemAndTheQueryIsAudited()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var cycleId = (await CycleApi.CreateAsync(world.Organizer, CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 600))).GetProperty("cycleId").GetString()!;
        await CycleApi.ImportCsvAsync(world.Organizer, cycleId, $"email,nama,nip,instansi\nrina.sembiring@dinsos-seruyan.example,Rina Sembiring,{RinaNip},Dinas Sosial Kabupaten Seruyan\nbudi.santoso@dinsos-kapuas.example,Budi Santoso,,Dinas Sosial Kabupaten Kapuas\n");
        var people = await world.Host.Services.GetRequiredService<ParticipantStore>().ListAsync(cycleId);
        var rina = people.Single(p => p.FullName == "Rina Sembiring");
        var budi = people.Single(p => p.FullName == "Budi Santoso");

        // Now: one person's export (names Rina) and the participant list (touches everyone). Three days ago: Budi's timeline.
        Assert.Equal(HttpStatusCode.OK, (await world.Organizer.GetAsync($"api/cycles/{cycleId}/participants/{rina.RowKey}/personal-data")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await world.Organizer.GetAsync($"api/cycles/{cycleId}/participants")).StatusCode);
        var now = DateTimeOffset.UtcNow;
        var audit = await world.Host.Services.GetRequiredService<AppTables>().GetAsync(AppTables.AuditLog);
        await audit.AddEntityAsync(new AuditEntity
        {
            PartitionKey = cycleId, RowKey = now.AddDays(-3).UtcTicks.ToString("D19", CultureInfo.InvariantCulture) + "-view-old", At = now.AddDays(-3),
            Actor = "Petugas Lama", ActorId = "email:petugas@bpsdm.kalteng.example", Action = "view.timeline", ParticipantId = budi.RowKey,
        });

        string Window(DateTimeOffset from, DateTimeOffset to, string resources = "") =>
            $"api/privacy/breach?from={Uri.EscapeDataString(CycleApi.Iso(from))}&to={Uri.EscapeDataString(CycleApi.Iso(to))}&resources={Uri.EscapeDataString(resources)}";
        async Task<(string[] Names, JsonElement Body)> QueryAsync(string url)
        {
            var response = await world.Organizer.GetAsync(url);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, body);
            var json = JsonDocument.Parse(body).RootElement.Clone();
            return ([.. json.GetProperty("people").EnumerateArray().Select(p => p.GetProperty("fullName").GetString()!).Order(StringComparer.Ordinal)], json);
        }

        var (all, body) = await QueryAsync(Window(now.AddHours(-1), now.AddHours(1)));
        Assert.Equal(["Budi Santoso", "Rina Sembiring"], all);
        Assert.Equal(["participants", "personal-data"], body.GetProperty("resourcesSeen").EnumerateArray().Select(r => r.GetString()).Where(r => r is "participants" or "personal-data" or "timeline").Order(StringComparer.Ordinal));
        var rinaRow = body.GetProperty("people").EnumerateArray().Single(p => p.GetProperty("participantId").GetString() == rina.RowKey);
        Assert.Equal("rina.sembiring@dinsos-seruyan.example", rinaRow.GetProperty("email").GetString());
        Assert.Equal(cycleId, rinaRow.GetProperty("cycleId").GetString());
        Assert.Equal(["Rina Sembiring"], (await QueryAsync(Window(now.AddHours(-1), now.AddHours(1), "personal-data"))).Names);
        Assert.Equal(["Budi Santoso", "Rina Sembiring"], (await QueryAsync(Window(now.AddHours(-1), now.AddHours(1), "participants"))).Names);
        Assert.Empty((await QueryAsync(Window(now.AddHours(-1), now.AddHours(1), "timeline"))).Names);
        Assert.Equal(["Budi Santoso"], (await QueryAsync(Window(now.AddDays(-4), now.AddDays(-2)))).Names);
        Assert.Empty((await QueryAsync(Window(now.AddDays(-10), now.AddDays(-5)))).Names);
        // A window given in WIB without a zone (the dashboard's datetime-local fields).
        var wib = now.ToOffset(TimeSpan.FromHours(7));
        Assert.Equal(["Budi Santoso"], (await QueryAsync($"api/privacy/breach?from={wib.AddDays(-4):yyyy-MM-ddTHH:mm}&to={wib.AddDays(-2):yyyy-MM-ddTHH:mm}")).Names);

        // The CSV for notification: the NIP stays text.
        var csv = await world.Organizer.GetAsync(Window(now.AddHours(-1), now.AddHours(1)) + "&format=csv");
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var text = Encoding.UTF8.GetString(await csv.Content.ReadAsByteArrayAsync());
        Assert.StartsWith("\uFEFFcycle_id,cycle_title,participant_id,full_name,email,nip,", text, StringComparison.Ordinal);
        Assert.Contains($"\"=\"\"{RinaNip}\"\"\"", text, StringComparison.Ordinal);

        // Who looked is recorded, with the window.
        var queries = (await world.Host.Services.GetRequiredService<AuditLog>().QueryAsync(new AuditQuery(CycleId: AuditLog.GlobalPartition, ActionPrefix: "privacy.breach-query"))).ToList();
        Assert.Equal(8, queries.Count);
        Assert.All(queries, q => Assert.Equal(TestWorld.OrganizerActorId, q.ActorId));
        Assert.Contains(queries, q => q.Details!.Contains("resources=personal-data; people=1; format=json", StringComparison.Ordinal));

        // Bad windows are refused in both languages and not run.
        foreach (var bad in new[] { Window(now, now.AddHours(-1)), Window(now.AddDays(-400), now), "api/privacy/breach?from=kemarin&to=hari-ini", "api/privacy/breach", Window(now.AddHours(-1), now, "participants;drop") })
        {
            var refused = await world.Organizer.GetAsync(bad);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
            Assert.NotEqual(error.GetProperty("message").GetString(), error.GetProperty("messageEn").GetString());
            Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("messageEn").GetString()));
        }

        Assert.Equal(8, (await world.Host.Services.GetRequiredService<AuditLog>().QueryAsync(new AuditQuery(CycleId: AuditLog.GlobalPartition, ActionPrefix: "privacy.breach-query"))).Count);

        // An organizer for every cycle is not an administrator: neither privacy route.
        await People.GrantAsync(world, "panitia@bpsdm.kalteng.example", Roles.Organizer);
        var organizer = await People.SignInAsync(world, "panitia@bpsdm.kalteng.example");
        Assert.Equal(HttpStatusCode.Forbidden, (await organizer.GetAsync(Window(now.AddHours(-1), now.AddHours(1)))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await organizer.GetAsync("api/privacy/retention")).StatusCode);
    }

    [Fact]
    public void TheCsvIsFormulaSafeAndKeepsTheNipAsText()
    {
        var at = new DateTimeOffset(2026, 12, 1, 1, 0, 0, TimeSpan.Zero);
        var csv = Encoding.UTF8.GetString(BreachReport.ToCsv([
            new AffectedPerson("c1", "=HYPERLINK(\"http://x.example\")", "p1", "+Rina", "@rina@example.org", RinaNip, false, ["participants"], 2, at, at, ["-Petugas"]),
            new AffectedPerson("c1", "Pelatihan", "p2", null, null, "=1+1", true, ["timeline"], 1, at, at, ["Admin"]),
        ]));
        var lines = csv.TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("c1,\"'=HYPERLINK(\"\"http://x.example\"\")\",p1,'+Rina,'@rina@example.org,\"=\"\"198905172014022003\"\"\",no,participants,2,", lines[1], StringComparison.Ordinal);
        Assert.EndsWith(",'-Petugas", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("c1,Pelatihan,p2,,,'=1+1,yes,", lines[2], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2026-12-01T08:00", "2026-12-01T07:00", "Error_Privacy_WindowOrder")]
    [InlineData("2026-12-01", "2027-12-03", "Error_Privacy_WindowTooLong")]
    [InlineData("01/12/2026", "2026-12-02", "Error_Privacy_WindowFormat")]
    [InlineData("2026-12-01", "", "Error_Privacy_WindowFormat")]
    public void BadWindowsAreRefused(string from, string to, string key)
    {
        Assert.Equal(key, BreachReport.TryParse(from, to, null, out _)?.Key);
    }

    [Fact]
    public void AWindowWithoutAZoneIsWib()
    {
        Assert.Null(BreachReport.TryParse("2026-12-01T08:00", "2026-12-01T09:00:00+07:00", "view.participants, timeline", out var window));
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 1, 0, 0, TimeSpan.Zero), window.From);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 2, 0, 0, TimeSpan.Zero), window.To);
        Assert.Equal(["participants", "timeline"], window.Resources.Order(StringComparer.Ordinal));
    }
}
