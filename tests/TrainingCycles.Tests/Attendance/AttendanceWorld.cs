using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using TrainingCycles.Attendance;
using TrainingCycles.Cycles;
using TrainingCycles.DevHost;
using TrainingCycles.Infrastructure;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Attendance;

/// <summary>
/// A test world with a controllable clock and one cycle of three 4-hour sessions a few days ahead (so the workflow's
/// real timers never move it), check-in from 30 minutes before to 60 after the start, late after 15; confirmed
/// participants are put straight into the Participants table.
/// </summary>
public sealed class AttendanceWorld : IAsyncDisposable
{
    private AttendanceWorld(TestWorld world, FakeTimeProvider clock, CycleRecord cycle)
    {
        World = world;
        Clock = clock;
        Cycle = cycle;
    }

    public TestWorld World { get; }

    public FakeTimeProvider Clock { get; }

    public CycleRecord Cycle { get; }

    public string CycleId => Cycle.CycleId;

    public ScheduledSession Session(string id) => Cycle.Schedule.Sessions.Single(s => s.Id == id);

    public static async Task<AttendanceWorld> StartAsync(JsonObject? completion = null, int sessions = 3)
    {
        var now = DateTimeOffset.UtcNow;
        var clock = new FakeTimeProvider(now);
        var world = await TestWorld.StartAsync(DurableBackend.InMemory, services: s => s.AddSingleton<TimeProvider>(clock));
        var definition = Definition(now, sessions, completion);
        var cycleId = (await CycleApi.CreateAsync(world.Organizer, definition)).GetProperty("cycleId").GetString()!;
        var cycle = await world.Host.Services.GetRequiredService<CycleStore>().GetAsync(cycleId);
        return new AttendanceWorld(world, clock, cycle!);
    }

    /// <summary>Sessions on consecutive days at 08:00–12:00 WIB, starting the day after tomorrow.</summary>
    public static JsonObject Definition(DateTimeOffset now, int sessions = 3, JsonObject? completion = null)
    {
        var definition = CycleApi.CompressedDefinition(now, closeAfterSeconds: 24 * 3600);
        var firstDay = now.ToOffset(TimeSpan.FromHours(7)).Date.AddDays(2);
        definition["sessions"] = new JsonArray([.. Enumerable.Range(0, sessions).Select(i => (JsonNode)new JsonObject
        {
            ["id"] = $"s{i + 1}",
            ["title"] = $"Hari {i + 1}",
            ["startsAt"] = firstDay.AddDays(i).AddHours(8).ToString("yyyy-MM-dd'T'HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) + "+07:00",
            ["endsAt"] = firstDay.AddDays(i).AddHours(12).ToString("yyyy-MM-dd'T'HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) + "+07:00",
        })]);
        definition["checkIn"] = new JsonObject { ["opensMinutesBeforeStart"] = 30, ["closesMinutesAfterStart"] = 60, ["lateAfterMinutes"] = 15 };
        definition["completion"] = completion ?? new JsonObject { ["minimumAttendancePercent"] = 67, ["lateCounts"] = true, ["excusedCounts"] = false };
        return definition;
    }

    public async Task<IReadOnlyList<string>> AddParticipantsAsync(int count, string status = ParticipantStatus.Confirmed, string cycleId = "")
    {
        cycleId = cycleId.Length == 0 ? CycleId : cycleId;
        var table = await World.Host.Services.GetRequiredService<AppTables>().GetAsync(AppTables.Participants);
        var ids = new List<string>();
        var entities = Enumerable.Range(1, count).Select(i =>
        {
            var id = Ids.New("p");
            ids.Add(id);
            return new ParticipantEntity
            {
                PartitionKey = cycleId,
                RowKey = id,
                Email = $"peserta{i}.{id}@example.org",
                FullName = $"Peserta {i} {id[^4..]}",
                Agency = "Dinas Sosial Kabupaten Kapuas",
                RegistrationNumber = $"T-{i:0000}",
                Status = status,
                Language = "id",
            };
        }).ToList();
        foreach (var chunk in entities.Chunk(100))
        {
            await table.SubmitTransactionAsync(chunk.Select(e => new TableTransactionAction(TableTransactionActionType.Add, e)));
        }

        return ids;
    }

    public string Token(string participantId, string? purpose = null, TimeSpan? lifetime = null, string? cycleId = null) =>
        World.Host.Services.GetRequiredService<Tokens>().Create(purpose ?? TokenPurpose.CheckIn, cycleId ?? CycleId, participantId, Clock.Now + (lifetime ?? TimeSpan.FromDays(7)));

    public string CheckInUrl(string token, string? lang = null) =>
        $"api/cycles/{CycleId}/checkin?t={Uri.EscapeDataString(token)}" + (lang is null ? "" : "&lang=" + lang);

    public string CodeNow(string sessionId, DateTimeOffset? at = null) => SessionCodes.Current(Cycle.Entity.CheckInSecret, sessionId, at ?? Clock.Now).Code;

    public Task<(HttpResponseMessage Response, AngleSharp.Html.Dom.IHtmlDocument Page)> CheckInAsync(string token, string code, string? lang = null) =>
        Forms.PostAsync(World.Http, CheckInUrl(token), new Dictionary<string, string> { ["code"] = code, ["lang"] = lang ?? "id" });

    public async Task<AttendanceEntity?> MarkAsync(string sessionId, string participantId) =>
        await World.Host.Services.GetRequiredService<AttendanceStore>().GetAsync(CycleId, sessionId, participantId);

    public async Task<HttpResponseMessage> PutMarksAsync(string sessionId, object body, HttpClient? client = null) =>
        await (client ?? World.Organizer).PutAsync($"api/cycles/{CycleId}/sessions/{sessionId}/attendance", new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"));

    /// <summary>The code-screen link an organizer gets from <c>POST …/code-screen</c> (header key only).</summary>
    public async Task<string> CodeScreenUrlAsync(string sessionId)
    {
        var response = await World.Organizer.PostAsync($"api/cycles/{CycleId}/sessions/{sessionId}/code-screen", null);
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("url").GetString()!;
    }

    public async Task<JsonElement> JsonAsync(string url)
    {
        var response = await World.Organizer.GetAsync(url);
        Assert.True(response.IsSuccessStatusCode, $"{url} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public ValueTask DisposeAsync() => World.DisposeAsync();
}
