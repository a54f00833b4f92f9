using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using TrainingCycles.Certificates;
using TrainingCycles.DevHost;
using TrainingCycles.Infrastructure;
using TrainingCycles.Records;
using TrainingCycles.Tests.Certificates;
using TrainingCycles.Tests.Identity;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Records;

public sealed class LedgerTests
{
    internal static async Task<string> NewCycleAsync(TestWorld world, DateTimeOffset start, int jp, string title = "Pelatihan Dasar Pekerjaan Sosial se-Kalimantan Tengah", JsonObject? records = null)
    {
        var definition = CycleApi.CompressedDefinition(start, closeAfterSeconds: 3600);
        definition["title"] = title;
        definition["certificate"]!["trainingHours"] = jp;
        if (records is not null)
        {
            definition["records"] = records;
        }

        var created = await CycleApi.CreateAsync(world.Organizer, definition);
        return created.GetProperty("cycleId").GetString()!;
    }

    [Fact]
    public async Task OnePersonAcrossThreeCyclesHasJpPerYearAndARevokedCertificateLeavesTheTotal()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var now = DateTimeOffset.UtcNow;
        var thisYear = CycleSchedule_LocalYear(now.AddHours(1));
        var first = await NewCycleAsync(world, now, 8, "Pelatihan Pendamping PKH");
        var second = await NewCycleAsync(world, now, 12, "Bimbingan Teknis Data Terpadu Kesejahteraan Sosial");
        var third = await NewCycleAsync(world, now.AddYears(1), 10, "Pelatihan Manajemen Kasus");
        var nip = CertificateSetup.Nip(0);
        var certificates = new List<CertificateEntity>();
        foreach (var cycleId in new[] { first, second, third })
        {
            // The same person (index 0 → the same NIP) and one colleague in each cycle.
            await CertificateSetup.AddEligibleAsync(world, cycleId, ["Dr. Siti Aminah, S.Sos., M.Si.", "Budi Santoso, S.Kom."]);
            certificates.AddRange(await CertificateSetup.IssueAsync(world, cycleId));
        }

        var person = await GetAsync(world.Organizer, $"api/records/people/{nip}");
        Assert.Equal(nip, person.GetProperty("nip").GetString());
        Assert.Equal(3, person.GetProperty("entries").GetArrayLength());
        Assert.Equal(20, person.GetProperty("requiredJpPerYear").GetInt32());
        var years = person.GetProperty("years").EnumerateArray().ToDictionary(y => y.GetProperty("year").GetInt32());
        Assert.Equal(20, years[thisYear].GetProperty("jp").GetInt32());
        Assert.True(years[thisYear].GetProperty("met").GetBoolean());
        Assert.Equal(10, years[thisYear + 1].GetProperty("jp").GetInt32());
        Assert.False(years[thisYear + 1].GetProperty("met").GetBoolean());

        // Revoking the 12-JP certificate: the row stays in the history, marked, and the year falls below 20.
        var ledger = world.Host.Services.GetRequiredService<Ledger>();
        var secondOfPerson = (await ledger.ForNipAsync(nip)).Single(r => r.RowKey == second);
        using var revoke = await world.Organizer.PostAsJsonAsync($"api/certificates/{secondOfPerson.CertificateId}/revoke", new { reason = "Kehadiran tidak memenuhi syarat" });
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        person = await GetAsync(world.Organizer, $"api/records/people/{nip}");
        years = person.GetProperty("years").EnumerateArray().ToDictionary(y => y.GetProperty("year").GetInt32());
        Assert.Equal(8, years[thisYear].GetProperty("jp").GetInt32());
        Assert.False(years[thisYear].GetProperty("met").GetBoolean());
        var revoked = person.GetProperty("entries").EnumerateArray().Single(e => e.GetProperty("cycleId").GetString() == second);
        Assert.Equal("Revoked", revoked.GetProperty("status").GetString());
        Assert.False(revoked.GetProperty("counts").GetBoolean());

        // Running the ledger again (a retried activity) changes nothing; a reissue moves the row to the new version.
        await ledger.SyncCycleAsync(first);
        await ledger.SyncCycleAsync(second);
        Assert.Equal(3, (await ledger.ForNipAsync(nip)).Count);
        var firstOfPerson = (await ledger.ForNipAsync(nip)).Single(r => r.RowKey == first);
        using var reissue = await world.Organizer.PostAsJsonAsync($"api/certificates/{firstOfPerson.CertificateId}/reissue", new { fullName = "Dr. Siti Aminah Rahmawati, S.Sos., M.Si." });
        Assert.Equal(HttpStatusCode.OK, reissue.StatusCode);
        var moved = (await ledger.ForNipAsync(nip)).Single(r => r.RowKey == first);
        Assert.Equal(2, moved.CertificateVersion);
        Assert.NotEqual(firstOfPerson.CertificateId, moved.CertificateId);
        Assert.Equal(firstOfPerson.CertificateNumber, moved.CertificateNumber);
        Assert.Equal("Dr. Siti Aminah Rahmawati, S.Sos., M.Si.", moved.FullName);
        Assert.Equal(8, Ledger.Years(await ledger.ForNipAsync(nip)).Single(y => y.Year == thisYear).Jp);

        // Who looked is recorded in the cycles the record comes from; a malformed NIP is a bilingual 400.
        var audit = await world.Host.Services.GetRequiredService<AuditLog>().ReadAsync(third);
        Assert.Contains(audit, a => a.Action == "view.records-person");
        using var bad = await world.Organizer.GetAsync("api/records/people/12345");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var error = (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        Assert.Equal("invalid_nip", error.GetProperty("code").GetString());
        Assert.NotEqual(error.GetProperty("message").GetString(), error.GetProperty("messageEn").GetString());
    }

