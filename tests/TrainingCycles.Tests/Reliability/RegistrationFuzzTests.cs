using System.Net;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using TrainingCycles.Cycles;
using TrainingCycles.DevHost;
using TrainingCycles.Infrastructure;
using TrainingCycles.Registration;
using TrainingCycles.Tests.Reliability.Corpus;
using TrainingCycles.Tests.Support;
using Xunit.Abstractions;

namespace TrainingCycles.Tests.Reliability;

/// <summary>One dev host for the class: three open cycles (capacity 5, so the waitlist is fuzzed too) and one invite-only cycle.</summary>
public sealed class RegistrationFuzzWorld : IAsyncLifetime
{
    public CapturedLogs Logs { get; } = new();

    public TestWorld World { get; private set; } = null!;

    public string[] OpenCycles { get; private set; } = [];

    public string InviteOnlyCycle { get; private set; } = "";

    public async Task InitializeAsync()
    {
        World = await TestWorld.StartAsync(DurableBackend.InMemory, new Dictionary<string, string?> { ["TrainingCycles__FormPostsPerMinute"] = "100000" }, logs: Logs);
        var now = DateTimeOffset.UtcNow;
        var open = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            open.Add((await CycleApi.CreateAsync(World.Organizer, CycleApi.CompressedDefinition(now, capacity: 5, closeAfterSeconds: 3600))).GetProperty("cycleId").GetString()!);
        }

        OpenCycles = [.. open];
        InviteOnlyCycle = (await CycleApi.CreateAsync(World.Organizer, CycleApi.CompressedDefinition(now, closeAfterSeconds: 3600, inviteOnly: true))).GetProperty("cycleId").GetString()!;
        foreach (var cycleId in OpenCycles.Append(InviteOnlyCycle))
        {
            await CycleApi.WaitForPhaseAsync(World.Organizer, cycleId, "RegistrationOpen");
        }
    }

    public async Task DisposeAsync() => await World.DisposeAsync();
}

/// <summary>
/// <c>POST /api/cycles/{id}/register</c> against generated forms (a valid registration with up to four fields
/// replaced by nasty values, removed, repeated, or a honeypot/withdraw/token twist) and the corpus bodies: never a
/// 5xx, always a page with a heading, and the participant partition and audit log are byte-for-byte unchanged after
/// every refusal. What the validator accepts is stored exactly as typed (trimmed).
/// </summary>
public sealed class RegistrationFuzzTests(RegistrationFuzzWorld fixture, ITestOutputHelper output) : IClassFixture<RegistrationFuzzWorld>
{
    private const int Inputs = 400;

    public sealed record Input(IReadOnlyList<KeyValuePair<string, string>> Fields, string Query, NastyBody? Body)
    {
        public override string ToString() => Body?.ToString() ?? Query + " " + string.Join("&", Fields.Select(f => f.Key + "=" + (f.Value.Length > 60 ? f.Value[..60] + $"…({f.Value.Length})" : f.Value)));
    }

    private static readonly string[] FieldNames = ["fullName", "nip", "email", "phone", "agency", "agencyLevel", "regency", "position", "rank", "consent", "language"];

    private static Gen<Input> InputGen()
    {
        var value = Gen.Frequency((5, Fuzz.NastyString), (1, Gen.Elements("kabupaten", "kota", "provinsi", "Kapuas", "Kota Palangka Raya", "yes", "on", "en", "id")));
        var mutation = Gen.Frequency(
            (6, Gen.Elements(FieldNames).SelectMany(f => value.Select(v => (Op: "set", Field: f, Value: v)))),
            (2, Fuzz.NipLike.Select(v => (Op: "set", Field: "nip", Value: v))),
            (2, Fuzz.PhoneLike.Select(v => (Op: "set", Field: "phone", Value: v))),
            (2, Fuzz.EmailLike.Select(v => (Op: "set", Field: "email", Value: v))),
            (2, Gen.Elements(FieldNames).Select(f => (Op: "remove", Field: f, Value: ""))),
            (1, Gen.Elements(FieldNames).SelectMany(f => value.Select(v => (Op: "repeat", Field: f, Value: v)))),
            (1, value.Select(v => (Op: "set", Field: "website", Value: v))),
            (1, Gen.Constant((Op: "set", Field: "action", Value: "withdraw"))),
            (1, Fuzz.NastyString.SelectMany(k => value.Select(v => (Op: "set", Field: k, Value: v)))));
        var query = Gen.Frequency(
            (12, Gen.Constant("")),
            (2, Gen.Constant("?lang=en")),
            (1, Fuzz.NastyString.Select(s => "?lang=" + Uri.EscapeDataString(Fuzz.Utf8RoundTrip(s)))),
            (1, Fuzz.NastyString.Select(s => "?invite=" + Uri.EscapeDataString(Fuzz.Utf8RoundTrip(s)))),
            (1, Fuzz.NastyString.Select(s => "?manage=" + Uri.EscapeDataString(Fuzz.Utf8RoundTrip(s)))));
        var form = Gen.Zip(Gen.Choose(0, 4).SelectMany(n => mutation.ListOf(n)), query).Select(x =>
        {
            var fields = Forms.ValidRegistration().Select(kv => KeyValuePair.Create(kv.Key, kv.Value)).ToList();
            foreach (var (op, field, v) in x.Item1)
            {
                if (op != "repeat")
                {
                    fields.RemoveAll(f => f.Key == field);
                }

                if (op != "remove")
                {
                    fields.Add(KeyValuePair.Create(field, v));
                }
            }

            return new Input(fields, x.Item2, null);
        });
        var small = NastyInputs.Bodies().Where(b => b.Bytes.Length < 64 * 1024).ToArray();
        return Gen.Frequency((9, form), (1, Gen.Elements(small).Select(b => new Input([], "", b))));
    }

