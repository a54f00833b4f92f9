using System.Net;
using System.Net.Http.Json;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using NodaTime;
using TrainingCycles.Cycles;
using TrainingCycles.DevHost;
using TrainingCycles.Infrastructure;
using TrainingCycles.Privacy;
using TrainingCycles.Tests.Attendance;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Privacy;

/// <summary>#23a retention: what is due by the settings and the clock, anonymised through the holders, counted in the audit trail.</summary>
public sealed class RetentionTests
{
    private const string Rina = "rina.sembiring@dinsos-seruyan.example", Budi = "budi.santoso@dinsos-kapuas.example", Sari = "sari.dewi@dinsos-katingan.example", Dewi = "dewi.lestari@dinsos-sukamara.example";

    [Fact]
    public void DueKindsFollowTheSettingsAndTheClock()
    {
        var o = new RetentionOptions();
        var end = new DateTimeOffset(2026, 3, 31, 10, 0, 0, TimeSpan.Zero);
        var cycle = Cycle(CyclePhase.Completed, registrationClosed: end.AddDays(-10), completedAt: end);
        Assert.Empty(RetentionService.DueKinds(cycle, end.AddDays(-10 + 29), o));
        Assert.Equal([RetentionKind.NeverRegistered], RetentionService.DueKinds(cycle, end.AddDays(-10 + 30), o).Select(d => d.Kind));
        // P2Y is two calendar years; then the personal-data kind covers the never-registered too.
        Assert.Equal([RetentionKind.NeverRegistered], RetentionService.DueKinds(cycle, end.AddYears(2).AddSeconds(-1), o).Select(d => d.Kind));
        Assert.Equal([(RetentionKind.PersonalData, end.AddYears(2))], RetentionService.DueKinds(cycle, end.AddYears(2), o));
        Assert.Equal([RetentionKind.PersonalData, RetentionKind.Letters], RetentionService.DueKinds(cycle, end.AddYears(5), o).Select(d => d.Kind));
        // A cycle still running: only its never-registered invitees, and only once registration has closed.
        Assert.Empty(RetentionService.DueKinds(Cycle(CyclePhase.RegistrationOpen, null, null), end.AddYears(10), o));
        Assert.Equal([RetentionKind.NeverRegistered], RetentionService.DueKinds(Cycle(CyclePhase.InTraining, end, null), end.AddYears(10), o).Select(d => d.Kind));
        Assert.Equal(new DateTimeOffset(2025, 2, 28, 0, 0, 0, TimeSpan.Zero), RetentionOptions.After(new DateTimeOffset(2024, 2, 29, 0, 0, 0, TimeSpan.Zero), Period.FromYears(1)));
    }

    [Theory]
    [InlineData("PersonalDataAfterCycle", "2 years")]
    [InlineData("LettersAfter", "P0D")]
    [InlineData("NeverRegisteredInviteesAfterRegistrationCloses", "-P30D")]
    [InlineData("Interval", "P1M")]
    [InlineData("Interval", "PT0S")]
    public void ABadSettingIsRefusedNamingIt(string setting, string value)
    {
        var o = new RetentionOptions();
        typeof(RetentionOptions).GetProperty(setting)!.SetValue(o, value);
        var result = new RetentionOptionsValidator().Validate(null, o);
        Assert.True(result.Failed);
        Assert.Contains("Privacy__Retention__" + setting, result.FailureMessage, StringComparison.Ordinal);
        Assert.True(new RetentionOptionsValidator().Validate(null, new RetentionOptions()).Succeeded);
    }

