using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using TrainingCycles.Cycles;
using TrainingCycles.DevHost;
using TrainingCycles.Infrastructure;
using TrainingCycles.Registration;
using TrainingCycles.Reminders;
using TrainingCycles.Tests.Reliability.Corpus;
using TrainingCycles.Tests.Support;
using Xunit.Abstractions;

namespace TrainingCycles.Tests.Reliability;

/// <summary>A dev host that trusts one ECDSA key for the SendGrid webhook, with one cycle of three real invitees.</summary>
public sealed class WebhookFuzzWorld : IAsyncLifetime
{
    public ECDsa Key { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public CapturedLogs Logs { get; } = new();

    public TestWorld World { get; private set; } = null!;

    public string CycleId { get; private set; } = "";

    public IReadOnlyList<string> Participants { get; private set; } = [];

    public async Task InitializeAsync()
    {
        World = await TestWorld.StartAsync(DurableBackend.InMemory, new Dictionary<string, string?> { ["SendGrid__WebhookVerificationKey"] = Convert.ToBase64String(Key.ExportSubjectPublicKeyInfo()) }, logs: Logs);
        CycleId = (await CycleApi.CreateAsync(World.Organizer, CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 3600))).GetProperty("cycleId").GetString()!;
        await CycleApi.ImportCsvAsync(World.Organizer, CycleId, CycleApi.InviteesCsv(3));
        Participants = [.. (await World.Host.Services.GetRequiredService<ParticipantStore>().ListAsync(CycleId)).Select(p => p.RowKey)];
    }

    public (string Signature, string Timestamp) Sign(string body, DateTimeOffset at)
    {
        var timestamp = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return (Convert.ToBase64String(Key.SignData(Encoding.UTF8.GetBytes(timestamp + body), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence)), timestamp);
    }

    public async Task DisposeAsync()
    {
        await World.DisposeAsync();
        Key.Dispose();
    }
}

/// <summary>
/// <c>POST /api/email/events</c>: unsigned garbage (no, broken, forged, stale signatures; odd timestamps; any body)
/// is refused with 401 and records nothing; validly signed garbage (events of every shape, wrong types, ids that look
/// right, overlong fields, escapes that are not UTF-16, non-JSON) never gets a 5xx and records exactly what the answer
/// says it recorded.
/// </summary>
public sealed class WebhookFuzzTests(WebhookFuzzWorld fixture, ITestOutputHelper output) : IClassFixture<WebhookFuzzWorld>
{
    private const int Inputs = 200;

    public sealed record Unsigned(string? Signature, string? Timestamp, string Body)
    {
        public override string ToString() => $"sig={Fuzz.Describe(Signature)} ts={Fuzz.Describe(Timestamp)} body={Fuzz.Describe(Body)}";
    }

    public sealed record Signed(string Body, int SkewSeconds)
    {
        public override string ToString() => $"skew={SkewSeconds}s body={Body}";
    }

    private static Gen<string> FakeId(string prefix, int length) =>
        Gen.Elements("abcdefghijkmnpqrstuvwxyz23456789".ToCharArray()).ArrayOf(length).Select(c => prefix + new string(c));

    // Short nasty strings: a batch holds many events, and SendGrid's own are small.
    private static readonly Gen<string> Nasty = Fuzz.NastyString.Select(s => s.Length > 300 ? s[..300] : s);

