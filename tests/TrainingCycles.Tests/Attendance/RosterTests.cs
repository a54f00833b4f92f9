using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TrainingCycles.Attendance;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Attendance;

public sealed class RosterTests
{
    [Fact]
    public async Task MarkingIsIdempotentAndEveryActualChangeIsAuditedOnce()
    {
        await using var w = await AttendanceWorld.StartAsync();
        var ids = await w.AddParticipantsAsync(3);
        w.Clock.Now = w.Session("s1").StartsAt.AddMinutes(-5);
        Assert.Equal(HttpStatusCode.OK, (await w.CheckInAsync(w.Token(ids[0]), w.CodeNow("s1"))).Response.StatusCode);
        var audit = w.World.Host.Services.GetRequiredService<AuditLog>();

        object Body(string first) => new
        {
            markedBy = "Rahmawati (panitia)",
            marks = new object[]
            {
                new { participantId = ids[0], status = first },
                new { participantId = ids[1], status = "absent" },
                new { participantId = ids[2], status = "Excused", note = "Surat tugas dinas" },
            },
        };

        var first = await w.PutMarksAsync("s1", Body("Present"));
        var firstBody = await first.Content.ReadFromJsonAsync<JsonElement>();
        var again = await (await w.PutMarksAsync("s1", Body("Present"))).Content.ReadFromJsonAsync<JsonElement>();
        var auditAfterRepeat = await audit.ReadAsync(w.CycleId);
        var correction = await (await w.PutMarksAsync("s1", Body("Late"))).Content.ReadFromJsonAsync<JsonElement>();
        var entries = (await audit.ReadAsync(w.CycleId)).Where(e => e.Action == "attendance.marked").ToList();

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        // ids[0] checked in themselves as Present: the same status from the organizer is no change.
        Assert.Equal(2, firstBody.GetProperty("changed").GetInt32());
        Assert.Equal(0, again.GetProperty("changed").GetInt32());
        Assert.Equal(3, again.GetProperty("unchanged").GetInt32());
        Assert.Equal(1, correction.GetProperty("changed").GetInt32());
        // Only the correction added an attendance entry (the cycle's workflow may log its own phase changes meanwhile).
        static int Marks(IEnumerable<AuditEntry> all) => all.Count(e => e.Action.StartsWith("attendance.", StringComparison.Ordinal));
        Assert.Equal(Marks(auditAfterRepeat), Marks(await audit.ReadAsync(w.CycleId)) - 1);
        Assert.Equal(3, entries.Count);
        Assert.All(entries, e => Assert.Equal("Rahmawati (panitia)", e.Actor));
        Assert.Contains(entries, e => e.ParticipantId == ids[1] && e.Details == "s1: — → Absent");
        Assert.Contains(entries, e => e.ParticipantId == ids[0] && e.Details == "s1: Present → Late");
        var row = (await w.MarkAsync("s1", ids[0]))!;
        Assert.Equal(AttendanceStatus.Late, row.Status);
        Assert.Equal(AttendanceSource.Roster, row.Source);
        Assert.NotNull(row.CheckedInAt);
        Assert.Equal("Surat tugas dinas", (await w.MarkAsync("s1", ids[2]))!.Note);
    }

    [Fact]
    public async Task WithoutMarkedByTheActorIsTheProvenCaller()
    {
        await using var w = await AttendanceWorld.StartAsync();
        var id = (await w.AddParticipantsAsync(1))[0];

        var response = await w.PutMarksAsync("s2", new { marks = new[] { new { participantId = id, status = "Present" } } });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var entry = (await w.World.Host.Services.GetRequiredService<AuditLog>().ReadAsync(w.CycleId, id)).Single();
        Assert.Equal((TestWorld.OrganizerActorId, "attendance.marked", "s2: — → Present"), (entry.ActorId, entry.Action, entry.Details));
    }