    [Fact]
    public async Task WithAFakeClockExactlyWhatIsDueIsAnonymisedADryRunChangesNothingAndASecondRoundRemovesNothing()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var now = DateTimeOffset.UtcNow;
        // A: registration closed early, training a week away; Rina registered, Budi never did.
        var a = (await CycleApi.CreateAsync(world.Organizer, CycleApi.CompressedDefinition(now, closeAfterSeconds: 7 * 86400))).GetProperty("cycleId").GetString()!;
        await CycleApi.ImportCsvAsync(world.Organizer, a, $"email,nama,nip,instansi\n{Rina},Rina Sembiring,198905172014022003,Dinas Sosial Kabupaten Seruyan\n{Budi},Budi Santoso,198702102012011004,Dinas Sosial Kabupaten Kapuas\n");
        await RegisterAsync(world, a, Rina, "198905172014022003", "Rina Sembiring");
        Assert.Equal(HttpStatusCode.Accepted, (await CycleApi.CommandAsync(world.Organizer, a, "close-registration")).StatusCode);
        // B: Dewi registered, Sari never did; the cycle is cancelled.
        var b = (await CycleApi.CreateAsync(world.Organizer, CycleApi.CompressedDefinition(now, closeAfterSeconds: 3600))).GetProperty("cycleId").GetString()!;
        await CycleApi.ImportCsvAsync(world.Organizer, b, $"email,nama,instansi\n{Sari},Sari Dewi,Dinas Sosial Kabupaten Katingan\n{Dewi},Dewi Lestari,Dinas Sosial Kabupaten Sukamara\n");
        await RegisterAsync(world, b, Dewi, "199001012015032001", "Dewi Lestari");
        Assert.Equal(HttpStatusCode.Accepted, (await CycleApi.CommandAsync(world.Organizer, b, "cancel", new { reason = "Banjir di Palangka Raya" })).StatusCode);
        await CycleApi.WaitForPhaseAsync(world.Organizer, b, "Cancelled");
        await WaitForAsync(async () => (await CycleApi.GetAsync(world.Organizer, a)).GetProperty("phase").GetString() == "AwaitingTraining");

        var clock = new FakeTimeProvider(now.AddDays(29));
        var options = new RetentionOptions { DryRun = true, BatchSize = 1 };
        var retention = Service(world, clock, options);
        var participants = world.Host.Services.GetRequiredService<ParticipantStore>();

        // 29 days after registration closed: nothing is due.
        Assert.Equal(0, await RoundAsync(retention, 1));

        // 31 days: Budi (A) and Sari (B) never registered. A dry run counts them, writes the audit entries, removes nothing.
        clock.Now = now.AddDays(31);
        var before = await SnapshotAsync(participants, a, b);
        Assert.Equal(2, await RoundAsync(retention, 2));
        Assert.Equal(before, await SnapshotAsync(participants, a, b));
        var audit = world.Host.Services.GetRequiredService<AuditLog>();
        var dry = (await audit.QueryAsync(new AuditQuery(ActionPrefix: "privacy.retention-dry-run"))).ToList();
        Assert.Equal(2, dry.Count);
        Assert.All(dry, e => Assert.Contains("kind=never-registered; due=1; removed=0", e.Details, StringComparison.Ordinal));
        var list = await retention.DueListAsync();
        Assert.Equal(["Budi Santoso", "Sari Dewi"], list.SelectMany(d => d.People).Select(p => p.Name).Order(StringComparer.Ordinal));

        // The real round removes exactly those two (the same counts), through every holder: their mail log goes too.
        options.DryRun = false;
        Assert.Equal(2, await RoundAsync(retention, 3));
        var after = await SnapshotAsync(participants, a, b);
        Assert.Equal(["Dewi Lestari", "Rina Sembiring"], after.Where(p => p.Name is not null).Select(p => p.Name!).Order(StringComparer.Ordinal));
        Assert.Equal(2, after.Count(p => p.Name is null && p.Email.Length == 0));
        var removed = (await audit.QueryAsync(new AuditQuery(ActionPrefix: "privacy.retention"))).Where(e => e.Action == "privacy.retention").ToList();
        Assert.Equal(2, removed.Count);
        Assert.All(removed, e => Assert.Contains("kind=never-registered; due=1; participants=1;", e.Details, StringComparison.Ordinal));
        var mail = world.Host.Services.GetRequiredService<PersonalDataRegistry>().Find("mail")!;
        var budi = after.Single(p => p.Cycle == a && p.Name is null);
        Assert.Empty((await mail.ExportAsync(new PersonalDataSubject(a, budi.Id, null, null, null, null), default)).Records);