    [Fact]
    public async Task RegistrationNeverAnswers500NeverWritesOnRefusalAndAlwaysSaysWhy()
    {
        var world = fixture.World;
        var generated = Fuzz.Sample(InputGen(), Inputs, salt: 1);
        // Unique people unless a mutation chose the NIP or email: input i is NIP Nip(2000 + i), email reg{i}@….
        var inputs = generated.Select((input, i) => input with
        {
            Fields = [.. input.Fields.Select(f => f.Key == "nip" && f.Value == Forms.ValidRegistration()["nip"] ? KeyValuePair.Create("nip", Forms.Nip(2000 + i))
                : f.Key == "email" && f.Value == Forms.ValidRegistration()["email"] ? KeyValuePair.Create("email", $"reg{i}@example.org") : f)],
        }).Concat(NastyInputs.Bodies().Select(b => new Input([], "", b))).ToList();
        var counts = new int[4, 6];
        var today = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(7));
        var tables = world.Host.Services.GetRequiredService<AppTables>();
        var participantsTable = await tables.GetAsync(AppTables.Participants);
        var auditTable = await tables.GetAsync(AppTables.AuditLog);
        var store = world.Host.Services.GetRequiredService<ParticipantStore>();

        var run = await Fuzz.RunAsync("POST /register", inputs, lanes: 4, async (lane, i, input) =>
        {
            var cycleId = lane < 3 ? fixture.OpenCycles[lane] : fixture.InviteOnlyCycle;
            // The workflow writes its own audit rows (phase changes); the participant's are the ones a request may add.
            var before = await Fuzz.SnapshotAsync(participantsTable, cycleId) + "\naudit " + await Fuzz.CountAsync(auditTable, cycleId, actor: "participant");
            var content = input.Body is { } body ? Fuzz.Content(body) : Fuzz.FormContent(input.Fields);
            var answer = await Fuzz.SendAsync(world.Http, HttpMethod.Post, $"api/cycles/{cycleId}/register{input.Query}", content);
            Fuzz.AssertClear(answer, "register");
            Assert.True(Fuzz.IsServerLimit(answer) || answer.MediaType == "text/html", $"not a page: {answer.Says}");
            var after = await Fuzz.SnapshotAsync(participantsTable, cycleId) + "\naudit " + await Fuzz.CountAsync(auditTable, cycleId, actor: "participant");
            Interlocked.Increment(ref counts[lane, Bucket(answer.Code)]);

            if (answer.Status != HttpStatusCode.OK)
            {
                Assert.True(Fuzz.SameButDrained(before, after), $"refused ({answer.Says}) but the participant partition or audit log changed: {Fuzz.Diff(before, after)}");
                if (input.Body is null && lane < 3)
                {
                    AssertExpectedRefusal(input, answer, today);
                }

                return;
            }

            Assert.True(lane < 3, "an invite-only cycle accepted a registration without an invitation");
            Assert.True(input.Body is null, "a corpus body was accepted as a registration");
            Assert.NotEqual(before, after);
            var form = PureFunctionFuzzTests.FormOf(Received(input.Fields));
            var (valid, errors) = RegistrationValidator.Validate(form, CycleDefinitionValidator.CentralKalimantanRegencies, today);
            Assert.True(valid is not null, "accepted although the validator refuses it: " + string.Join("; ", errors.Select(e => e.Field + ": " + e.MessageEn)));
            var stored = (await store.ListAsync(cycleId)).Single(p => p.Nip == valid!.Nip);
            Assert.Equal(valid!.FullName, stored.FullName);
            Assert.Equal(valid.Email, stored.Email);
            Assert.Equal(valid.Phone, stored.Phone);
            Assert.Equal(valid.Agency, stored.Agency);
            Assert.Equal(valid.Position, stored.Position);
        }, output, fixture.Logs);

