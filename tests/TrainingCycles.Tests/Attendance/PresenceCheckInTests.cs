using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using TrainingCycles.Attendance;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;
using TrainingCycles.Tests.Reliability;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Attendance;

/// <summary>
/// Presence-bound check-in, per session: the shared code alone only holds a check-in as Pending (not counted) until an
/// organizer confirms or rejects it; the participant's personal QR scanned at the door records it at once.
/// </summary>
public sealed class PresenceCheckInTests
{
    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string url, object body) =>
        await client.SendAsync(new HttpRequestMessage(method, url) { Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json") });

    private static async Task<JsonElement> OkJsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static Task<HttpResponseMessage> ModeAsync(AttendanceWorld w, string sessionId, bool on) =>
        SendAsync(w.World.Organizer, HttpMethod.Put, $"api/cycles/{w.CycleId}/sessions/{sessionId}/checkin-mode", new { presenceRequired = on, changedBy = "Rahmawati (panitia)" });

    private static Task<HttpResponseMessage> ScanAsync(AttendanceWorld w, string sessionId, string scanned) =>
        SendAsync(w.World.Organizer, HttpMethod.Post, $"api/cycles/{w.CycleId}/sessions/{sessionId}/door-checkins", new { token = scanned, checkedBy = "Budi (pintu)" });

    private static Task<HttpResponseMessage> DecideAsync(AttendanceWorld w, string sessionId, params object[] decisions) =>
        SendAsync(w.World.Organizer, HttpMethod.Post, $"api/cycles/{w.CycleId}/sessions/{sessionId}/pending", new { decisions, decidedBy = "Rahmawati (panitia)" });

    private static string PresenceToken(AttendanceWorld w, string participantId) =>
        w.World.Host.Services.GetRequiredService<Tokens>().Create(TokenPurpose.Presence, w.CycleId, participantId, w.Clock.Now.AddDays(3));

    [Fact]
    public async Task WithPresenceRequiredTheSharedCodeOnlyHoldsTheCheckInUntilAnOrganizerConfirmsIt()
    {
        await using var w = await AttendanceWorld.StartAsync(sessions: 1, completion: new System.Text.Json.Nodes.JsonObject { ["minimumAttendancePercent"] = 100 });
        var ids = await w.AddParticipantsAsync(2);
        w.Clock.Now = w.Session("s1").StartsAt.AddMinutes(-10);

        var switched = await OkJsonAsync(await ModeAsync(w, "s1", on: true));
        var again = await OkJsonAsync(await ModeAsync(w, "s1", on: true));
        var form = await Forms.GetAsync(w.World.Http, w.CheckInUrl(w.Token(ids[0])));
        var held = await w.CheckInAsync(w.Token(ids[0]), w.CodeNow("s1"));
        var row = (await w.MarkAsync("s1", ids[0]))!;
        var export = await w.JsonAsync($"api/cycles/{w.CycleId}/attendance");
        var roster = await w.JsonAsync($"api/cycles/{w.CycleId}/sessions/s1/attendance");

        Assert.True(switched.GetProperty("changed").GetBoolean());
        Assert.False(again.GetProperty("changed").GetBoolean());
        Assert.NotNull(form.Page.QuerySelector("#door figure svg"));
        Assert.Equal(HttpStatusCode.Accepted, held.Response.StatusCode);
        Assert.Equal("Menunggu konfirmasi panitia", held.Page.QuerySelector("[role=status] h2")!.TextContent);
        Assert.NotNull(held.Page.QuerySelector("#door figure svg"));
        Assert.Equal(AttendanceStatus.Pending, row.Status);
        Assert.Equal(AttendanceSource.Self, row.Source);
        // Held, not counted: the completion rule does not see it as attendance.
        var line = export.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("participantId").GetString() == ids[0]);
        Assert.Equal(0, line.GetProperty("counted").GetInt32());
        Assert.False(line.GetProperty("meetsRule").GetBoolean());
        Assert.True(roster.GetProperty("presenceRequired").GetBoolean());
        Assert.Equal(1, roster.GetProperty("counts").GetProperty("pending").GetInt32());

        w.Clock.Advance(TimeSpan.FromMinutes(20));
        var decided = await OkJsonAsync(await DecideAsync(w, "s1", new { participantId = ids[0], decision = "confirm" }, new { participantId = ids[1], decision = "reject" }));
        var repeat = await OkJsonAsync(await DecideAsync(w, "s1", new { participantId = ids[0], decision = "reject" }));
        var confirmed = (await w.MarkAsync("s1", ids[0]))!;
        var after = (await w.JsonAsync($"api/cycles/{w.CycleId}/attendance")).GetProperty("items").EnumerateArray().Single(i => i.GetProperty("participantId").GetString() == ids[0]);
        var audit = await w.World.Host.Services.GetRequiredService<AuditLog>().ReadAsync(w.CycleId);

        Assert.Equal(["confirmed", "notPending"], decided.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("outcome").GetString()));
        Assert.Equal("notPending", repeat.GetProperty("results")[0].GetProperty("outcome").GetString());
        // Present as of the moment the code was typed (08:00 − 10 min), not of the confirmation (late by then).
        Assert.Equal(AttendanceStatus.Present, confirmed.Status);
        Assert.Equal(row.CheckedInAt, confirmed.CheckedInAt);
        Assert.Equal("Rahmawati (panitia)", confirmed.MarkedBy);
        Assert.Null(await w.MarkAsync("s1", ids[1]));
        Assert.True(after.GetProperty("meetsRule").GetBoolean());
        Assert.Single(audit, e => e.Action == "attendance.checkin-mode" && e.Actor == "Rahmawati (panitia)" && e.Details == "s1: presence");
        Assert.Single(audit, e => e.Action == "attendance.pending-confirmed" && e.ParticipantId == ids[0]);
        Assert.DoesNotContain(audit, e => e.Action == "attendance.pending-rejected");
    }

    [Fact]
    public async Task ARejectedCheckInIsAbsentAndSwitchingOffMakesTheCodeEnoughAgain()
    {
        await using var w = await AttendanceWorld.StartAsync();
        var ids = await w.AddParticipantsAsync(2);
        w.Clock.Now = w.Session("s2").StartsAt.AddMinutes(-5);
        await OkJsonAsync(await ModeAsync(w, "s2", on: true));
        await w.CheckInAsync(w.Token(ids[0]), w.CodeNow("s2"));

        var rejected = await OkJsonAsync(await DecideAsync(w, "s2", new { participantId = ids[0], decision = "reject", note = "tidak ada di ruangan" }));
        var page = await Forms.GetAsync(w.World.Http, w.CheckInUrl(w.Token(ids[0])));
        await OkJsonAsync(await ModeAsync(w, "s2", on: false));
        var direct = await w.CheckInAsync(w.Token(ids[1]), w.CodeNow("s2"));

        Assert.Equal("rejected", rejected.GetProperty("results")[0].GetProperty("outcome").GetString());
        var row = (await w.MarkAsync("s2", ids[0]))!;
        Assert.Equal((AttendanceStatus.Absent, "tidak ada di ruangan"), (row.Status, row.Note));
        Assert.Contains("lapor ke meja panitia", page.Page.Body!.TextContent, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, direct.Response.StatusCode);
        Assert.Equal(AttendanceStatus.Present, (await w.MarkAsync("s2", ids[1]))!.Status);
        // Another session was never switched: its mode is still the code alone.
        Assert.False((await w.JsonAsync($"api/cycles/{w.CycleId}/sessions/s1/attendance")).GetProperty("presenceRequired").GetBoolean());
    }

    [Fact]
    public async Task ScanningThePersonalQrAtTheDoorRecordsTheCheckInAndConfirmsAHeldOne()
    {
        await using var w = await AttendanceWorld.StartAsync();
        var ids = await w.AddParticipantsAsync(3);
        w.Clock.Now = w.Session("s1").StartsAt.AddMinutes(20); // late by now
        await OkJsonAsync(await ModeAsync(w, "s1", on: true));
        await w.CheckInAsync(w.Token(ids[1]), w.CodeNow("s1"));
        await w.CheckInAsync(w.Token(ids[2]), w.CodeNow("s1"));
        await OkJsonAsync(await DecideAsync(w, "s1", new { participantId = ids[2], decision = "reject" }));

        var scanned = await OkJsonAsync(await ScanAsync(w, "s1", PresenceToken(w, ids[0])));
        var twice = await OkJsonAsync(await ScanAsync(w, "s1", PresenceToken(w, ids[0])));
        var held = await OkJsonAsync(await ScanAsync(w, "s1", $"{w.World.Host.BaseUrl}/x?p={Uri.EscapeDataString(PresenceToken(w, ids[1]))}"));
        var wasRejected = await OkJsonAsync(await ScanAsync(w, "s1", PresenceToken(w, ids[2])));
        var audit = await w.World.Host.Services.GetRequiredService<AuditLog>().ReadAsync(w.CycleId);

        Assert.Equal(("recorded", "Late"), (scanned.GetProperty("outcome").GetString(), scanned.GetProperty("status").GetString()));
        Assert.StartsWith("Peserta 1 ", scanned.GetProperty("fullName").GetString(), StringComparison.Ordinal);
        Assert.Equal("already", twice.GetProperty("outcome").GetString());
        Assert.Equal("confirmed", held.GetProperty("outcome").GetString());
        Assert.Equal("confirmed", wasRejected.GetProperty("outcome").GetString());
        foreach (var id in ids)
        {
            var row = (await w.MarkAsync("s1", id))!;
            Assert.Equal((AttendanceStatus.Late, AttendanceSource.Door, "Budi (pintu)"), (row.Status, row.Source, row.MarkedBy));
        }

        Assert.Equal(3, audit.Count(e => e.Action == "attendance.door-checkin" && e.Actor == "Budi (pintu)"));
    }

    [Fact]
    public async Task WrongScansAndBadRequestsAreRefusedInBothLanguagesAndChangeNothing()
    {
        await using var w = await AttendanceWorld.StartAsync();
        var ids = await w.AddParticipantsAsync(1);
        var withdrawn = await w.AddParticipantsAsync(1, ParticipantStatus.Withdrawn);
        w.Clock.Now = w.Session("s1").StartsAt.AddMinutes(-5);
        await OkJsonAsync(await ModeAsync(w, "s1", on: true));
        await w.CheckInAsync(w.Token(ids[0]), w.CodeNow("s1"));
        var attendance = await w.World.Host.Services.GetRequiredService<AppTables>().GetAsync(AppTables.Attendance);
        var before = await Fuzz.SnapshotAsync(attendance, w.CycleId);
        var tokens = w.World.Host.Services.GetRequiredService<Tokens>();

        var attempts = new List<(string What, HttpResponseMessage Response, int Expected)>
        {
            ("garbage", await ScanAsync(w, "s1", "<script>alert(1)</script>"), 422),
            ("the check-in link's token", await ScanAsync(w, "s1", w.Token(ids[0])), 422),
            ("another cycle's presence QR", await ScanAsync(w, "s1", tokens.Create(TokenPurpose.Presence, "cxxxxxxxxxxxx", ids[0], w.Clock.Now.AddDays(1))), 422),
            ("an expired presence QR", await ScanAsync(w, "s1", tokens.Create(TokenPurpose.Presence, w.CycleId, ids[0], w.Clock.Now.AddSeconds(-1))), 422),
            ("a withdrawn participant", await ScanAsync(w, "s1", PresenceToken(w, withdrawn[0])), 422),
            ("a session whose window is closed", await ScanAsync(w, "s2", PresenceToken(w, ids[0])), 409),
            ("an unknown session", await ScanAsync(w, "nope", PresenceToken(w, ids[0])), 404),
            ("a decision that is neither", await DecideAsync(w, "s1", new { participantId = ids[0], decision = "maybe" }), 422),
            ("no decisions", await DecideAsync(w, "s1"), 400),
            ("a mode without presenceRequired", await SendAsync(w.World.Organizer, HttpMethod.Put, $"api/cycles/{w.CycleId}/sessions/s1/checkin-mode", new { changedBy = "x" }), 400),
            ("malformed JSON", await w.World.Organizer.PostAsync($"api/cycles/{w.CycleId}/sessions/s1/pending", new StringContent("{\"decisions\":[", Encoding.UTF8, "application/json")), 400),
        };

        var problems = new List<string>();
        foreach (var (what, response, expected) in attempts)
        {
            var text = await response.Content.ReadAsStringAsync();
            if ((int)response.StatusCode != expected)
            {
                problems.Add($"{what}: {(int)response.StatusCode} {text}");
                continue;
            }

            var error = JsonDocument.Parse(text).RootElement.GetProperty("error");
            if (string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()) || string.IsNullOrWhiteSpace(error.GetProperty("messageEn").GetString()))
            {
                problems.Add($"{what}: not bilingual: {text}");
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.Equal(before, await Fuzz.SnapshotAsync(attendance, w.CycleId));
        Assert.Equal(AttendanceStatus.Pending, (await w.MarkAsync("s1", ids[0]))!.Status);
    }

    [Fact]
    public async Task OrganizersDecidingTheSameHeldCheckInAtOnceDecideItOnce()
    {
        await using var w = await AttendanceWorld.StartAsync();
        var ids = await w.AddParticipantsAsync(10);
        w.Clock.Now = w.Session("s1").StartsAt.AddMinutes(-5);
        await OkJsonAsync(await ModeAsync(w, "s1", on: true));
        foreach (var id in ids)
        {
            await w.CheckInAsync(w.Token(id), w.CodeNow("s1"));
        }

        // Per participant, two organizers confirm, one rejects and the door scans — all at the same time.
        var all = ids.SelectMany(id => new Func<Task<HttpResponseMessage>>[]
        {
            () => DecideAsync(w, "s1", new { participantId = id, decision = "confirm" }),
            () => DecideAsync(w, "s1", new { participantId = id, decision = "confirm" }),
            () => DecideAsync(w, "s1", new { participantId = id, decision = "reject" }),
            () => ScanAsync(w, "s1", PresenceToken(w, id)),
        }).ToList();
        var responses = await Task.WhenAll(all.Select(f => Task.Run(f)));
        var audit = await w.World.Host.Services.GetRequiredService<AuditLog>().ReadAsync(w.CycleId);

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        foreach (var id in ids)
        {
            var decisions = audit.Where(e => e.ParticipantId == id && e.Action is "attendance.pending-confirmed" or "attendance.pending-rejected").ToList();
            var door = audit.Where(e => e.ParticipantId == id && e.Action == "attendance.door-checkin").ToList();
            var row = (await w.MarkAsync("s1", id))!;
            Assert.NotEqual(AttendanceStatus.Pending, row.Status);
            // The held check-in is decided exactly once; a scan may still follow a rejection (the person is at the door).
            Assert.True(decisions.Count + door.Count(e => e.Details!.Contains("Pending", StringComparison.Ordinal)) == 1, $"{id}: {string.Join(", ", decisions.Concat(door).Select(e => e.Action + " " + e.Details))}");
            Assert.True(door.Count <= 1);
        }
    }

    [Fact]
    public async Task AHeldCheckInSurvivesTheEndOfTrainingUncountedAndConfirmingItLaterIssuesTheCertificate()
    {
        await using var world = await TestWorld.StartAsync(DevHost.DurableBackend.InMemory);
        var definition = CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 4, sessions: 1);
        definition["completion"] = new System.Text.Json.Nodes.JsonObject { ["minimumAttendancePercent"] = 100 };
        var cycleId = (await CycleApi.CreateAsync(world.Organizer, definition)).GetProperty("cycleId").GetString()!;
        var cycle = (await world.Host.Services.GetRequiredService<CycleStore>().GetAsync(cycleId))!;
        var session = cycle.Schedule.Sessions[0];
        var id = Ids.New("p");
        var participants = world.Host.Services.GetRequiredService<TrainingCycles.Cycles.ParticipantStore>();
        var tables = world.Host.Services.GetRequiredService<AppTables>();
        await (await tables.GetAsync(AppTables.Participants)).AddEntityAsync(new ParticipantEntity { PartitionKey = cycleId, RowKey = id, Email = $"{id}@example.org", FullName = "Maria Ulfah", Status = ParticipantStatus.Confirmed, Language = "id", RegistrationNumber = "R001" });
        // What a code check-in in a presence-bound session leaves behind.
        Assert.True(await world.Host.Services.GetRequiredService<AttendanceStore>().TryAddAsync(new AttendanceEntity
        {
            PartitionKey = cycleId, RowKey = AttendanceStore.Key(session.Id, id), SessionId = session.Id, ParticipantId = id,
            Status = AttendanceStatus.Pending, CheckedInAt = session.StartsAt, Source = AttendanceSource.Self, MarkedAt = session.StartsAt,
        }));

        await CycleApi.WaitForPhaseAsync(world.Organizer, cycleId, "Completed");
        var before = (await participants.GetAsync(cycleId, id))!;
        var row = await world.Host.Services.GetRequiredService<AttendanceStore>().GetAsync(cycleId, session.Id, id);
        var decided = await OkJsonAsync(await SendAsync(world.Organizer, HttpMethod.Post, $"api/cycles/{cycleId}/sessions/{session.Id}/pending",
            new { decisions = new[] { new { participantId = id, decision = "confirm" } }, decidedBy = "Rahmawati (panitia)" }));
        var after = (await participants.GetAsync(cycleId, id))!;
        for (var i = 0; i < 150 && after.CertificateNumber is null; i++)
        {
            await Task.Delay(200); // the certificate follows as workflow work
            after = (await participants.GetAsync(cycleId, id))!;
        }

        Assert.False(before.Eligible);
        Assert.Null(before.CertificateNumber);
        Assert.Equal(AttendanceStatus.Pending, row!.Status); // the end of training did not turn it into Absent
        Assert.True(decided.GetProperty("completion")[0].GetProperty("eligible").GetBoolean());
        Assert.True(decided.GetProperty("certificates").GetProperty("scheduled").GetBoolean());
        Assert.True(after.Eligible);
        Assert.NotNull(after.CertificateNumber);
    }

    [Fact]
    public void APendingCheckInNeverCountsTowardCompletion()
    {
        var sessions = new[] { new ScheduledSession("s1", "Hari 1", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddHours(4)) };
        var rule = new CompletionRule { MinimumAttendancePercent = 0, LateCounts = true, ExcusedCounts = true };

        var result = CompletionRuleEvaluator.Evaluate(rule with { MinimumAttendancePercent = 100 }, sessions, new Dictionary<string, string> { ["s1"] = AttendanceStatus.Pending });

        Assert.False(CompletionRuleEvaluator.Counts(rule, AttendanceStatus.Pending));
        Assert.False(result.Eligible);
        Assert.Equal(0, result.Counted);
        Assert.Null(AttendanceStatus.Normalize("Pending")); // not a mark an organizer can set through the roster
    }
}
