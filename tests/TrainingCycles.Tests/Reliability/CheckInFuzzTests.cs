using System.Net;
using FsCheck;
using FsCheck.Fluent;
using TrainingCycles.Attendance;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;
using TrainingCycles.Tests.Attendance;
using Azure.Data.Tables;
using TrainingCycles.DevHost;
using TrainingCycles.Tests.Reliability.Corpus;
using TrainingCycles.Tests.Support;
using Xunit.Abstractions;

namespace TrainingCycles.Tests.Reliability;

/// <summary>
/// One attendance world for the class (controllable clock, set inside session 1's check-in window): 60 confirmed
/// participants, and a withdrawn, a waitlisted and an only-invited one; a second cycle for cross-cycle tokens.
/// </summary>
public sealed class CheckInFuzzWorld : IAsyncLifetime
{
    public CapturedLogs Logs { get; } = new();

    public TestWorld World { get; private set; } = null!;

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    public CycleRecord Cycle { get; private set; } = null!;

    public string CycleId => Cycle.CycleId;

    public IReadOnlyList<string> Confirmed { get; private set; } = [];

    public IReadOnlyList<string> NotConfirmed { get; private set; } = [];

    public string OtherCycle { get; private set; } = "";

    public async Task InitializeAsync()
    {
        World = await TestWorld.StartAsync(DurableBackend.InMemory, services: s => s.AddSingleton<TimeProvider>(Clock), logs: Logs);
        var cycleId = (await CycleApi.CreateAsync(World.Organizer, AttendanceWorld.Definition(Clock.Now))).GetProperty("cycleId").GetString()!;
        Cycle = (await World.Host.Services.GetRequiredService<CycleStore>().GetAsync(cycleId))!;
        Confirmed = await AddAsync(60, ParticipantStatus.Confirmed);
        NotConfirmed = [.. await AddAsync(1, ParticipantStatus.Withdrawn), .. await AddAsync(1, ParticipantStatus.Waitlisted), .. await AddAsync(1, ParticipantStatus.Invited)];
        OtherCycle = (await CycleApi.CreateAsync(World.Organizer, AttendanceWorld.Definition(Clock.Now))).GetProperty("cycleId").GetString()!;
        Clock.Now = Cycle.Schedule.Sessions.Single(s => s.Id == "s1").StartsAt.AddMinutes(5);
    }

    /// <summary>Participants written straight to the table, as the attendance tests do.</summary>
    private async Task<IReadOnlyList<string>> AddAsync(int count, string status)
    {
        var table = await World.Host.Services.GetRequiredService<AppTables>().GetAsync(AppTables.Participants);
        var rows = Enumerable.Range(1, count).Select(i => new ParticipantEntity
        {
            PartitionKey = CycleId,
            RowKey = Ids.New("p"),
            Email = $"hadir{i}.{Guid.NewGuid():N}@example.org",
            FullName = $"Peserta {i}",
            RegistrationNumber = $"T-{i:0000}",
            Status = status,
            Language = "id",
        }).ToList();
        foreach (var chunk in rows.Chunk(100))
        {
            await table.SubmitTransactionAsync(chunk.Select(e => new TableTransactionAction(TableTransactionActionType.Add, e)));
        }

        return [.. rows.Select(r => r.RowKey)];
    }

    public string Token(string participantId, string? purpose = null, TimeSpan? lifetime = null, string? cycleId = null) =>
        World.Host.Services.GetRequiredService<Tokens>().Create(purpose ?? TokenPurpose.CheckIn, cycleId ?? CycleId, participantId, Clock.Now + (lifetime ?? TimeSpan.FromDays(7)));

    public string CodeNow(string sessionId) => SessionCodes.Current(Cycle.Entity.CheckInSecret, sessionId, Clock.Now).Code;

    public async Task DisposeAsync() => await World.DisposeAsync();
}

/// <summary>
/// <c>GET/POST /api/cycles/{id}/checkin?t=…</c> with generated tokens (valid, forged, tampered, expired, another
/// purpose, another cycle's, unknown participant, none), codes (wrong, malformed, foreign digits, nasty text, now and
/// then the right one) and the corpus bodies: never a 5xx, always a page with a heading, and the session's
/// attendance rows change only when a confirmed participant typed the right code.
/// </summary>
public sealed class CheckInFuzzTests(CheckInFuzzWorld fixture, ITestOutputHelper output) : IClassFixture<CheckInFuzzWorld>
{
    private const int Inputs = 500;

