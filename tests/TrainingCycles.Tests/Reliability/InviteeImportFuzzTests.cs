using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsvHelper;
using CsvHelper.Configuration;
using FsCheck;
using FsCheck.Fluent;
using TrainingCycles.Cycles;
using TrainingCycles.DevHost;
using TrainingCycles.Infrastructure;
using TrainingCycles.Tests.Reliability.Corpus;
using TrainingCycles.Tests.Support;
using Xunit.Abstractions;

namespace TrainingCycles.Tests.Reliability;

/// <summary>One dev host for the class with four cycles open for registration (one per fuzz lane).</summary>
public sealed class ImportFuzzWorld : IAsyncLifetime
{
    public CapturedLogs Logs { get; } = new();

    public TestWorld World { get; private set; } = null!;

    public string[] Cycles { get; private set; } = [];

    public async Task InitializeAsync()
    {
        World = await TestWorld.StartAsync(DurableBackend.InMemory, new Dictionary<string, string?> { ["TrainingCycles__FormPostsPerMinute"] = "100000" }, logs: Logs);
        var cycles = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            cycles.Add((await CycleApi.CreateAsync(World.Organizer, CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 3600))).GetProperty("cycleId").GetString()!);
        }

        Cycles = [.. cycles];
    }

    public async Task DisposeAsync() => await World.DisposeAsync();
}

/// <summary>
/// <c>POST /api/cycles/{id}/invitees</c> with generated CSV (header aliases, delimiters, quoting, line endings, nasty
/// cells) and JSON lists, the corpus bodies, and wrong, missing or multipart content types: never a 5xx, a JSON error
/// in both languages for every refusal, and all or nothing — the answer agrees with the parser run on the same text,
/// a refused file leaves the participant partition untouched, an accepted one adds exactly the new rows. Exports
/// escape every formula-looking cell.
/// </summary>
public sealed class InviteeImportFuzzTests(ImportFuzzWorld fixture, ITestOutputHelper output) : IClassFixture<ImportFuzzWorld>
{
    private const int Inputs = 300;

    public sealed record Input(string? ContentType, byte[] Body, bool Multipart, bool Chunked, string Note)
    {
        public override string ToString() => $"{Note} [{ContentType ?? "no content type"}{(Multipart ? ", as a multipart file" : "")}] " + Encoding.UTF8.GetString(Body.AsSpan(0, Math.Min(Body.Length, 300)));
    }