    private Gen<JsonNode?> EventGen()
    {
        var text = Gen.Frequency((4, Nasty.Select(s => (JsonNode?)JsonValue.Create(s))), (1, Gen.Constant<JsonNode?>(null)), (1, Gen.Constant<JsonNode?>(JsonValue.Create(42))));
        var cycle = Gen.Frequency((3, Gen.Constant(fixture.CycleId)), (2, FakeId("c", 12)), (1, Nasty));
        var participant = Gen.Frequency((3, Gen.Elements(fixture.Participants.ToArray())), (2, FakeId("p", 20)), (1, Nasty));
        var kind = Gen.Frequency((20, Gen.Elements("invitation", "confirmation", "certificate-issued")), (5, Nasty), (1, Gen.Elements(new string('k', 40_000), new string('é', 40_000))));
        var type = Gen.Frequency((4, Gen.Elements("delivered", "bounce", "dropped", "spamreport", "deferred", "blocked")), (1, Gen.Elements("open", "click", "processed", "DELIVERED", "")), (1, Nasty));
        var eventId = Gen.Frequency((4, Gen.Choose(0, int.MaxValue).Select(n => "ev-" + n)), (2, Nasty), (1, Gen.Elements("ev/1", "ev#1", "ev?1", "ev\\1", "", new string('e', 201), new string('e', 200))));
        var timestamp = Gen.Frequency((12, Gen.Constant<JsonNode?>(JsonValue.Create(DateTimeOffset.UtcNow.ToUnixTimeSeconds()))), (1, Gen.Elements<JsonNode?>(JsonValue.Create(-1L), JsonValue.Create(long.MaxValue), JsonValue.Create(1e300), JsonValue.Create("yesterday"), null)));
        var well = Gen.Zip(Gen.Zip(eventId, type), Gen.Zip(Gen.Zip(cycle, participant), Gen.Zip(kind, Gen.Zip(timestamp, text)))).Select(x => (JsonNode?)new JsonObject
        {
            ["email"] = "peserta1@example.org",
            ["sg_event_id"] = x.Item1.Item1,
            ["event"] = x.Item1.Item2,
            ["c"] = x.Item2.Item1.Item1,
            ["p"] = x.Item2.Item1.Item2,
            ["k"] = x.Item2.Item2.Item1,
            ["timestamp"] = x.Item2.Item2.Item2.Item1?.DeepClone(),
            ["reason"] = x.Item2.Item2.Item2.Item2?.DeepClone(),
        });
        return Gen.Frequency((6, well), (1, text), (1, Gen.Constant<JsonNode?>(new JsonArray(1, 2))), (1, Gen.Constant<JsonNode?>(new JsonObject { ["event"] = new JsonObject { ["nested"] = true } })));
    }

    private Gen<Signed> SignedGen()
    {
        var array = EventGen().ListOf().Select(events => new JsonArray([.. events.Select(e => e?.DeepClone())]).ToJsonString());
        var raw = Gen.Frequency(
            (6, array),
            (1, Gen.Elements(
                "[{\"sg_event_id\":\"\\ud800\",\"event\":\"delivered\",\"c\":\"cabcdefghijkm\",\"p\":\"pabcdefghijkmnpqrstuvw\"}]",
                "[{\"sg_event_id\":\"ev-x\",\"event\":\"\\udfff\"}]",
                "[{\"sg_event_id\":\"ev-y\",\"event\":\"bounce\",\"c\":\"cabcdefghijkm\",\"p\":\"pabcdefghijkmnpqrstuvw\",\"reason\":\"\\ud83d\"}]",
                "{}", "null", "[]", "[[]]", "\"events\"", new string('[', 2000) + new string(']', 2000),
                "[" + string.Join(',', Enumerable.Repeat("{}", 5001)) + "]")),
            (1, Nasty));
        return Gen.Zip(raw, Gen.Frequency((8, Gen.Choose(-120, 120)), (1, Gen.Elements(-700, 700, -3600, 3600)))).Select(x => new Signed(x.Item1, x.Item2));
    }