    public sealed record Input(string Token, int Participant, bool Post, IReadOnlyList<KeyValuePair<string, string>>? Fields, NastyBody? Body, bool RightCode)
    {
        public override string ToString() =>
            $"{(Post ? "POST" : "GET")} token={Token} p={Participant} right={RightCode} " + (Body?.ToString() ?? string.Join("&", (Fields ?? []).Select(f => f.Key + "=" + (f.Value.Length > 40 ? f.Value[..40] + "…" : f.Value))));
    }

    private static readonly string[] TokenKinds = ["valid", "valid", "valid", "valid", "valid", "valid", "withdrawn", "garbage", "tampered", "expired", "purpose", "other-cycle", "unknown-participant", "missing"];

    private static Gen<Input> InputGen()
    {
        var code = Gen.Frequency(
            (6, Gen.Choose(0, 999_999).Select(n => n.ToString("D6", System.Globalization.CultureInfo.InvariantCulture))),
            (2, Gen.Choose(0, 999_999).Select(n => n.ToString("D6", System.Globalization.CultureInfo.InvariantCulture).Insert(3, " "))),
            (2, Gen.Choose(0, 99_999_999).Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture))),
            (1, Gen.Elements("１２３４５６", "١٢٣٤٥٦", "12345６", "-123456", "123-456", "1e5", " ", "")),
            (3, Fuzz.NastyString));
        var fields = Gen.Zip(code, Gen.Zip(Gen.Elements("id", "en", "xx", "", "<script>"), Gen.Choose(0, 9))).Select(x =>
        {
            var list = new List<KeyValuePair<string, string>> { new("code", x.Item1), new("lang", x.Item2.Item1) };
            if (x.Item2.Item2 == 0)
            {
                list.Add(new("code", "000000")); // a second value: the first one counts
            }

            return (IReadOnlyList<KeyValuePair<string, string>>)list;
        });
        var small = NastyInputs.Bodies().Where(b => b.Bytes.Length < 64 * 1024).ToArray();
        var who = Gen.Zip(Gen.Elements(TokenKinds), Gen.Choose(0, 59));
        var what = Gen.Zip(Gen.Frequency((6, Gen.Constant(true)), (1, Gen.Constant(false))), Gen.Frequency((8, fields.Select(f => (f, (NastyBody?)null))), (1, Gen.Elements(small).Select(b => ((IReadOnlyList<KeyValuePair<string, string>>)[], (NastyBody?)b)))));
        return Gen.Zip(Gen.Zip(who, what), Gen.Choose(0, 24)).Select(y =>
        {
            var (x, roll) = (y.Item1, y.Item2);
            return new Input(x.Item1.Item1, x.Item1.Item2, x.Item2.Item1, x.Item2.Item2.Item1, x.Item2.Item2.Item2, x.Item1.Item1 == "valid" && roll == 0);
        });
    }

    private string TokenFor(Input input, int index)
    {
        var w = fixture;
        var participant = fixture.Confirmed[input.Participant];
        var valid = w.Token(participant);
        return input.Token switch
        {
            "valid" => valid,
            "withdrawn" => w.Token(fixture.NotConfirmed[index % fixture.NotConfirmed.Count]),
            "garbage" => Fuzz.Sample(Fuzz.NastyString, 1, salt: 1000 + index)[0],
            "tampered" => valid[..(index % (valid.Length - 1))] + (valid[index % (valid.Length - 1)] == 'A' ? 'B' : 'A') + valid[(index % (valid.Length - 1) + 1)..],
            "expired" => w.Token(participant, lifetime: TimeSpan.FromSeconds(-1)),
            "purpose" => w.Token(participant, purpose: new[] { TokenPurpose.Invite, TokenPurpose.Manage, TokenPurpose.Download }[index % 3]),
            "other-cycle" => w.Token(participant, cycleId: fixture.OtherCycle),
            "unknown-participant" => w.Token(Ids.New("p")),
            _ => "",
        };
    }

    [Fact]
    public async Task CheckInNeverAnswers500AndWritesOnlyForTheRightCode()
    {
        var w = fixture;
        var inputs = Fuzz.Sample(InputGen(), Inputs, salt: 2).Concat(NastyInputs.Bodies().Select(b => new Input("valid", 0, true, null, b, false))).ToList();
        var attendance = await w.World.Host.Services.GetRequiredService<AppTables>().GetAsync(AppTables.Attendance);
        var statuses = new System.Collections.Concurrent.ConcurrentDictionary<int, int>();
        var checkedIn = 0;

        var run = await Fuzz.RunAsync("GET/POST /checkin", inputs, lanes: 4, async (lane, i, input) =>
        {
            // Participants are spread over lanes (index ≡ lane mod 4), so each participant's throttle state is one lane's.
            input = input with { Participant = input.Participant - (input.Participant % 4) + lane };
            var token = TokenFor(input, i);
            var participant = fixture.Confirmed[input.Participant];
            var fields = input.Fields;
            if (input.RightCode)
            {
                var now = w.CodeNow("s1");
                fields = [new("code", now[..3] + " " + now[3..])];
            }

            var url = $"api/cycles/{w.CycleId}/checkin" + (input.Token == "missing" ? "" : "?t=" + Uri.EscapeDataString(Fuzz.Utf8RoundTrip(token)));
            // Only this lane's participants: other lanes check people in meanwhile.
            var mine = fixture.Confirmed.Where((_, index) => index % 4 == lane).ToHashSet();
            bool Mine(string rowKey) => mine.Contains(rowKey.Split('|')[^1]);
            var before = await Fuzz.SnapshotAsync(attendance, w.CycleId, Mine);
            var content = !input.Post ? null : input.Body is { } body ? Fuzz.Content(body) : Fuzz.FormContent(fields ?? []);
            var answer = await Fuzz.SendAsync(w.World.Http, input.Post ? HttpMethod.Post : HttpMethod.Get, url, content);
            statuses.AddOrUpdate(answer.Code, 1, (_, n) => n + 1);
            Fuzz.AssertClear(answer, "checkin");
            Assert.True(Fuzz.IsServerLimit(answer) || answer.MediaType == "text/html", $"not a page: {answer.Says}");
            var after = await Fuzz.SnapshotAsync(attendance, w.CycleId, Mine);

            var typed = SessionCodes.Normalize(fields?.FirstOrDefault(f => f.Key == "code").Value);
            var right = input.Post && input.Body is null && input.Token == "valid" && SessionCodes.Verify(w.Cycle.Entity.CheckInSecret, "s1", typed, w.Clock.Now);
            if (before != after)
            {
                Assert.True(right, $"attendance changed without the right code ({answer.Says}): {Fuzz.Diff(before, after)}");
                Assert.Equal(AttendanceStore.Key("s1", participant), Fuzz.Diff(before, after).Split('[')[2].Split('@')[0]);
                Interlocked.Increment(ref checkedIn);
            }

            var kind = token.Length == 0 ? "missing" : input.Token;
            var expected = (kind, input.Post) switch
            {
                ("missing", false) => [200],
                ("valid", false) => [200],
                ("valid", true) when right => [200, 429],
                ("valid", true) => new[] { 400, 411, 413, 415, 422, 429 },
                // A validly signed link is checked before the body is read; the body is then refused or read (and the person refused).
                ("withdrawn" or "unknown-participant", true) => [400, 403, 411, 413, 415],
                (_, true) => [403], // no valid link, no reading
                _ => [403],
            };
            Assert.True(expected.Contains(answer.Code) || Fuzz.IsServerLimit(answer), $"expected {string.Join("/", expected)}, got {answer.Says}");
        }, output, fixture.Logs);

        output.WriteLine("statuses: " + string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}")) + $"; check-ins recorded: {checkedIn}");
        run.AssertNoFailures();
    }

    /// <summary>Bodies the fuzz run found to crash the route, one by one: each must get a page, not a 500.</summary>
    [Theory]
    [InlineData("multipart without boundary")]
    [InlineData("multipart with the wrong boundary")]
    [InlineData("multipart part without headers")]
    [InlineData("multipart never terminated")]
    [InlineData("2,000 form fields in 4 KB")]
    [InlineData("invalid UTF-8 in percent escapes")]
    [InlineData("NUL bytes")]
    [InlineData("one 5 MB form value, chunked")]
    public async Task AFormTheServerCannotReadGetsAPageNotA500(string bodyName)
    {
        var w = fixture;
        var participant = fixture.Confirmed[59];
        var body = NastyInputs.Bodies().Single(b => b.Name == bodyName);
        var attendance = await w.World.Host.Services.GetRequiredService<AppTables>().GetAsync(AppTables.Attendance);
        var before = await Fuzz.SnapshotAsync(attendance, w.CycleId);

        var answer = await Fuzz.SendAsync(w.World.Http, HttpMethod.Post, $"api/cycles/{w.CycleId}/checkin?t={Uri.EscapeDataString(w.Token(participant))}", Fuzz.Content(body));

        Fuzz.AssertClear(answer, $"POST /checkin with {body}");
        Assert.Equal("text/html", answer.MediaType);
        Assert.True(answer.Code is 400 or 411 or 413 or 415 or 422, $"answered {answer.Says}");
        Assert.Equal(before, await Fuzz.SnapshotAsync(attendance, w.CycleId));
    }
}