        output.WriteLine("status counts per lane (2xx, 4xx-form, 403, 413/411/415, other 4xx, 5xx): " +
            string.Join(" | ", Enumerable.Range(0, 4).Select(l => string.Join(",", Enumerable.Range(0, 6).Select(b => counts[l, b])))));
        var rows = 0;
        foreach (var cycleId in fixture.OpenCycles.Append(fixture.InviteOnlyCycle))
        {
            var all = await store.ListAsync(cycleId);
            var c = await world.Host.Services.GetRequiredService<CycleStore>().CountsAsync(cycleId);
            rows += all.Count;
            // Counters and rows agree after everything: nothing half-written.
            Assert.Equal(all.Count(p => p.Status == ParticipantStatus.Confirmed), c.Confirmed);
            Assert.Equal(all.Count(p => p.Status == ParticipantStatus.Waitlisted), c.Waitlisted);
            Assert.True(c.Confirmed <= 5);
        }

        output.WriteLine($"participants stored across the four cycles: {rows}");
        run.AssertNoFailures();
    }

    /// <summary>The refusal names the right problem: honeypot 400, bad token 403/404, withdraw without link 403, oversize 413, invalid 422.</summary>
    private static void AssertExpectedRefusal(Input input, Fuzz.Answer answer, DateOnly today)
    {
        var received = Received(input.Fields);
        var bytes = Encoding.UTF8.GetByteCount(string.Join('&', input.Fields.Select(f => Uri.EscapeDataString(f.Key) + "=" + Uri.EscapeDataString(Fuzz.Utf8RoundTrip(f.Value)))));
        int expected;
        if (bytes > RegistrationFunctions.MaxFormBytes)
        {
            expected = 413;
        }
        else if (input.Fields.Any(f => f.Key.Contains('\0', StringComparison.Ordinal) || f.Value.Contains('\0', StringComparison.Ordinal) || Uri.EscapeDataString(Fuzz.Utf8RoundTrip(f.Key)).Length > 2048))
        {
            // ASP.NET Core's form reader refuses NUL characters and keys over 2,048 encoded characters: "form unreadable".
            expected = 400;
        }
        else if (!string.IsNullOrEmpty(received.GetValueOrDefault("website")))
        {
            expected = 400;
        }
        else if (input.Query.StartsWith("?invite=", StringComparison.Ordinal) || input.Query.StartsWith("?manage=", StringComparison.Ordinal))
        {
            Assert.True(answer.Code is 403 or 404 || Fuzz.IsServerLimit(answer), $"a forged token got {answer.Says}");
            return;
        }
        else if (received.GetValueOrDefault("action") == "withdraw")
        {
            expected = 403;
        }
        else
        {
            var (valid, _) = RegistrationValidator.Validate(PureFunctionFuzzTests.FormOf(received), CycleDefinitionValidator.CentralKalimantanRegencies, today);
            // A valid form is refused only when its NIP or email belongs to someone else (422 as well).
            expected = 422;
            if (valid is not null)
            {
                Assert.True(answer.Code == 422 && (answer.Body.Contains("nip-error", StringComparison.Ordinal) || answer.Body.Contains("email-error", StringComparison.Ordinal)),
                    $"a valid form was refused: {answer.Says}");
                return;
            }
        }

        Assert.True(answer.Code == expected, $"expected {expected}, got {answer.Says}");
    }

    /// <summary>The form as the server reads it: first value of each field, decoded from UTF-8.</summary>
    private static Dictionary<string, string?> Received(IReadOnlyList<KeyValuePair<string, string>> fields)
    {
        var result = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in fields)
        {
            result.TryAdd(Fuzz.Utf8RoundTrip(key), Fuzz.Utf8RoundTrip(value));
        }

        return result;
    }

    private static int Bucket(int status) => status switch
    {
        < 300 => 0,
        422 => 1,
        403 => 2,
        411 or 413 or 415 => 3,
        < 500 => 4,
        _ => 5,
    };

    [Fact]
    public async Task FormPostLimitCannotBeDodgedBySpoofingXForwardedFor()
    {
        // The host presents the client as the LAST X-Forwarded-For hop of a trusted (here: loopback) proxy, as the
        // Functions worker does behind Azure's front end. A client that writes its own hops before it gains nothing.
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory, new Dictionary<string, string?> { ["TrainingCycles__FormPostsPerMinute"] = "10" });
        var cycleId = (await CycleApi.CreateAsync(world.Organizer, CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 3600))).GetProperty("cycleId").GetString()!;

        var statuses = new List<int>();
        for (var i = 0; i < 30; i++)
        {
            var fields = Forms.ValidRegistration(nip: Forms.Nip(i), email: $"spoof{i}@example.org");
            var answer = await Fuzz.SendAsync(world.Http, HttpMethod.Post, $"api/cycles/{cycleId}/register", Fuzz.FormContent(fields),
                [("X-Forwarded-For", $"203.0.113.{i}, 198.51.100.7")]);
            statuses.Add(answer.Code);
        }

        output.WriteLine("30 valid posts from one front-end hop, each claiming another client-written address: " + string.Join(",", statuses.GroupBy(s => s).Select(g => $"{g.Count()}×{g.Key}")));
        Assert.Equal(10, statuses.Count(s => s == 200));
        Assert.Equal(20, statuses.Count(s => s == 429));
    }

    [Fact]
    public async Task SixtyColleaguesBehindOneOfficeAddressAllRegisterInTheSameMinute()
    {
        // The default limit, one NAT address (the front end's hop), 60 people — and each of them mistypes once first.
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var cycleId = (await CycleApi.CreateAsync(world.Organizer, CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, capacity: 100, closeAfterSeconds: 3600))).GetProperty("cycleId").GetString()!;
        var office = new (string, string)[] { ("X-Forwarded-For", "36.92.10.20") };

        var typos = new List<int>();
        var accepted = new List<int>();
        for (var i = 0; i < 60; i++)
        {
            typos.Add((await Fuzz.SendAsync(world.Http, HttpMethod.Post, $"api/cycles/{cycleId}/register", Fuzz.FormContent(Forms.ValidRegistration(nip: "19800101", email: $"office{i}@kalteng.go.id")), office)).Code);
            accepted.Add((await Fuzz.SendAsync(world.Http, HttpMethod.Post, $"api/cycles/{cycleId}/register", Fuzz.FormContent(Forms.ValidRegistration(nip: Forms.Nip(i), email: $"office{i}@kalteng.go.id")), office)).Code);
        }

        Assert.All(typos, code => Assert.Equal(422, code));
        Assert.All(accepted, code => Assert.Equal(200, code));
        Assert.Equal(60, (await world.Host.Services.GetRequiredService<CycleStore>().CountsAsync(cycleId)).Confirmed);
    }

    [Theory]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2:1111:2222:3333:4444", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:3::1", "2001:db8:1:3::/64")]
    [InlineData("::ffff:36.92.10.20", "36.92.10.20")]
    [InlineData("36.92.10.20", "36.92.10.20")]
    public void IPv6ClientsAreGroupedByTheirSlash64(string address, string key) =>
        Assert.Equal(key, FormRateLimiter.ClientKey(System.Net.IPAddress.Parse(address)));

    [Fact]
    public async Task EveryRegistrationPageAnswerCarriesTheSecurityHeaders()
    {
        var world = fixture.World;
        var cycleId = fixture.OpenCycles[0];
        var answers = new List<(string What, Fuzz.Answer Answer)>
        {
            ("form", await Fuzz.SendAsync(world.Http, HttpMethod.Get, $"api/cycles/{cycleId}/register")),
            ("422", await Fuzz.SendAsync(world.Http, HttpMethod.Post, $"api/cycles/{cycleId}/register", Fuzz.FormContent([KeyValuePair.Create("fullName", "<b>x</b>")]))),
            ("415", await Fuzz.SendAsync(world.Http, HttpMethod.Post, $"api/cycles/{cycleId}/register", Fuzz.Content(Encoding.UTF8.GetBytes("<x/>"), "text/xml"))),
            ("413", await Fuzz.SendAsync(world.Http, HttpMethod.Post, $"api/cycles/{cycleId}/register", Fuzz.Content(new byte[40_000], "application/x-www-form-urlencoded"))),
            ("invite-only 403", await Fuzz.SendAsync(world.Http, HttpMethod.Get, $"api/cycles/{fixture.InviteOnlyCycle}/register")),
            ("unknown cycle 404", await Fuzz.SendAsync(world.Http, HttpMethod.Get, "api/cycles/cnotarealcycl/register")),
        };
        foreach (var (what, answer) in answers)
        {
            SecurityHeaders.AssertOnPage(answer, "register " + what);
        }

        output.WriteLine(string.Join(", ", answers.Select(a => $"{a.What}: {a.Answer.Code}")));
    }
}