        // A second round finds nothing.
        Assert.Equal(0, await RoundAsync(retention, 4));
        Assert.Equal(after, await SnapshotAsync(participants, a, b));

        // Two years after B was cancelled, B's personal data is due (Dewi); A has not ended, so Rina stays.
        clock.Now = now.AddYears(2).AddDays(1);
        options.DryRun = true;
        Assert.Equal(1, await RoundAsync(retention, 5));
        options.DryRun = false;
        Assert.Equal(1, await RoundAsync(retention, 6));
        Assert.Equal(["Rina Sembiring"], (await SnapshotAsync(participants, a, b)).Where(p => p.Name is not null).Select(p => p.Name!));
        Assert.Equal(0, await RoundAsync(retention, 7));
        Assert.Equal(0, await RoundAsync(retention, 8)); // and B's kind is now marked done: not even looked at
    }

    [Fact]
    public async Task NomineesWhoNeverBecameParticipantsGoOnTheLettersPeriodAndASharedLetterGoesWithTheLastPersonItNames()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var now = DateTimeOffset.UtcNow;
        var cycleId = await Nomination.NominationFlowTests.CreateCycleAsync(world, capacity: 10);
        Assert.Equal(HttpStatusCode.OK, (await Nomination.NominationFlowTests.PutQuotasAsync(world, cycleId, Nomination.NominationFlowTests.QuotaCsv(3, 1))).StatusCode);
        var store = world.Host.Services.GetRequiredService<TrainingCycles.Nomination.NominationStore>();
        var quota = TrainingCycles.Nomination.QuotaIds.For("Dinas Sosial Kabupaten Kapuas");
        var coordinator = await People.SignInAsync(world, "koord.kapuas@kalteng.example");
        await Nomination.NominationFlowTests.UploadAsync(coordinator, cycleId, quota, Nomination.NominationRulesTests.Pdf());
        var letter = Assert.Single(await store.LettersAsync(cycleId, quota)).RowKey;
        foreach (var i in new[] { 1, 2 })
        {
            // One surat tugas for both.
            Assert.Equal(HttpStatusCode.SeeOther, (await coordinator.PostAsync($"api/cycles/{cycleId}/nomination/nominees?quota={quota}", new FormUrlEncodedContent(Nomination.NominationFlowTests.Nominee(i, letter)))).StatusCode);
        }

        var nominees = (await store.NomineesAsync(cycleId)).OrderBy(n => n.Nip, StringComparer.Ordinal).ToList();
        var approvedOne = nominees.Single(n => n.Nip == Forms.Nip(1));
        var rejectedOne = nominees.Single(n => n.Nip == Forms.Nip(2));
        Assert.Equal(HttpStatusCode.OK, (await world.Organizer.PostAsJsonAsync($"api/cycles/{cycleId}/nominees/{approvedOne.RowKey}/decision", new { decision = "approve" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await world.Organizer.PostAsJsonAsync($"api/cycles/{cycleId}/nominees/{rejectedOne.RowKey}/decision", new { decision = "reject", reason = "Bukan pekerja sosial" })).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await CycleApi.CommandAsync(world.Organizer, cycleId, "cancel", new { reason = "Banjir di Palangka Raya" })).StatusCode);
        await CycleApi.WaitForPhaseAsync(world.Organizer, cycleId, "Cancelled");
        var letterBlob = world.Host.Services.GetRequiredService<StorageAccount>().Blobs.GetBlobContainerClient(TrainingCycles.Nomination.NominationService.LettersContainer)
            .GetBlobClient(TrainingCycles.Nomination.NominationService.LetterBlobName(cycleId, letter));
        Assert.True((await letterBlob.ExistsAsync()).Value);

        var clock = new FakeTimeProvider(now.AddYears(2).AddDays(1));
        var options = new RetentionOptions { DryRun = false, BatchSize = 1 };
        var retention = Service(world, clock, options);

        // Two years on, the participant's personal data goes; the nominee rows and the letter stay for the letters' period.
        Assert.Equal(1, await RoundAsync(retention, 1));
        Assert.Equal(Forms.Nip(2), (await store.NomineeAsync(cycleId, rejectedOne.RowKey))!.Nip);
        Assert.True((await letterBlob.ExistsAsync()).Value);

        // Five years on: the approved nominee's row (letters kind, through the participant) and the rejected one's
        // (nominees kind: never a participant, so no participant row leads to it); the letter named them both, so it
        // goes with the second.
        clock.Now = now.AddYears(5).AddDays(1);
        options.DryRun = true;
        Assert.Equal(2, await RoundAsync(retention, 2));
        Assert.Contains((await retention.DueListAsync()).SelectMany(d => d.People), p => p.ParticipantId == rejectedOne.RowKey && p.Status == "Rejected");
        options.DryRun = false;
        Assert.Equal(2, await RoundAsync(retention, 3));
        foreach (var n in await store.NomineesAsync(cycleId))
        {
            Assert.Equal(("", "", ""), (n.FullName, n.Nip, n.Email));
        }

        Assert.False((await letterBlob.ExistsAsync()).Value);
        var audit = world.Host.Services.GetRequiredService<AuditLog>();
        Assert.Contains(await audit.ReadAsync(cycleId), e => e.Action == "privacy.retention" && e.Details!.Contains("kind=nominees; due=1; participants=1;", StringComparison.Ordinal));
        Assert.Equal(0, await RoundAsync(retention, 4));
    }

    [Fact]
    public async Task TheEternalWorkflowRunsRoundsOnTheDurableEngineAndAnonymisesWhatIsDue()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.AzureStorage, settings: new Dictionary<string, string?>
        {
            ["Privacy__Retention__Interval"] = "PT1S",
            ["Privacy__Retention__DryRun"] = "false", // the sample's local default is a dry run
            ["Privacy__Retention__NeverRegisteredInviteesAfterRegistrationCloses"] = "PT1S",
        });
        var now = DateTimeOffset.UtcNow;
        var cycleId = (await CycleApi.CreateAsync(world.Organizer, CycleApi.CompressedDefinition(now, closeAfterSeconds: 7 * 86400))).GetProperty("cycleId").GetString()!;
        await CycleApi.ImportCsvAsync(world.Organizer, cycleId, $"email,nama,instansi\n{Budi},Budi Santoso,Dinas Sosial Kabupaten Kapuas\n");
        Assert.Equal(HttpStatusCode.Accepted, (await CycleApi.CommandAsync(world.Organizer, cycleId, "close-registration")).StatusCode);

        // Started with the first cycle; each round continues as new after its timer.
        var participants = world.Host.Services.GetRequiredService<ParticipantStore>();
        var audit = world.Host.Services.GetRequiredService<AuditLog>();
        await WaitForAsync(async () => (await audit.ReadAsync(cycleId)).Any(e => e.Action == "privacy.retention"), TimeSpan.FromSeconds(60));
        Assert.True(ParticipantStore.IsAnonymised(Assert.Single(await participants.ListAsync(cycleId))));
        var entry = Assert.Single(await audit.ReadAsync(cycleId), e => e.Action == "privacy.retention");
        Assert.Contains("kind=never-registered; due=1; participants=1;", entry.Details, StringComparison.Ordinal);
        var service = world.Host.Services.GetRequiredService<RetentionService>();
        await WaitForAsync(async () => (await service.LastRoundAsync())?.Round >= 3, TimeSpan.FromSeconds(30));
        var instance = await world.Host.DurableClient.GetInstanceAsync(RetentionWorkflow.InstanceId);
        Assert.NotNull(instance);
        Assert.True(instance.RuntimeStatus is OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Pending, instance.RuntimeStatus.ToString());

        // The administrators' report shows the settings and the last round; starting again is a no-op.
        var report = await world.Organizer.GetFromJsonAsync<System.Text.Json.JsonElement>("api/privacy/retention");
        Assert.False(report.GetProperty("settings").GetProperty("dryRun").GetBoolean());
        Assert.Empty(report.GetProperty("due").EnumerateArray());
        Assert.True(report.GetProperty("lastRound").GetProperty("round").GetInt32() >= 3);
    }

    private static CycleRecord Cycle(CyclePhase phase, DateTimeOffset? registrationClosed, DateTimeOffset? completedAt)
    {
        var start = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
        var definition = System.Text.Json.JsonSerializer.Deserialize<CycleDefinition>(CycleApi.CompressedDefinition(start, closeAfterSeconds: 86400).ToJsonString(), CycleStore.Json)!;
        var schedule = new CycleSchedule("Asia/Jakarta", start, start.AddYears(1), [new ScheduledSession("s1", "Hari 1", start.AddYears(1).AddDays(1), start.AddYears(1).AddDays(1).AddHours(2))], [], []);
        return new CycleRecord("c1", definition, schedule, new CycleEntity
        {
            RowKey = "c1",
            Phase = phase.ToString(),
            CreatedAt = start,
            RegistrationClosedAt = registrationClosed,
            CompletedAt = completedAt,
        });
    }

    private static RetentionService Service(TestWorld world, TimeProvider clock, RetentionOptions options)
    {
        var s = world.Host.Services;
        return new RetentionService(s.GetRequiredService<CycleStore>(), s.GetRequiredService<ParticipantStore>(), s.GetRequiredService<TrainingCycles.Nomination.NominationStore>(), s.GetRequiredService<PersonalDataRegistry>(),
            s.GetRequiredService<AppTables>(), s.GetRequiredService<AuditLog>(), new RetentionClock(clock), new FixedOptions(options));
    }

    /// <summary>One round as the workflow runs it (plan, batches, record); returns how many participants were due.</summary>
    private static async Task<int> RoundAsync(RetentionService retention, int round)
    {
        var plan = await retention.PlanAsync(withIds: !retention.Options.DryRun);
        var results = new List<RetentionItemResult>();
        foreach (var item in plan.Items)
        {
            int people = 0, items = 0;
            if (!plan.DryRun)
            {
                foreach (var chunk in item.ParticipantIds.Chunk(plan.BatchSize))
                {
                    var done = await retention.AnonymiseAsync(new RetentionBatch(item.CycleId, item.Kind, chunk));
                    people += done.Participants;
                    items += done.Items;
                }

                Assert.Equal(item.Due, people);
            }

            results.Add(new RetentionItemResult(item.CycleId, item.Kind, item.Due, people, items));
        }

        await retention.RecordAsync(new RetentionRoundSummary(round, plan.DryRun, results));
        return plan.Items.Sum(i => i.Due);
    }

    private static async Task RegisterAsync(TestWorld world, string cycleId, string email, string nip, string name)
    {
        var (response, _) = await Forms.PostAsync(world.Http, await Forms.InviteUrlAsync(world, cycleId, email), Forms.ValidRegistration(nip, email, name));
        Assert.True(response.IsSuccessStatusCode, $"registration answered {(int)response.StatusCode}");
    }

    private sealed record Row(string Cycle, string Id, string? Name, string Email, string Status);

    private static async Task<List<Row>> SnapshotAsync(ParticipantStore participants, params string[] cycles)
    {
        var rows = new List<Row>();
        foreach (var c in cycles)
        {
            rows.AddRange((await participants.ListAsync(c)).Select(p => new Row(c, p.RowKey, p.FullName, p.Email, p.Status)));
        }

        return [.. rows.OrderBy(r => r.Cycle, StringComparer.Ordinal).ThenBy(r => r.Id, StringComparer.Ordinal)];
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(200);
        }
    }

    private sealed class FixedOptions(RetentionOptions value) : IOptionsMonitor<RetentionOptions>
    {
        public RetentionOptions CurrentValue => value;

        public RetentionOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<RetentionOptions, string?> listener) => null;
    }
}
