using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using TrainingCycles.Cycles;
using TrainingCycles.DevHost;
using TrainingCycles.Infrastructure;
using TrainingCycles.Tests.Reliability.Corpus;
using TrainingCycles.Tests.Support;
using Xunit.Abstractions;

namespace TrainingCycles.Tests.Reliability;

public sealed class CycleFuzzWorld : IAsyncLifetime
{
    public TestWorld World { get; private set; } = null!;

    public CapturedLogs Logs { get; } = new();

    public async Task InitializeAsync() => World = await TestWorld.StartAsync(DurableBackend.InMemory, logs: Logs);

    public async Task DisposeAsync() => await World.DisposeAsync();
}

/// <summary>
/// <c>POST /api/cycles</c> with arbitrary JSON: a valid definition with one to four values replaced (by nulls, numbers
/// at the edges, nasty strings, times at the edges of the calendar, durations that overflow, wrong types, nested
/// junk) or removed, random JSON, and the corpus bodies. Never a 5xx; a 400 names the problem in both languages
/// (field by field for a definition that parses); the answer agrees with the validator; and the Cycles table holds
/// exactly one more row per 201, each with its workflow started — nothing half-created.
/// </summary>
public sealed class CycleDefinitionFuzzTests(CycleFuzzWorld fixture, ITestOutputHelper output) : IClassFixture<CycleFuzzWorld>
{
    private const int Inputs = 700;

    public sealed record Input(string Body, string Note)
    {
        public override string ToString() => Note + " " + Body;
    }

    private static readonly string[] Paths =
    [
        "title", "organizerName", "venue", "description", "timeZone", "capacity", "inviteOnly", "registrationOpensAt", "registrationClosesAt",
        "sessions", "sessions[0]", "sessions[0].id", "sessions[0].title", "sessions[0].startsAt", "sessions[0].endsAt", "sessions[1].startsAt", "sessions[1].id",
        "reminders", "reminders.beforeDeadline", "reminders.beforeDeadline[0]", "reminders.beforeTraining[0]",
        "completion", "completion.minimumAttendancePercent", "completion.lateCounts",
        "certificate", "certificate.numberFormat", "certificate.trainingHours", "certificate.signatoryName", "certificate.signatoryNip", "certificate.accentColor", "certificate.heading",
        "checkIn", "checkIn.opensMinutesBeforeStart", "checkIn.closesMinutesAfterStart", "checkIn.lateAfterMinutes", "regencies", "unknownProperty",
    ];

    private static Gen<JsonNode?> ValueGen(DateTimeOffset now) => Gen.Frequency(
        (2, Gen.Constant<JsonNode?>(null)),
        (4, Fuzz.NastyString.Select(s => (JsonNode?)JsonValue.Create(s))),
        (3, PureFunctionFuzzTests.TimeGen(now).Select(s => (JsonNode?)JsonValue.Create(s))),
        (2, PureFunctionFuzzTests.PeriodGen.Select(s => (JsonNode?)JsonValue.Create(s))),
        (2, Gen.Elements(0, -1, 1, int.MaxValue, int.MinValue, 100_001, 101, 1441).Select(n => (JsonNode?)JsonValue.Create(n))),
        (1, Gen.Elements(1e308, -0.0, 0.5, 3e9, -3e9).Select(d => (JsonNode?)JsonValue.Create(d))),
        (1, Gen.Elements(true, false).Select(b => (JsonNode?)JsonValue.Create(b))),
        (1, Fuzz.NastyString.ListOf().Select(l => (JsonNode?)new JsonArray([.. l.Select(s => (JsonNode?)JsonValue.Create(s))]))),
        (1, Gen.Constant<JsonNode?>(null).Select(_ => (JsonNode?)new JsonObject { ["a"] = new JsonArray(new JsonObject { ["b"] = 1 }) })),
        (1, Gen.Choose(0, 80).Select(n => (JsonNode?)new JsonArray([.. Enumerable.Range(0, n).Select(i => (JsonNode?)new JsonObject { ["id"] = "s" + i, ["title"] = new string('T', 200), ["startsAt"] = CycleApi.Iso(now.AddDays(2).AddHours(i)), ["endsAt"] = CycleApi.Iso(now.AddDays(2).AddHours(i).AddMinutes(30)) })]))));