    private static Gen<Unsigned> UnsignedGen()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var signature = Gen.Frequency(
            (1, Gen.Constant<string?>(null)),
            (3, Fuzz.NastyString.Select(s => (string?)s)),
            (2, Gen.Choose(0, 200).SelectMany(n => ArbMap.Default.GeneratorFor<byte>().ArrayOf(n)).Select(b => (string?)Convert.ToBase64String(b))),
            (1, Gen.Constant<string?>("MEUCIQDtTRjvT6dYPiB+jQpw9S1cJw9IUu0fSU1bNn2ZqSl0+gIgHvqc0cIFI6AyXQs4mjdeBNHPWCw5u1WmqOsjgU+BzBo=")));
        var timestamp = Gen.Frequency(
            (1, Gen.Constant<string?>(null)),
            (4, Gen.Choose(-300, 300).Select(d => (string?)(now + d).ToString(CultureInfo.InvariantCulture))),
            (2, Gen.Elements<string?>("0", "-1", "+1", "99999999999999999999", "253402300800", "253402300799", "1e9", " 1765000000", "", "٣")),
            (1, Fuzz.NastyString.Select(s => (string?)s)));
        var body = Gen.Frequency((3, Gen.Constant("[{\"sg_event_id\":\"ev-u\",\"event\":\"bounce\"}]")), (2, Fuzz.NastyString));
        // Header values as a client can send them (HTTP/1.1 allows visible ASCII and spaces; HttpClient refuses the rest).
        static string? Printable(string? s) => s is null ? null : new string([.. s.Where(c => c is >= ' ' and <= '~')]);
        return Gen.Zip(signature, Gen.Zip(timestamp, body)).Select(x => new Unsigned(Printable(x.Item1), Printable(x.Item2.Item1), x.Item2.Item2));
    }

    private async Task<(int Events, string Participants)> StateAsync()
    {
        var tables = fixture.World.Host.Services.GetRequiredService<AppTables>();
        var events = await Fuzz.CountAsync(await tables.GetAsync(AppTables.EmailEvents));
        var participants = await Fuzz.SnapshotAsync(await tables.GetAsync(AppTables.Participants), fixture.CycleId);
        return (events, participants);
    }

    [Fact]
    public async Task UnsignedGarbageIsRefusedAndRecordsNothing()
    {
        var inputs = Fuzz.Sample(UnsignedGen(), Inputs, salt: 5).ToList();
        var before = await StateAsync();
        var statuses = new System.Collections.Concurrent.ConcurrentDictionary<int, int>();
        var run = await Fuzz.RunAsync("POST /email/events (unsigned)", inputs, lanes: 4, async (_, _, input) =>
        {
            var headers = new List<(string, string)>();
            if (input.Signature is not null)
            {
                headers.Add((EmailEventRecorder.SignatureHeader, input.Signature));
            }

            if (input.Timestamp is not null)
            {
                headers.Add((EmailEventRecorder.TimestampHeader, input.Timestamp));
            }

            var answer = await Fuzz.SendAsync(fixture.World.Http, HttpMethod.Post, "api/email/events", Fuzz.Content(Encoding.UTF8.GetBytes(input.Body), "application/json"), headers);
            statuses.AddOrUpdate(answer.Code, 1, (_, n) => n + 1);
            Fuzz.AssertClear(answer, "webhook");
            Assert.True(answer.Code == 401 || Fuzz.IsServerLimit(answer), $"expected 401, got {answer.Says}");
        }, output, fixture.Logs);

        // The corpus bodies, with a fresh timestamp and a signature that does not verify.
        var corpus = await Fuzz.RunAsync("POST /email/events (unsigned corpus)", NastyInputs.Bodies(), lanes: 2, async (_, _, body) =>
        {
            var answer = await Fuzz.SendAsync(fixture.World.Http, HttpMethod.Post, "api/email/events", Fuzz.Content(body),
                [(EmailEventRecorder.SignatureHeader, "MEUCIQDtTRjvT6dYPiB+jQpw9S1cJw9IUu0fSU1bNn2ZqSl0+gIgHvqc0cIFI6AyXQs4mjdeBNHPWCw5u1WmqOsjgU+BzBo="), (EmailEventRecorder.TimestampHeader, DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture))]);
            Fuzz.AssertClear(answer, "webhook");
            Assert.True(answer.Code is 401 or 413, $"expected 401 or 413, got {answer.Says}");
        }, output, fixture.Logs);

        Assert.Equal(before, await StateAsync());
        output.WriteLine("statuses: " + string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}")));
        run.AssertNoFailures();
        corpus.AssertNoFailures();
    }

    [Fact]
    public async Task SignedGarbageNeverAnswers500AndRecordsExactlyWhatItSays()
    {
        var inputs = Fuzz.Sample(SignedGen(), Inputs, salt: 6, size: 12).ToList();
        var statuses = new System.Collections.Concurrent.ConcurrentDictionary<int, int>();
        var recordedTotal = 0;
        // One lane: the events table is shared, so "rows before + recorded = rows after" must hold request by request.
        var run = await Fuzz.RunAsync("POST /email/events (validly signed)", inputs, lanes: 1, async (_, _, input) =>
        {
            var (signature, timestamp) = fixture.Sign(input.Body, DateTimeOffset.UtcNow.AddSeconds(input.SkewSeconds));
            var before = await StateAsync();
            var answer = await Fuzz.SendAsync(fixture.World.Http, HttpMethod.Post, "api/email/events", Fuzz.Content(Encoding.UTF8.GetBytes(input.Body), "application/json"),
                [(EmailEventRecorder.SignatureHeader, signature), (EmailEventRecorder.TimestampHeader, timestamp)]);
            statuses.AddOrUpdate(answer.Code, 1, (_, n) => n + 1);
            Fuzz.AssertClear(answer, "webhook");
            var after = await StateAsync();
            if (Math.Abs(input.SkewSeconds) > EmailEventRecorder.MaxClockSkew.TotalSeconds)
            {
                Assert.True(answer.Code == 401, $"a stale signature got {answer.Says}");
            }

            if (answer.Status != HttpStatusCode.OK)
            {
                Assert.Equal(before, after);
                return;
            }

            using var json = JsonDocument.Parse(answer.Body);
            var recorded = json.RootElement.GetProperty("recorded").GetInt32();
            var total = recorded + json.RootElement.GetProperty("duplicates").GetInt32() + json.RootElement.GetProperty("ignored").GetInt32();
            Assert.Equal(JsonDocument.Parse(Fuzz.Utf8RoundTrip(input.Body)).RootElement.GetArrayLength(), total);
            Assert.Equal(before.Events + recorded, after.Events);
            Interlocked.Add(ref recordedTotal, recorded);
        }, output, fixture.Logs);

        output.WriteLine("statuses: " + string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}")) + $"; events recorded: {recordedTotal}");
        run.AssertNoFailures();
    }

    /// <summary>
    /// Signed events the fuzz run found to crash the webhook, each after a good event in the same batch: never a
    /// 5xx (SendGrid would retry the whole batch for a day and then drop it, good events included), and never half a
    /// batch recorded behind an error.
    /// </summary>
    [Theory]
    [InlineData("sg_event_id", "\\ud800")]
    [InlineData("event", "\\udfff")]
    [InlineData("reason", "\\ud83d")]
    [InlineData("k", "")]
    [InlineData("timestamp", "yesterday")]
    [InlineData("timestamp", null)]
    public async Task ABadEventInASignedBatchNeitherFailsTheBatchNorHalfRecordsIt(string field, string? escapedValue)
    {
        var good = new JsonObject { ["sg_event_id"] = $"ev-good-{field}-{escapedValue?.Length}", ["event"] = "delivered", ["c"] = fixture.CycleId, ["p"] = fixture.Participants[0], ["k"] = "invitation", ["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds() };
        var bad = new JsonObject { ["sg_event_id"] = $"ev-bad-{field}-{escapedValue?.Length}", ["event"] = "bounce", ["c"] = fixture.CycleId, ["p"] = fixture.Participants[1], ["k"] = "invitation", ["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds() };
        bad[field] = field switch
        {
            "k" => new string('k', 40_000),
            "timestamp" => escapedValue, // a string or null where SendGrid sends a number
            _ => "@@",
        };
        var body = new JsonArray(good, bad).ToJsonString().Replace("\"@@\"", "\"" + escapedValue + "\"", StringComparison.Ordinal);
        var (signature, timestamp) = fixture.Sign(body, DateTimeOffset.UtcNow);
        var before = await StateAsync();

        var answer = await Fuzz.SendAsync(fixture.World.Http, HttpMethod.Post, "api/email/events", Fuzz.Content(Encoding.UTF8.GetBytes(body), "application/json"),
            [(EmailEventRecorder.SignatureHeader, signature), (EmailEventRecorder.TimestampHeader, timestamp)]);

        var after = await StateAsync();
        output.WriteLine($"{field} = {(field == "k" ? "40,000 characters" : escapedValue ?? "null")}: {answer.Says}; events recorded {after.Events - before.Events}");
        Assert.True(answer.Code < 500, $"a validly signed batch with a bad '{field}' answered {answer.Says}");
        if (answer.Code != 200)
        {
            Assert.True(before == after, $"answered {answer.Code} but {after.Events - before.Events} event(s) of the batch were recorded");
        }
    }
}
