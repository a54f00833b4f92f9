using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using TrainingCycles.Attendance;
using TrainingCycles.Cycles;
using TrainingCycles.DevHost;
using TrainingCycles.Infrastructure;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Attendance;

/// <summary>#20: the workflow waits for the roster lock before documents, and marks written as the roster locks are fenced by storage.</summary>
public sealed class RosterLockGateTests
{
    private static readonly DateTimeOffset End = new(2026, 3, 12, 5, 0, 0, TimeSpan.Zero);

    public static TheoryData<bool, bool, int?, double, bool, string, double?> Cases => new()
    {
        // require, locked, waitHours, hoursAfterEnd → open, why, recheck (hours after end)
        { false, false, null, 0, true, "not-required", null },
        { true, true, null, 0, true, "locked", null },
        { true, false, null, 0, false, "waiting", 6 },
        { true, false, null, 500, false, "waiting", 506 },
        { true, false, 48, 1, false, "waiting", 7 },
        { true, false, 48, 45, false, "waiting", 48 },
        { true, false, 48, 48, true, "wait-over", null },
        { true, true, 48, 1, true, "locked", null },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void TheGateOpensWhenNotRequiredLockedOrTheWaitIsOver(bool require, bool locked, int? waitHours, double hoursAfterEnd, bool open, string why, double? recheckHours)
    {
        var rule = new CompletionRule { RequireRosterLock = require, RosterLockWaitHours = waitHours };
        var state = RosterLockWait.Decide(rule, locked, End, End.AddHours(hoursAfterEnd));
        Assert.Equal((open, why, recheckHours is { } h ? End.AddHours(h) : (DateTimeOffset?)null), (state.Open, state.Why, state.RecheckAt));
    }

    [Fact]
    public async Task TheWorkflowWaitsForTheLockBeforeIssuing()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var definition = CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 4, sessions: 1);
        definition["completion"] = new JsonObject { ["minimumAttendancePercent"] = 100, ["requireRosterLock"] = true };
        var cycleId = (await CycleApi.CreateAsync(world.Organizer, definition)).GetProperty("cycleId").GetString()!;
        var table = await world.Host.Services.GetRequiredService<AppTables>().GetAsync(AppTables.Participants);
        var id = Ids.New("p");
        await table.AddEntityAsync(new ParticipantEntity { PartitionKey = cycleId, RowKey = id, Email = $"{id}@example.org", FullName = "Rahmat Hidayat", Status = ParticipantStatus.Confirmed, Language = "id", RegistrationNumber = id[^4..] });
        Assert.Equal(HttpStatusCode.OK, (await world.Organizer.PutAsJsonAsync($"api/cycles/{cycleId}/sessions/s1/attendance", new { marks = new[] { new { participantId = id, status = "Present" } } })).StatusCode);

        var deadline = DateTime.UtcNow.AddSeconds(60);
        JsonElement status;
        while ((status = await CycleApi.GetAsync(world.Organizer, cycleId)).GetProperty("next").GetString() != "awaiting-roster-lock")
        {
            Assert.True(DateTime.UtcNow < deadline, $"never waited for the lock: {status}");
            await Task.Delay(200);
        }

        Assert.Equal("Completing", status.GetProperty("phase").GetString());
        var participants = world.Host.Services.GetRequiredService<ParticipantStore>();
        await Task.Delay(1000);
        Assert.Null((await participants.GetAsync(cycleId, id))!.CertificateNumber); // nothing issued while it waits
        Assert.Equal("Completing", (await CycleApi.GetAsync(world.Organizer, cycleId)).GetProperty("phase").GetString());