    private static Gen<Input> InputGen(DateTimeOffset now)
    {
        var edit = Gen.Zip(Gen.Elements(Paths), Gen.Frequency((5, ValueGen(now).Select(v => (Remove: false, Value: v))), (1, Gen.Constant((Remove: true, Value: (JsonNode?)null)))));
        var mutated = Gen.Choose(1, 4).SelectMany(n => edit.ListOf(n)).Select(edits =>
        {
            var definition = CycleApi.CompressedDefinition(now, closeAfterSeconds: 3 * 24 * 3600);
            foreach (var (path, (remove, value)) in edits)
            {
                Set(definition, path, remove, value?.DeepClone());
            }

            return new Input(definition.ToJsonString(), "mutated: " + string.Join(", ", edits.Select(e => e.Item1 + (e.Item2.Remove ? " removed" : " = " + Fuzz.Describe(e.Item2.Value?.ToJsonString() ?? "null")))));
        });
        var random = ValueGen(now).Select(v => new Input(v?.ToJsonString() ?? "null", "random JSON"));
        var text = Fuzz.NastyString.Select(s => new Input(s, "text"));
        return Gen.Frequency((8, mutated), (1, random), (1, text));
    }

    private static void Set(JsonObject root, string path, bool remove, JsonNode? value)
    {
        var parts = path.Replace("[", ".", StringComparison.Ordinal).Replace("]", "", StringComparison.Ordinal).Split('.');
        JsonNode? node = root;
        for (var i = 0; i < parts.Length - 1 && node is not null; i++)
        {
            node = node switch
            {
                JsonArray a when int.TryParse(parts[i], out var index) => index < a.Count ? a[index] : null,
                JsonObject o => o[parts[i]],
                _ => null,
            };
        }

        var last = parts[^1];
        switch (node)
        {
            case JsonObject o when remove:
                o.Remove(last);
                break;
            case JsonObject o:
                o[last] = value;
                break;
            case JsonArray a when int.TryParse(last, out var index) && index < a.Count:
                if (remove)
                {
                    a.RemoveAt(index);
                }
                else
                {
                    a[index] = value;
                }

                break;
        }
    }

    [Fact]
    public async Task CreateCycleNeverAnswers500AndCreatesExactlyOneCyclePer201()
    {
        var world = fixture.World;
        var now = DateTimeOffset.UtcNow;
        var cyclesTable = await world.Host.Services.GetRequiredService<AppTables>().GetAsync(AppTables.Cycles);
        var participantsTable = await world.Host.Services.GetRequiredService<AppTables>().GetAsync(AppTables.Participants);
        var cyclesBefore = await Fuzz.CountAsync(cyclesTable);
        var countersBefore = await Fuzz.CountAsync(participantsTable);
        var inputs = Fuzz.Sample(InputGen(now), Inputs, salt: 4).Concat(NastyInputs.Bodies().Select(b => new Input(Encoding.UTF8.GetString(b.Bytes.AsSpan(0, Math.Min(b.Bytes.Length, 200))), "corpus: " + b))).ToList();
        var bodies = NastyInputs.Bodies();
        var created = new System.Collections.Concurrent.ConcurrentBag<string>();
        var statuses = new System.Collections.Concurrent.ConcurrentDictionary<int, int>();

        var run = await Fuzz.RunAsync("POST /cycles", inputs, lanes: 4, async (lane, i, input) =>
        {
            var corpus = i >= Inputs ? bodies[i - Inputs] : null;
            var content = corpus is not null ? Fuzz.Content(corpus) : Fuzz.Content(Encoding.UTF8.GetBytes(input.Body), "application/json");
            var answer = await Fuzz.SendAsync(world.Organizer, HttpMethod.Post, "api/cycles", content);
            statuses.AddOrUpdate(answer.Code, 1, (_, n) => n + 1);
            Fuzz.AssertClear(answer, "create cycle");
            if (answer.Status == HttpStatusCode.Created)
            {
                created.Add(JsonDocument.Parse(answer.Body).RootElement.GetProperty("cycleId").GetString()!);
            }

            if (corpus is not null)
            {
                Assert.True(answer.Code is 400 or 413, $"a corpus body got {answer.Says}");
                return;
            }

            // The validator's verdict on the same JSON (its clock is a moment earlier, so a deadline can only have passed since).
            CycleDefinition? definition;
            try
            {
                definition = JsonSerializer.Deserialize<CycleDefinition>(Fuzz.Utf8RoundTrip(input.Body), Http.Json);
            }
            catch (JsonException)
            {
                definition = null;
            }

            if (definition is null)
            {
                Assert.True(answer.Code == 400 && answer.Body.Contains("invalid_json", StringComparison.Ordinal), $"not a definition (invalid JSON or null), but {answer.Says}");
                return;
            }

            IReadOnlyList<FieldError> errors;
            try
            {
                errors = CycleDefinitionValidator.Validate(definition, DateTimeOffset.UtcNow).Errors;
            }
            catch (Exception e)
            {
                throw new InvalidOperationException($"the validator throws {e.GetType().Name} ({e.Message}); the route answered {answer.Says}");
            }

            if (errors.Count > 0)
            {
                Assert.Equal(400, answer.Code);
                using var json = JsonDocument.Parse(answer.Body);
                var details = json.RootElement.GetProperty("error").GetProperty("details");
                Assert.True(details.GetArrayLength() > 0, "a 400 without field details");
                foreach (var detail in details.EnumerateArray())
                {
                    Assert.False(string.IsNullOrEmpty(detail.GetProperty("message").GetString()));
                    Assert.False(string.IsNullOrEmpty(detail.GetProperty("messageEn").GetString()));
                }
            }
            else
            {
                Assert.True(answer.Code == 201, $"the validator accepts the definition but the route answered {answer.Says}");
            }
        }, output, fixture.Logs);

        var cyclesAfter = await Fuzz.CountAsync(cyclesTable);
        var countersAfter = await Fuzz.CountAsync(participantsTable);
        output.WriteLine("statuses: " + string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}")) + $"; cycles created: {created.Count}");
        Assert.Equal(created.Count, cyclesAfter - cyclesBefore);
        Assert.Equal(created.Count, countersAfter - countersBefore); // one counters row per cycle: no orphan from a half-created cycle
        foreach (var cycleId in created)
        {
            Assert.NotNull(await world.Host.DurableClient.GetInstanceAsync(cycleId));
        }

        run.AssertNoFailures();
    }