    [Fact]
    public async Task AnyBadItemRefusesTheWholeRequestWithPerItemErrors()
    {
        await using var w = await AttendanceWorld.StartAsync();
        var ids = await w.AddParticipantsAsync(3);
        var withdrawn = (await w.AddParticipantsAsync(1, ParticipantStatus.Withdrawn))[0];

        var response = await w.PutMarksAsync("s1", new
        {
            marks = new object?[]
            {
                new { participantId = ids[0], status = "Present" },
                new { participantId = Ids.New("p"), status = "Present" },
                new { participantId = ids[1], status = "Sleeping" },
                new { participantId = withdrawn, status = "Present" },
                new { participantId = ids[0], status = "Late" },
                new { status = "Present" },
                null,
                new { participantId = ids[2], status = "Excused", note = new string('x', 501) },
            },
        });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var error = body.GetProperty("error");
        Assert.Equal("invalid_marks", error.GetProperty("code").GetString());
        var details = error.GetProperty("details").EnumerateArray().Select(d => (d.GetProperty("index").GetInt32(), d.GetProperty("field").GetString())).ToList();
        Assert.Equal([(1, "participantId"), (2, "status"), (3, "participantId"), (4, "participantId"), (5, "participantId"), (6, "participantId"), (6, "status"), (7, "note")], details);
        Assert.Null(await w.MarkAsync("s1", ids[0]));
        Assert.Empty(await w.World.Host.Services.GetRequiredService<AttendanceStore>().ForCycleAsync(w.CycleId));
    }

    [Fact]
    public async Task BadRequestsGetJsonErrorsNeverA500()
    {
        await using var w = await AttendanceWorld.StartAsync();
        var id = (await w.AddParticipantsAsync(1))[0];
        var tooMany = new { marks = Enumerable.Range(0, RosterFunctions.MaxMarks + 1).Select(_ => new { participantId = id, status = "Present" }) };

        var cases = new (string Session, HttpContent Content, HttpStatusCode Expected)[]
        {
            ("s1", new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"), HttpStatusCode.BadRequest),
            ("s1", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"), HttpStatusCode.BadRequest),
            ("s1", JsonContent.Create(new { marks = new[] { new { participantId = 5, status = "Present" } } }), HttpStatusCode.BadRequest),
            ("s1", JsonContent.Create(tooMany), HttpStatusCode.UnprocessableEntity),
            ("s1", JsonContent.Create(new { marks = Array.Empty<object>(), markedBy = "x\ny" }), HttpStatusCode.UnprocessableEntity),
            ("s9", JsonContent.Create(new { marks = Array.Empty<object>() }), HttpStatusCode.NotFound),
        };
        foreach (var (session, content, expected) in cases)
        {
            var response = await w.World.Organizer.PutAsync($"api/cycles/{w.CycleId}/sessions/{session}/attendance", content);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {text}");
            Assert.True(JsonDocument.Parse(text).RootElement.TryGetProperty("error", out _), text);
        }

        var empty = await w.PutMarksAsync("s1", new { marks = Array.Empty<object>() });
        Assert.Equal(HttpStatusCode.OK, empty.StatusCode);
    }

    [Fact]
    public async Task OrganizerRoutesNeedTheFunctionKey()
    {
        await using var w = await AttendanceWorld.StartAsync();
        var id = (await w.AddParticipantsAsync(1))[0];

        var put = await w.PutMarksAsync("s1", new { marks = new[] { new { participantId = id, status = "Present" } } }, w.World.Http);

        Assert.Equal(HttpStatusCode.Unauthorized, put.StatusCode);
        foreach (var url in new[] { $"api/cycles/{w.CycleId}/sessions/s1/attendance", $"api/cycles/{w.CycleId}/attendance", $"api/cycles/{w.CycleId}/attendance?format=csv" })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await w.World.Http.GetAsync(url)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await w.World.Http.PostAsync($"api/cycles/{w.CycleId}/sessions/s1/code-screen", null)).StatusCode);

        Assert.Null(await w.MarkAsync("s1", id));
    }

