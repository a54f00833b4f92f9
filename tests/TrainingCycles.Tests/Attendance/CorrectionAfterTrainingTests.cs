using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using TrainingCycles.Cycles;
using TrainingCycles.DevHost;
using TrainingCycles.Infrastructure;
using TrainingCycles.Registration;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Attendance;

/// <summary>The real workflow runs to Completed on a compressed timeline; then the organizer corrects the roster.</summary>
public sealed class CorrectionAfterTrainingTests
{
    [Fact]
    public async Task MarkingSomeonePresentAfterCompletionMakesThemEligibleIssuesTheirCertificateAndMailsItOnce()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var definition = CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 4, sessions: 2);
        definition["completion"] = new JsonObject { ["minimumAttendancePercent"] = 50, ["lateCounts"] = true, ["excusedCounts"] = false };
        var cycleId = (await CycleApi.CreateAsync(world.Organizer, definition)).GetProperty("cycleId").GetString()!;
        var participants = world.Host.Services.GetRequiredService<ParticipantStore>();
        var table = await world.Host.Services.GetRequiredService<AppTables>().GetAsync(AppTables.Participants);
        var (late, excused, certified) = (Ids.New("p"), Ids.New("p"), Ids.New("p"));
        foreach (var (id, name) in new[] { (late, "Andi Pratama"), (excused, "Sri Wahyuni"), (certified, "Yohanes Ngadiman") })
        {
            await table.AddEntityAsync(new ParticipantEntity { PartitionKey = cycleId, RowKey = id, Email = $"{id}@example.org", FullName = name, Status = ParticipantStatus.Confirmed, Language = "id", RegistrationNumber = id[^4..] });
        }

        Assert.Equal(HttpStatusCode.OK, (await Put(world, cycleId, "s1", new { marks = new[] { new { participantId = certified, status = "Present" } } })).StatusCode);
        await CycleApi.WaitForPhaseAsync(world.Organizer, cycleId, "Completed");
        Assert.Null((await participants.GetAsync(cycleId, late))!.CertificateNumber);
        Assert.NotNull((await participants.GetAsync(cycleId, certified))!.CertificateNumber);
        var audit = world.Host.Services.GetRequiredService<AuditLog>();

        var response = await Put(world, cycleId, "s2", new
        {
            markedBy = "Kepala Seksi Penyelenggaraan",
            marks = new[] { new { participantId = late, status = "Late" }, new { participantId = excused, status = "Excused" } },
        });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, body.GetProperty("changed").GetInt32());
        var completion = body.GetProperty("completion").EnumerateArray().ToDictionary(c => c.GetProperty("participantId").GetString()!);
        Assert.True(completion[late].GetProperty("eligible").GetBoolean());
        Assert.True(completion[late].GetProperty("changed").GetBoolean());
        Assert.Equal("hadir 1 dari 2 sesi (1 terlambat), 50% ≥ 50%", completion[late].GetProperty("explanation").GetString());
        Assert.False(completion[excused].GetProperty("eligible").GetBoolean());
        Assert.False(completion[excused].GetProperty("changed").GetBoolean());
        Assert.Equal(1, body.GetProperty("certificates").GetProperty("numbered").GetInt32());
        Assert.Equal(1, body.GetProperty("certificates").GetProperty("mailScheduled").GetInt32());
        var p = (await participants.GetAsync(cycleId, late))!;
        Assert.True(p.Eligible);
        Assert.Equal("attended 1 of 2 sessions (1 late), 50% ≥ 50%", p.EligibilityExplanation);
        Assert.NotNull(p.CertificateNumber);
        Assert.Contains(await audit.ReadAsync(cycleId, late), e => e.Action == "completion.eligible");
        await WaitForAsync(() => world.Host.Outbox.Deliveries.Any(d => d.To == p.Email && d.CustomArgs["k"] == "certificate-issued"));

        var auditCount = (await audit.ReadAsync(cycleId)).Count;
        var repeat = await (await Put(world, cycleId, "s2", new
        {
            markedBy = "Kepala Seksi Penyelenggaraan",
            marks = new[] { new { participantId = late, status = "Late" }, new { participantId = excused, status = "Excused" } },
        })).Content.ReadFromJsonAsync<JsonElement>();
        await Task.Delay(1500);

        Assert.Equal(0, repeat.GetProperty("changed").GetInt32());
        Assert.Equal(0, repeat.GetProperty("certificates").GetProperty("mailScheduled").GetInt32());
        Assert.Equal(auditCount, (await audit.ReadAsync(cycleId)).Count);
        Assert.Single(world.Host.Outbox.Deliveries, d => d.To == p.Email && d.CustomArgs["k"] == "certificate-issued");

        // The other way round: a certified person found absent is flagged for review, not silently revoked.
        var undo = await (await Put(world, cycleId, "s1", new { marks = new[] { new { participantId = certified, status = "Absent" } } })).Content.ReadFromJsonAsync<JsonElement>();
        var flagged = undo.GetProperty("completion").EnumerateArray().Single();
        Assert.Equal(1, undo.GetProperty("changed").GetInt32());
        Assert.True(flagged.GetProperty("changed").GetBoolean());
        Assert.True(flagged.GetProperty("certificateToReview").GetBoolean());
        Assert.False((await participants.GetAsync(cycleId, certified))!.Eligible);
        Assert.NotNull((await participants.GetAsync(cycleId, certified))!.CertificateNumber);
    }

    private static Task<HttpResponseMessage> Put(TestWorld world, string cycleId, string sessionId, object body) =>
        world.Organizer.PutAsync($"api/cycles/{cycleId}/sessions/{sessionId}/attendance", JsonContent.Create(body));

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(200);
        }
    }
}