    /// <summary>
    /// Every field at its limit in non-ASCII text: the stored JSON (which escapes it as \uXXXX) outgrows a table
    /// property. The route must agree with the validator (201, or 400 naming the problem) and never leave a counters
    /// row behind without its cycle.
    /// </summary>
    [Fact]
    public async Task ADefinitionWithEveryFieldAtItsLimitIsStoredWholeOrRefusedWithAMessage()
    {
        var world = fixture.World;
        var now = DateTimeOffset.UtcNow;
        var participantsTable = await world.Host.Services.GetRequiredService<AppTables>().GetAsync(AppTables.Participants);
        var cyclesTable = await world.Host.Services.GetRequiredService<AppTables>().GetAsync(AppTables.Cycles);
        // Every field at its limit, in non-ASCII text (the stored JSON escapes it as \uXXXX, six characters each).
        var definition = CycleApi.CompressedDefinition(now, closeAfterSeconds: 3600);
        definition["title"] = new string('é', 200);
        definition["organizerName"] = new string('é', 200);
        definition["venue"] = new string('é', 300);
        definition["description"] = new string('é', 4000);
        definition["regencies"] = new JsonArray([.. Enumerable.Range(0, 100).Select(i => (JsonNode?)JsonValue.Create(i.ToString("000", System.Globalization.CultureInfo.InvariantCulture) + new string('é', 97)))]);
        definition["sessions"] = new JsonArray([.. Enumerable.Range(0, CycleDefinitionValidator.MaxSessions).Select(i => (JsonNode?)new JsonObject
        {
            ["id"] = "s" + i,
            ["title"] = new string('é', 200),
            ["startsAt"] = CycleApi.Iso(now.AddHours(2 + i)),
            ["endsAt"] = CycleApi.Iso(now.AddHours(2 + i).AddMinutes(50)),
        })]);
        var body = definition.ToJsonString();
        var parsed = JsonSerializer.Deserialize<CycleDefinition>(body, Http.Json);
        var verdict = CycleDefinitionValidator.Validate(parsed, DateTimeOffset.UtcNow).Errors;
        var cyclesBefore = await Fuzz.CountAsync(cyclesTable);
        var rowsBefore = await Fuzz.CountAsync(participantsTable);

        var answer = await Fuzz.SendAsync(world.Organizer, HttpMethod.Post, "api/cycles", Fuzz.Content(Encoding.UTF8.GetBytes(body), "application/json"));

        output.WriteLine($"definition of {Encoding.UTF8.GetByteCount(body):N0} bytes (stored as JSON of {JsonSerializer.Serialize(parsed, CycleStore.Json).Length:N0} characters; a table property holds 32,768) answered {answer.Says}");
        var cyclesAfter = await Fuzz.CountAsync(cyclesTable);
        var rowsAfter = await Fuzz.CountAsync(participantsTable);
        var problems = new List<string>();
        if (answer.Code != (verdict.Count == 0 ? 201 : 400))
        {
            problems.Add($"answered {answer.Says}; the validator says {(verdict.Count == 0 ? "valid" : string.Join("; ", verdict.Select(e => e.MessageEn)))}");
        }

        if (cyclesAfter - cyclesBefore != (answer.Code == 201 ? 1 : 0))
        {
            problems.Add($"{cyclesAfter - cyclesBefore} cycle rows written for a {answer.Code}");
        }

        if (rowsAfter - rowsBefore != cyclesAfter - cyclesBefore)
        {
            problems.Add($"{rowsAfter - rowsBefore} counters row(s) written for {cyclesAfter - cyclesBefore} cycle(s): a half-created cycle is left behind");
        }

        Assert.True(problems.Count == 0, string.Join("; ", problems));
    }
}