    [Fact]
    public async Task SessionRosterShowsEveryConfirmedParticipantWithTheirMark()
    {
        await using var w = await AttendanceWorld.StartAsync();
        var ids = await w.AddParticipantsAsync(3);
        await w.AddParticipantsAsync(1, ParticipantStatus.Waitlisted);
        w.Clock.Now = w.Session("s1").StartsAt.AddMinutes(20);
        await w.CheckInAsync(w.Token(ids[0]), w.CodeNow("s1"));
        await w.PutMarksAsync("s1", new { marks = new[] { new { participantId = ids[1], status = "Excused", note = "Cuti melahirkan" } }, markedBy = "Budi" });

        var roster = await w.JsonAsync($"api/cycles/{w.CycleId}/sessions/s1/attendance");

        Assert.Equal("s1", roster.GetProperty("session").GetProperty("id").GetString());
        Assert.True(roster.GetProperty("window").GetProperty("open").GetBoolean());
        var counts = roster.GetProperty("counts");
        Assert.Equal((3, 0, 1, 1, 0, 1), (counts.GetProperty("confirmed").GetInt32(), counts.GetProperty("present").GetInt32(), counts.GetProperty("late").GetInt32(),
            counts.GetProperty("excused").GetInt32(), counts.GetProperty("absent").GetInt32(), counts.GetProperty("unmarked").GetInt32()));
        var items = roster.GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("participantId").GetString()!);
        Assert.Equal(3, items.Count);
        Assert.Equal(("Late", "self"), (items[ids[0]].GetProperty("status").GetString(), items[ids[0]].GetProperty("source").GetString()));
        Assert.Equal(("Excused", "Budi", "Cuti melahirkan"), (items[ids[1]].GetProperty("status").GetString(), items[ids[1]].GetProperty("markedBy").GetString(), items[ids[1]].GetProperty("note").GetString()));
        Assert.Equal(JsonValueKind.Null, items[ids[2]].GetProperty("status").ValueKind);
    }

    [Fact]
    public async Task ExportHasOneLinePerParticipantOneColumnPerSessionAndTheReasonAndIsFormulaSafe()
    {
        await using var w = await AttendanceWorld.StartAsync();
        var ids = await w.AddParticipantsAsync(2);
        var participants = w.World.Host.Services.GetRequiredService<TrainingCycles.Cycles.ParticipantStore>();
        var evil = (await participants.GetAsync(w.CycleId, ids[1]))!;
        evil.FullName = "=HYPERLINK(\"http://evil.example\",\"klik\")";
        await ParticipantRows.ReplaceAsync(w.World.Host.Services, evil);
        await w.PutMarksAsync("s1", new { marks = new[] { new { participantId = ids[0], status = "Present" }, new { participantId = ids[1], status = "Absent" } } });
        await w.PutMarksAsync("s2", new { marks = new[] { new { participantId = ids[0], status = "Late" } } });

        var response = await w.World.Organizer.GetAsync($"api/cycles/{w.CycleId}/attendance?format=csv");
        var csv = await response.Content.ReadAsStringAsync();
        var json = await w.JsonAsync($"api/cycles/{w.CycleId}/attendance");

        Assert.Equal("text/csv; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        var lines = csv.TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("participant_id,registration_number,full_name,nip,agency,participant_status,s1: Hari 1,s2: Hari 2,s3: Hari 3,counted,total,percent,meets_rule,eligible,completion,completion_en", lines[0], StringComparison.Ordinal);
        var first = lines.Single(l => l.StartsWith(ids[0], StringComparison.Ordinal));
        Assert.Contains(",Confirmed,Present,Late,,2,3,66,false,,", first, StringComparison.Ordinal);
        Assert.Contains("hadir 2 dari 3 sesi (1 tepat waktu, 1 terlambat), 66% < 67%", first, StringComparison.Ordinal);
        Assert.Contains("attended 2 of 3 sessions (1 on time, 1 late), 66% < 67%", first, StringComparison.Ordinal);
        var second = lines.Single(l => l.StartsWith(ids[1], StringComparison.Ordinal));
        Assert.Contains("\"'=HYPERLINK(", second, StringComparison.Ordinal);
        Assert.DoesNotContain(",=HYPERLINK", second, StringComparison.Ordinal);

        var item = json.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("participantId").GetString() == ids[0]);
        Assert.Equal("Late", item.GetProperty("marks").GetProperty("s2").GetProperty("status").GetString());
        Assert.Equal("hadir 2 dari 3 sesi (1 tepat waktu, 1 terlambat), 66% < 67%", item.GetProperty("explanation").GetString());
        Assert.False(item.GetProperty("meetsRule").GetBoolean());
        Assert.Equal(67, json.GetProperty("rule").GetProperty("minimumAttendancePercent").GetInt32());
    }

    [Fact]
    public async Task CodeEndpointGivesTheCodeThatCheckInAccepts()
    {
        await using var w = await AttendanceWorld.StartAsync();
        var id = (await w.AddParticipantsAsync(1))[0];
        w.Clock.Now = w.Session("s2").StartsAt.AddMinutes(-29).AddSeconds(15);

        var screen = await w.CodeScreenUrlAsync("s2");
        var json = await w.World.Http.GetFromJsonAsync<JsonElement>(screen + "&format=json");
        w.Clock.Advance(TimeSpan.FromSeconds(70));
        var checkIn = await w.CheckInAsync(w.Token(id), json.GetProperty("code").GetString()!);

        Assert.Matches("^[0-9]{6}$", json.GetProperty("code").GetString());
        var validFrom = json.GetProperty("validFrom").GetDateTimeOffset();
        Assert.Equal(validFrom.AddSeconds(60), json.GetProperty("validUntil").GetDateTimeOffset());
        Assert.Equal(validFrom.AddSeconds(120), json.GetProperty("acceptedUntil").GetDateTimeOffset());
        Assert.True(json.GetProperty("window").GetProperty("open").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, checkIn.Response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await w.World.Organizer.PostAsync($"api/cycles/{w.CycleId}/sessions/nope/code-screen", null)).StatusCode);
    }

    [Fact]
    public async Task CodePageShowsTheCodeLargeRefreshesItselfAndCarriesAScannableQrCode()
    {
        await using var w = await AttendanceWorld.StartAsync();
        w.Clock.Now = w.Session("s1").StartsAt.AddMinutes(-10).AddSeconds(42);

        var (response, page) = await Forms.GetAsync(w.World.Http, await w.CodeScreenUrlAsync("s1"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(w.CodeNow("s1"), page.QuerySelector(".big")!.TextContent);
        Assert.Equal("19", page.QuerySelector("meta[http-equiv=refresh]")!.GetAttribute("content"));
        Assert.Contains("Presensi sedang dibuka", page.Body!.TextContent, StringComparison.Ordinal);
        var svg = page.QuerySelector("figure svg")!;
        Assert.Equal("img", svg.GetAttribute("role"));
        var url = page.QuerySelector("figcaption")!.TextContent;
        Assert.Equal(new Uri(w.World.Host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<TrainingCyclesOptions>>().Value.PublicBaseUri, $"api/cycles/{w.CycleId}/checkin").ToString(), url);
        Assert.Equal(Decode(svg.QuerySelector("path")!.GetAttribute("d")!, int.Parse(svg.GetAttribute("viewBox")!.Split(' ')[2], CultureInfo.InvariantCulture)), Matrix(url));
        Assert.Null(page.QuerySelector("script"));
    }

    /// <summary>The dark modules the SVG path draws (each sub-path is one run: M x y h n v1 h-n z).</summary>
    private static string Decode(string path, int size)
    {
        var grid = new bool[size, size];
        foreach (var run in path.Split('z', StringSplitOptions.RemoveEmptyEntries))
        {
            var m = System.Text.RegularExpressions.Regex.Match(run, @"^M(\d+) (\d+)h(\d+)v1h-\d+$");
            Assert.True(m.Success, run);
            int x = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), y = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), n = int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture);
            for (var i = 0; i < n; i++)
            {
                grid[y, x + i] = true;
            }
        }

        // Quiet zone of four modules on every side.
        var text = new System.Text.StringBuilder();
        for (var y = 4; y < size - 4; y++)
        {
            for (var x = 4; x < size - 4; x++)
            {
                text.Append(grid[y, x] ? '#' : '.');
            }

            text.Append('\n');
        }

        Assert.True(Enumerable.Range(0, size).All(i => !grid[0, i] && !grid[i, 0] && !grid[3, i] && !grid[size - 1, i]));
        return text.ToString();
    }

    private static string Matrix(string url)
    {
        using var generator = new QRCoder.QRCodeGenerator();
        using var data = generator.CreateQrCode(url, QRCoder.QRCodeGenerator.ECCLevel.M);
        var matrix = data.ModuleMatrix;
        var border = (matrix.Count - QrSvg.Modules(url).Count) / 2;
        var text = new System.Text.StringBuilder();
        for (var y = border; y < matrix.Count - border; y++)
        {
            for (var x = border; x < matrix.Count - border; x++)
            {
                text.Append(matrix[y][x] ? '#' : '.');
            }

            text.Append('\n');
        }

        return text.ToString();
    }
}