        Assert.Equal(HttpStatusCode.OK, (await world.Organizer.PostAsync($"api/cycles/{cycleId}/roster/lock", null)).StatusCode);
        await CycleApi.WaitForPhaseAsync(world.Organizer, cycleId, "Completed", TimeSpan.FromSeconds(60));
        Assert.NotNull((await participants.GetAsync(cycleId, id))!.CertificateNumber);
    }

    [Fact]
    public async Task AMarkThatReadTheFenceBeforeTheLockIsRefusedByStorage()
    {
        await using var w = await AttendanceWorld.StartAsync(sessions: 1);
        var ids = await w.AddParticipantsAsync(1);
        var store = w.World.Host.Services.GetRequiredService<AttendanceStore>();
        TableTransactionAction Add(string status) => new(TableTransactionActionType.UpsertReplace, new AttendanceEntity
        {
            PartitionKey = w.CycleId, RowKey = AttendanceStore.Key("s1", ids[0]), SessionId = "s1", ParticipantId = ids[0], Status = status, Source = AttendanceSource.Roster,
        });

        Assert.Equal(FencedWrite.Written, await store.SubmitFencedAsync(w.CycleId, "s1", [Add(AttendanceStatus.Absent)]));
        var before = await store.FenceAsync(w.CycleId, "s1"); // a writer read the fence: not locked
        Assert.False(before!.Locked);

        await store.SetFencesAsync(w.CycleId, ["s1"], locked: true, "test", DateTimeOffset.UtcNow);
        Assert.Equal(FencedWrite.Conflict, await store.SubmitFencedAsync(w.CycleId, "s1", before, [Add(AttendanceStatus.Present)])); // its ETag moved
        Assert.Equal(FencedWrite.Locked, await store.SubmitFencedAsync(w.CycleId, "s1", [Add(AttendanceStatus.Present)])); // read again: locked
        Assert.Equal(AttendanceStatus.Absent, (await store.GetAsync(w.CycleId, "s1", ids[0]))!.Status);
        Assert.DoesNotContain(await store.ForCycleAsync(w.CycleId), r => r.RowKey.StartsWith(RosterFenceEntity.Prefix, StringComparison.Ordinal));

        // A refused lock attempt lifts only its own fence.
        await store.LiftOwnFencesAsync(w.CycleId, "another attempt", DateTimeOffset.UtcNow);
        Assert.True((await store.FenceAsync(w.CycleId, "s1"))!.Locked);
        await store.LiftOwnFencesAsync(w.CycleId, "test", DateTimeOffset.UtcNow);
        Assert.Equal(FencedWrite.Written, await store.SubmitFencedAsync(w.CycleId, "s1", [Add(AttendanceStatus.Present)]));
    }

    [Fact]
    public async Task MarksRacingTheLockAreEitherRefusedOrInTheLockedRoster()
    {
        await using var w = await AttendanceWorld.StartAsync(sessions: 2);
        var ids = await w.AddParticipantsAsync(8);
        w.Clock.Advance(TimeSpan.FromDays(5));
        foreach (var session in new[] { "s1", "s2" })
        {
            Assert.Equal(HttpStatusCode.OK, (await w.PutMarksAsync(session, new { marks = ids.Select(id => new { participantId = id, status = "Absent" }).ToArray() })).StatusCode);
        }

        var marks = (from s in new[] { "s1", "s2" } from id in ids select (Session: s, Id: id)).ToList();
        var markTasks = marks.Select(async (m, i) =>
        {
            await Task.Delay(i % 8 * 10);
            var response = await w.PutMarksAsync(m.Session, new { marks = new[] { new { participantId = m.Id, status = "Present" } } });
            var code = response.StatusCode == HttpStatusCode.OK ? "ok" : (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetString();
            return (m.Session, m.Id, Code: code);
        }).ToList();
        await Task.Delay(30);
        var locked = await w.World.Organizer.PostAsync($"api/cycles/{w.CycleId}/roster/lock", null);
        var results = await Task.WhenAll(markTasks);
        Assert.Equal(HttpStatusCode.OK, locked.StatusCode);

        var store = w.World.Host.Services.GetRequiredService<AttendanceStore>();
        var rows = (await store.ForCycleAsync(w.CycleId)).ToDictionary(r => r.RowKey);
        var fences = await store.FencesAsync(w.CycleId);
        foreach (var (session, id, code) in results)
        {
            var row = rows[AttendanceStore.Key(session, id)];
            Assert.True(code is "ok" or "roster_locked" or "busy", code);
            Assert.Equal(code == "ok" ? AttendanceStatus.Present : AttendanceStatus.Absent, row.Status); // accepted = stored, refused = unchanged
            if (code == "ok")
            {
                Assert.True(row.Timestamp <= fences[session].Timestamp, "a mark was committed after the lock's fence");
            }
        }

        // After the lock nothing moves, and the lock counted what it saw.
        Assert.Equal(HttpStatusCode.Conflict, (await w.PutMarksAsync("s1", new { marks = new[] { new { participantId = ids[0], status = "Late" } } })).StatusCode);
        Assert.True(fences.Values.All(f => f.Locked));
    }
}