    [Fact]
    public async Task ACoordinatorSeesTheRecordsOfTheirAgencyStaffOnly()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var cycleId = await NewCycleAsync(world, DateTimeOffset.UtcNow, 24);
        var people = await CertificateSetup.AddEligibleAsync(world, cycleId, ["Dr. Siti Aminah, S.Sos., M.Si.", "Budi Santoso, S.Kom."]);
        // The second person works elsewhere.
        var other = people[1];
        other.Agency = "Dinas Sosial Kabupaten Kapuas";
        await ParticipantRows.ReplaceAsync(world.Host.Services, other);
        await CertificateSetup.IssueAsync(world, cycleId);
        await People.GrantAsync(world, "koordinator@kalteng.example", TrainingCycles.Identity.Roles.Coordinator, cycleId, agency: RoleWorld.AgencyA);
        using var coordinator = await People.SignInAsync(world, "koordinator@kalteng.example");

        var body = await GetAsync(coordinator, $"api/cycles/{cycleId}/records");
        var person = Assert.Single(body.GetProperty("people").EnumerateArray());
        Assert.Equal(people[0].RowKey, person.GetProperty("participantId").GetString());
        Assert.Equal(24, person.GetProperty("record").GetProperty("years")[0].GetProperty("jp").GetInt32());
        Assert.Equal(2, (await GetAsync(world.Organizer, $"api/cycles/{cycleId}/records")).GetProperty("people").GetArrayLength());
    }

    [Fact]
    public async Task ALateFirstIssueNoticeNeverReplacesANewerStateAndMatchesTheGeneralPath()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var cycleId = await NewCycleAsync(world, DateTimeOffset.UtcNow, 16);
        var people = await CertificateSetup.AddEligibleAsync(world, cycleId, ["Dr. Siti Aminah, S.Sos., M.Si.", "Budi Santoso, S.Kom."]);
        var issued = await CertificateSetup.IssueAsync(world, cycleId); // the phase's path: index and rows inserted, no reads
        var ledger = world.Host.Services.GetRequiredService<Ledger>();
        var fast = (await ledger.ForNipAsync(people[1].Nip!)).Single();

        // What the general path writes from the stored rows is the same record.
        var participants = world.Host.Services.GetRequiredService<TrainingCycles.Cycles.ParticipantStore>();
        var cycle = (await world.Host.Services.GetRequiredService<TrainingCycles.Cycles.CycleStore>().GetAsync(cycleId))!;
        var second = (await participants.GetAsync(cycleId, people[1].RowKey))!;
        var general = Ledger.Build(cycle, second, [issued.Single(c => c.ParticipantId == second.RowKey)], DateTimeOffset.UtcNow)!;
        Assert.Equal((general.PartitionKey, general.RowKey, general.CertificateId, general.Jp, general.Year, general.FullName, general.Status, general.StartDate),
            (fast.PartitionKey, fast.RowKey, fast.CertificateId, fast.Jp, fast.Year, fast.FullName, fast.Status, fast.StartDate));

        // Revoked; then the first issue's notice arrives again (a late retry): the row stays revoked, nothing is added.
        var first = issued.Single(c => c.ParticipantId == people[0].RowKey);
        using var revoke = await world.Organizer.PostAsJsonAsync($"api/certificates/{first.RowKey}/revoke", new { reason = "Kehadiran tidak memenuhi syarat" });
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        await ledger.CertificatesIssuedAsync(cycleId, [new IssuedCertificate(people[0], first)], CancellationToken.None);
        var row = Assert.Single(await ledger.ForNipAsync(people[0].Nip!));
        Assert.Equal(CertificateStatus.Revoked, row.Status);

        // The index row lost but the ledger row there (a half-done earlier write): the index insert passes, the row's
        // insert conflicts, and the reading path decides — still the revoked row, and the index is back.
        var table = await world.Host.Services.GetRequiredService<AppTables>().GetAsync(Ledger.Table);
        await table.DeleteEntityAsync(Ledger.IndexPartition(cycleId), people[0].RowKey);
        await ledger.CertificatesIssuedAsync(cycleId, [new IssuedCertificate(people[0], first)], CancellationToken.None);
        Assert.Equal(CertificateStatus.Revoked, Assert.Single(await ledger.ForNipAsync(people[0].Nip!)).Status);
        Assert.Equal(people[0].Nip, (await table.GetEntityAsync<LedgerIndexEntity>(Ledger.IndexPartition(cycleId), people[0].RowKey)).Value.Nip);
    }

    [Fact]
    public void YearsSumValidCertificatesOnlyAgainstTwentyJp()
    {
        LedgerEntity Row(int year, int jp, string status) => new() { Year = year, Jp = jp, Status = status };
        var years = Ledger.Years([Row(2026, 8, "Valid"), Row(2026, 12, "Valid"), Row(2026, 40, "Revoked"), Row(2025, 19, "Valid")]);
        Assert.Equal([new LedgerYear(2026, 20, 20, true), new LedgerYear(2025, 19, 20, false)], years);
        Assert.Equal([new LedgerYear(2024, 0, 20, false)], Ledger.Years([Row(2024, 30, "Revoked")]));
    }

    internal static int CycleSchedule_LocalYear(DateTimeOffset utc) => TrainingCycles.Cycles.CycleSchedule.ToLocal(utc, "Asia/Jakarta").Year;

    internal static async Task<JsonElement> GetAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