    private static Gen<Input> InputGen()
    {
        var cell = Gen.Frequency((3, Fuzz.NastyString), (1, Fuzz.NipLike), (1, Fuzz.PhoneLike), (1, Gen.Elements("id", "en", "English", "jawa", "")), (1, Gen.Elements(NastyInputs.Formulas.ToArray())));
        // {E} marks a cell that becomes a fresh valid email (unique per input and row) at send time.
        var email = Gen.Frequency((40, Gen.Constant("{E}")), (1, Fuzz.EmailLike), (1, Gen.Constant("")));
        var name = Gen.Frequency((30, Gen.Elements("Siti Aminah, S.Sos.", "I Gusti Ngurah Rai", "Muh. 'Ali", "Dewi 👩🏽‍⚕️", "محمد عبد الله", "Z\u0334a\u0338l\u0335g\u0337o")), (1, Fuzz.NastyString), (3, Gen.Elements(NastyInputs.Formulas.ToArray())));
        var nip = Gen.Frequency((12, Gen.Constant("")), (8, Gen.Choose(0, 5000).Select(Forms.Nip)), (1, Fuzz.NipLike));
        var phone = Gen.Frequency((12, Gen.Constant("")), (8, Gen.Elements("0812-3456-7890", "+62 853 4719 2268", "0857 6620 3391")), (1, Fuzz.PhoneLike));
        var language = Gen.Frequency((20, Gen.Elements("id", "en", "", "Inggris")), (1, Fuzz.NastyString));
        // Each column gets values of its kind, mostly valid: a file is refused as a whole for one bad row.
        Gen<string> CellFor(string header) => header.Trim().ToLowerInvariant() switch
        {
            "email" or "e-mail" or "surel" => email,
            "nama" or "nama lengkap" or "name" or "instansi" or "unit kerja" => name,
            "nip" => nip,
            "telepon" or "no hp" or "whatsapp" => phone,
            "bahasa" or "lang" => language,
            _ => cell,
        };
        var headerNames = Gen.Elements("Email", "E-MAIL", "surel", "nama", "Nama Lengkap", "name", "nip", "NIP", "telepon", "no hp", "whatsapp", "instansi", "unit kerja", "bahasa", "lang", "keterangan", "");
        var header = Gen.Zip(headerNames.ListOf(), Gen.Frequency((8, Gen.Constant(true)), (1, Gen.Constant(false))))
            .Select(x => x.Item2 ? (IReadOnlyList<string>)["email", .. x.Item1] : [.. x.Item1]);
        var table = header.SelectMany(h => Gen.Choose(0, 8).SelectMany(n => Gen.CollectToArray(h.Select(CellFor)).ListOf(n)).Select(rows => (Header: h, Rows: rows)));
        var style = Gen.Zip(Gen.Zip(Gen.Elements(",", ";", "\t"), Gen.Elements("\n", "\r\n", "\r")), Gen.Zip(Gen.Elements(true, false), Gen.Frequency((1, Gen.Constant(true)), (3, Gen.Constant(false)))));
        var csv = Gen.Zip(table, style).Select(x =>
        {
            var (headerRow, rows) = x.Item1;
            string delimiter = x.Item2.Item1.Item1, newline = x.Item2.Item1.Item2;
            bool bom = x.Item2.Item2.Item1, quoteAll = x.Item2.Item2.Item2;
            string Cell(string c) => quoteAll || c.Contains(delimiter, StringComparison.Ordinal) || c.Contains('"', StringComparison.Ordinal) || c.Contains('\n', StringComparison.Ordinal) || c.Contains('\r', StringComparison.Ordinal)
                ? "\"" + c.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : c;
            return (bom ? "\uFEFF" : "") + string.Join(newline, new[] { string.Join(delimiter, headerRow.Select(Cell)) }.Concat(rows.Select(r => string.Join(delimiter, r.Select(Cell)))));
        });
        var jsonItem = Gen.Zip(Gen.Zip(email, name), Gen.Zip(nip, Gen.Zip(phone, Gen.Choose(0, 19)))).Select(x => new Dictionary<string, object?>
        {
            ["email"] = x.Item1.Item1,
            ["name"] = x.Item1.Item2,
            ["nip"] = x.Item2.Item1.Length == 0 ? null : x.Item2.Item1,
            ["phone"] = x.Item2.Item2.Item2 == 0 ? 42 : x.Item2.Item2.Item1.Length == 0 ? null : x.Item2.Item2.Item1, // now and then a number where text belongs
        });
        var json = Gen.Frequency(
            (4, jsonItem.ListOf().Select(items => JsonSerializer.Serialize(items))),
            (1, jsonItem.ListOf().Select(items => JsonSerializer.Serialize(new { invitees = items }))),
            (1, Gen.Elements("[", "{}", "null", "[null, 1, \"x\"]", "{\"invitees\": {}}", "[{\"email\": \"a\\ud800@example.org\"}]", "[{\"email\": \"{E}\", \"name\": \"\\udfff\"}]", new string('[', 3000))));
        var types = Gen.Elements("text/csv", "text/csv; charset=utf-8", "text/plain", "application/json", "application/json; charset=utf-8", "text/xml", "application/octet-stream", "application/x-www-form-urlencoded", null);
        return Gen.Frequency(
            (5, csv.Select(t => new Input("text/csv", Encoding.UTF8.GetBytes(t), false, false, "csv"))),
            (3, json.Select(t => new Input("application/json", Encoding.UTF8.GetBytes(t), false, false, "json"))),
            (1, csv.Select(t => new Input(null, Encoding.UTF8.GetBytes(t), true, false, "csv upload"))),
            (1, Gen.Zip(csv, types).Select(x => new Input(x.Item2, Encoding.UTF8.GetBytes(x.Item1), false, false, "csv, content type varied"))),
            (1, Gen.Elements(NastyInputs.Bodies().Where(b => b.Bytes.Length < 64 * 1024).ToArray()).Select(b => new Input(b.ContentType, b.Bytes, false, b.Chunked, b.Name))));
    }

    [Fact]
    public async Task ImportNeverAnswers500IsAllOrNothingAndAgreesWithTheParser()
    {
        var world = fixture.World;
        var participants = await world.Host.Services.GetRequiredService<AppTables>().GetAsync(AppTables.Participants);
        var cycles = world.Host.Services.GetRequiredService<CycleStore>();
        var inputs = Fuzz.Sample(InputGen(), Inputs, salt: 3).Concat(NastyInputs.Bodies().Select(b => new Input(b.ContentType, b.Bytes, false, b.Chunked, b.Name))).ToList();
        var today = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(7));
        int accepted = 0, refused = 0, imported = 0;

        var run = await Fuzz.RunAsync("POST /invitees", inputs, lanes: 4, async (lane, i, input) =>
        {
            var cycleId = fixture.Cycles[lane];
            var row = 0;
            var body = input.Body;
            if (input.Note is "csv" or "json" or "csv upload" or "csv, content type varied")
            {
                var text = Encoding.UTF8.GetString(body);
                var fresh = new StringBuilder();
                var at = 0;
                for (var next = text.IndexOf("{E}", StringComparison.Ordinal); next >= 0; next = text.IndexOf("{E}", at, StringComparison.Ordinal))
                {
                    fresh.Append(text, at, next - at).Append(CultureInfo.InvariantCulture, $"imp{i}.{row++}@example.org");
                    at = next + 3;
                }

                body = Encoding.UTF8.GetBytes(fresh.Append(text, at, text.Length - at).ToString());
            }

            HttpContent content;
            if (input.Multipart)
            {
                var form = new MultipartFormDataContent();
                var file = new ByteArrayContent(body);
                file.Headers.ContentType = new("text/csv");
                form.Add(file, "file", "undangan.csv");
                content = form;
            }
            else
            {
                content = Fuzz.Content(body, input.ContentType, input.Chunked);
            }

            var before = await Fuzz.SnapshotAsync(participants, cycleId);
            var invitedBefore = (await cycles.CountsAsync(cycleId)).Invited;
            var answer = await Fuzz.SendAsync(world.Organizer, HttpMethod.Post, $"api/cycles/{cycleId}/invitees", content);
            Fuzz.AssertClear(answer, "import");
            var after = await Fuzz.SnapshotAsync(participants, cycleId);

            // The parser's verdict on the same text, when the route reads it as CSV or JSON.
            var type = input.Multipart ? "text/csv" : input.ContentType ?? "";
            var isJson = type.Contains("json", StringComparison.OrdinalIgnoreCase);
            // A corpus multipart body is an upload whose file the route reads as CSV; the parser cannot be run on the raw body.
            var upload = !input.Multipart && type.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase);
            var readable = isJson || type.Contains("csv", StringComparison.OrdinalIgnoreCase) || type.StartsWith("text/plain", StringComparison.OrdinalIgnoreCase);
            var decoded = input.Multipart ? new StreamReader(new MemoryStream(body), Encoding.UTF8).ReadToEnd() : Encoding.UTF8.GetString(body);
            var fits = body.Length <= ParticipantFunctions.MaxImportBytes;

            if (answer.Status != HttpStatusCode.OK)
            {
                Interlocked.Increment(ref refused);
                Assert.True(Fuzz.SameButDrained(before, after), $"refused ({answer.Says}) but the participant partition changed: {Fuzz.Diff(before, after)}");
                if (readable && fits)
                {
                    var (rows, errors) = isJson ? InviteeImport.ParseJson(decoded, today) : InviteeImport.ParseCsv(decoded, today);
                    // The one refusal the parser cannot foresee: a new invitee's NIP that someone else in the cycle holds.
                    var nipTaken = answer.Status == HttpStatusCode.Conflict && answer.Body.Contains("\"nip_taken\"", StringComparison.Ordinal) &&
                        rows.Any(r => r.Nip is not null && before.Contains(TrainingCycles.Cycles.ParticipantStore.NipIndexKey(cycleId, r.Nip), StringComparison.Ordinal));
                    Assert.True(errors.Count > 0 || rows.Count == 0 || nipTaken, $"the parser accepts {rows.Count} rows but the route refused: {answer.Says}");
                    Assert.Equal(nipTaken && errors.Count == 0 ? 409 : 422, answer.Code);
                }

                return;
            }

            Interlocked.Increment(ref accepted);
            if (upload)
            {
                Assert.Contains("filename=", Encoding.UTF8.GetString(body), StringComparison.Ordinal);
                return;
            }

            Assert.True(readable && fits, $"accepted a body sent as {type}");
            var (parsed, problems) = isJson ? InviteeImport.ParseJson(decoded, today) : InviteeImport.ParseCsv(decoded, today);
            Assert.Empty(problems);
            using var json = JsonDocument.Parse(answer.Body);
            var count = json.RootElement.GetProperty("imported").GetInt32();
            Assert.Equal(parsed.Count, json.RootElement.GetProperty("total").GetInt32());
            Assert.Equal(parsed.Count, count + json.RootElement.GetProperty("alreadyInvited").GetInt32());
            Assert.Equal(invitedBefore + count, (await cycles.CountsAsync(cycleId)).Invited);
            // Each new invitee is one participant row, one email index row and, with a NIP, one NIP index row; the counters row changes once.
            var addedLines = after.Split('\n').Except(before.Split('\n')).Where(l => !l.StartsWith("~counters", StringComparison.Ordinal)).ToList();
            var nipRows = addedLines.Count(l => l.StartsWith("ix-nip-", StringComparison.Ordinal));
            Assert.InRange(nipRows, 0, count);
            Assert.Equal(count * 2 + nipRows, addedLines.Count);
            Interlocked.Add(ref imported, count);
        }, output, fixture.Logs);

        output.WriteLine($"imports accepted: {accepted}, refused: {refused}, invitees imported: {imported}");
        run.AssertNoFailures();
    }

    [Fact]
    public async Task CsvExportsEscapeEveryFormulaCell()
    {
        var world = fixture.World;
        var now = DateTimeOffset.UtcNow;
        var definition = CycleApi.CompressedDefinition(now, closeAfterSeconds: 3600);
        definition["sessions"]![0]!["title"] = "=HYPERLINK(\"http://evil.example\",\"Hari 1\")";
        definition["sessions"]![1]!["title"] = "@SUM(1+1)";
        var cycleId = (await CycleApi.CreateAsync(world.Organizer, definition)).GetProperty("cycleId").GetString()!;

        // Invitees whose names and agencies are formulas, imported as CSV…
        var csv = new StringBuilder("email,nama,instansi,telepon\n");
        for (var i = 0; i < NastyInputs.Formulas.Count; i++)
        {
            var formula = NastyInputs.Formulas[i].Trim('\t', '\r');
            csv.Append(CultureInfo.InvariantCulture, $"formula{i}@example.org,\"{formula.Replace("\"", "\"\"", StringComparison.Ordinal)}\",\"{formula.Replace("\"", "\"\"", StringComparison.Ordinal)}\",0812-3456-78{i:00}\n");
        }

        await CycleApi.ImportCsvAsync(world.Organizer, cycleId, csv.ToString());
        // …and registrants who type formulas into the form (these also appear in the attendance export).
        foreach (var (formula, i) in NastyInputs.Formulas.Where(f => f.Any(char.IsLetter)).Select((f, i) => (f, i)))
        {
            // Own addresses: the open form never attaches to an invitee's row (security review #15, finding 2).
            var fields = Forms.ValidRegistration(nip: Forms.Nip(500 + i), email: $"formreg{i}@example.org", name: formula);
            fields["agency"] = formula;
            fields["position"] = "-" + formula;
            fields["rank"] = "@" + formula;
            var (response, page) = await Forms.PostAsync(world.Http, $"api/cycles/{cycleId}/register", fields);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"registering '{formula}' answered {(int)response.StatusCode}: {page.QuerySelector("h1")?.TextContent}");
        }

        var exports = new Dictionary<string, string>
        {
            ["participants"] = $"api/cycles/{cycleId}/participants?format=csv",
            ["attendance"] = $"api/cycles/{cycleId}/attendance?format=csv",
        };
        var cells = 0;
        var escaped = 0;
        foreach (var (name, url) in exports)
        {
            var response = await world.Organizer.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var text = await response.Content.ReadAsStringAsync();
            using var reader = new CsvReader(new StringReader(text.TrimStart('\uFEFF')), new CsvConfiguration(CultureInfo.InvariantCulture) { HasHeaderRecord = false, BadDataFound = null });
            var records = 0;
            while (reader.Read())
            {
                records++;
                for (var c = 0; reader.TryGetField<string>(c, out var value); c++)
                {
                    cells++;
                    if (value is { Length: > 0 } && value[0] == '\'')
                    {
                        escaped++;
                    }

                    // The one formula allowed: an 18-digit NIP as ="…", so spreadsheets keep it as text (finding 11).
                    var nipAsText = value is { Length: 21 } && value.StartsWith("=\"", StringComparison.Ordinal) && value[^1] == '"' && value[2..^1].All(char.IsAsciiDigit);
                    Assert.False(!nipAsText && value is { Length: > 0 } && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r',
                        $"{name} export, record {records}, column {c}: the cell '{value}' would run as a formula in a spreadsheet");
                }
            }

            Assert.True(records > NastyInputs.Formulas.Count / 2, $"{name} export has only {records} records");
            Assert.Contains("'=HYPERLINK(", text, StringComparison.Ordinal);
        }

        output.WriteLine($"CSV exports: {cells} cells read, {escaped} formula-looking cells escaped with a leading apostrophe, none left live");
    }

    /// <summary>Bodies the fuzz run found to crash the route, one by one: each must get a JSON error and import nothing.</summary>
    [Theory]
    [InlineData("multipart without boundary", null)]
    [InlineData("multipart with the wrong boundary", null)]
    [InlineData("multipart never terminated", null)]
    [InlineData("multipart part without headers", null)]
    [InlineData("JSON with a lone surrogate escape", null)]
    [InlineData("", "[{\"email\": \"budi@example.org\", \"name\": \"Budi \\ud83d\"}]")]
    public async Task AnUnreadableFileGetsAClearErrorAndImportsNothing(string bodyName, string? json)
    {
        var world = fixture.World;
        var cycleId = fixture.Cycles[0];
        var body = json is null ? NastyInputs.Bodies().Single(b => b.Name == bodyName) : new NastyBody("JSON with an escaped lone surrogate in a name", "application/json", Encoding.UTF8.GetBytes(json));
        var participants = await world.Host.Services.GetRequiredService<AppTables>().GetAsync(AppTables.Participants);
        var before = await Fuzz.SnapshotAsync(participants, cycleId);

        var answer = await Fuzz.SendAsync(world.Organizer, HttpMethod.Post, $"api/cycles/{cycleId}/invitees", Fuzz.Content(body));

        Fuzz.AssertClear(answer, $"POST /invitees with {body}");
        Assert.True(answer.Code is 400 or 415 or 422, $"answered {answer.Says}");
        Assert.Equal(before, await Fuzz.SnapshotAsync(participants, cycleId));
    }
}
