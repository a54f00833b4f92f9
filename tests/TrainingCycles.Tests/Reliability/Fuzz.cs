using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using FsCheck;
using FsCheck.Fluent;
using TrainingCycles.Tests.Reliability.Corpus;
using TrainingCycles.Tests.Support;
using Xunit.Abstractions;

namespace TrainingCycles.Tests.Reliability;

/// <summary>
/// The fuzzing kit: FsCheck generators for nasty text, a seeded sampler (so a failure names an input that can be
/// replayed), a runner that checks generated inputs against one world in a few sequential lanes, and the oracles
/// every target shares (never a 5xx, always a clear message, snapshots that prove nothing was written).
/// </summary>
internal static class Fuzz
{
    /// <summary>Seed for every sampled input set; change it (or set RELIABILITY_SEED) to explore other inputs.</summary>
    public static readonly ulong Seed = ulong.TryParse(Environment.GetEnvironmentVariable("RELIABILITY_SEED"), out var seed) ? seed : 20261214UL;

    public static T[] Sample<T>(Gen<T> gen, int count, int salt = 0, int size = 40) =>
        gen.Sample(count, new Rnd(Seed + (ulong)salt), size);

    // ---------------------------------------------------------------- generators

    private static readonly Gen<char> AnyChar = Gen.Frequency(
        (6, Gen.Choose(0x20, 0x7E).Select(i => (char)i)),          // printable ASCII
        (2, Gen.Choose(0x00, 0x1F).Select(i => (char)i)),          // control characters, NUL
        (2, Gen.Choose(0xA0, 0x24F).Select(i => (char)i)),         // Latin-1, Latin Extended
        (2, Gen.Choose(0x300, 0x36F).Select(i => (char)i)),        // combining marks
        (1, Gen.Choose(0x590, 0x6FF).Select(i => (char)i)),        // Hebrew, Arabic (RTL)
        (1, Gen.Elements('\u200B', '\u200D', '\u200E', '\u200F', '\u202E', '\u2066', '\uFEFF', '\u2028', '\u00AD', '\u3000')),
        (1, Gen.Choose(0xD800, 0xDFFF).Select(i => (char)i)),      // lone surrogates
        (1, Gen.Choose(0xFF10, 0xFF19).Select(i => (char)i)),      // fullwidth digits
        (1, Gen.Elements('=', '+', '-', '@', '"', '\'', ',', ';', '<', '>', '&', '%', '\\', '/', '|', '{', '}')));

    private static readonly Gen<string> Emoji = Gen.Elements("😀", "👩🏽‍⚕️", "🇮🇩", "👨‍👩‍👧‍👦", "𝕊", "💩");

    /// <summary>Random text with every kind of character, sized by FsCheck's size parameter.</summary>
    public static readonly Gen<string> RandomText = Gen.Sized(size =>
        Gen.Choose(0, Math.Max(1, size)).SelectMany(n =>
            Gen.Frequency((9, AnyChar.Select(c => c.ToString())), (1, Emoji)).ArrayOf(n).Select(parts => string.Concat(parts))));

    /// <summary>Corpus strings, formulas, FsCheck's own strings, random text; sometimes padded or repeated.</summary>
    public static readonly Gen<string> NastyString = Gen.Frequency(
        (4, Gen.Elements(NastyInputs.Strings.ToArray())),
        (2, Gen.Elements(NastyInputs.Formulas.ToArray())),
        (3, RandomText),
        (2, ArbMap.Default.GeneratorFor<string>().Select(s => s ?? "")),
        (1, Gen.Elements(NastyInputs.Strings.ToArray()).Select(s => "  " + s + "\t")),
        (1, Gen.Elements(NastyInputs.Strings.Take(20).ToArray()).Select(s => string.Concat(Enumerable.Repeat(s, 60)))));

    public static readonly Gen<string> NipLike = Gen.Frequency(
        (3, Gen.Elements(NastyInputs.Nips.ToArray())),
        (2, Gen.Choose(0, 26).SelectMany(n => Gen.Choose(0, 9).ArrayOf(n)).Select(d => string.Concat(d))),
        (1, NastyString));

    public static readonly Gen<string> PhoneLike = Gen.Frequency(
        (3, Gen.Elements(NastyInputs.Phones.ToArray())),
        (2, Gen.Choose(0, 18).SelectMany(n => Gen.Choose(0, 9).ArrayOf(n)).Select(d => "08" + string.Concat(d))),
        (1, NastyString));

    public static readonly Gen<string> EmailLike = Gen.Frequency(
        (3, Gen.Elements(NastyInputs.Emails.ToArray())),
        (1, NastyString.Select(s => s + "@example.org")),
        (1, NastyString));

    // ---------------------------------------------------------------- running

    /// <summary>
    /// Checks every input, lane by lane: inputs i ≡ lane (mod lanes) run one after the other in that lane, lanes run
    /// side by side. A check throws (an xUnit assertion) to report a failure; all failures are collected and
    /// reported together with the input that caused them.
    /// </summary>
    public static async Task<FuzzRun> RunAsync<T>(string target, IReadOnlyList<T> inputs, int lanes, Func<int, int, T, Task> check, ITestOutputHelper? output = null, CapturedLogs? logs = null)
    {
        var logged = logs?.Lines.Count ?? 0;
        var failures = new ConcurrentBag<string>();
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, lanes).Select(lane => Task.Run(async () =>
        {
            for (var i = lane; i < inputs.Count; i += lanes)
            {
                try
                {
                    await check(lane, i, inputs[i]);
                }
                catch (Exception e)
                {
                    failures.Add($"#{i} {Describe(inputs[i])}\n    → {e.GetType().Name}: {e.Message}");
                }
            }
        })));
        var run = new FuzzRun(target, inputs.Count, watch.Elapsed, [.. failures.OrderBy(f => int.Parse(f[1..f.IndexOf(' ', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture))],
            logs is null ? [] : Crashes(logs.Lines.Skip(logged)));
        output?.WriteLine(run.Summary);
        foreach (var crash in run.Crashes)
        {
            output?.WriteLine("  crash: " + crash);
        }

        return run;
    }

    /// <summary>The distinct unhandled exceptions the host logged ("Function X failed"), with how often and where in the app.</summary>
    public static IReadOnlyList<string> Crashes(IEnumerable<LogLine> lines) =>
        [.. lines.Where(l => l.Level >= LogLevel.Error && l.Exception is not null)
            .Select(l =>
            {
                var exception = l.Exception!.Split('\n');
                var where = exception.FirstOrDefault(f => f.Contains("at TrainingCycles.", StringComparison.Ordinal) && !f.Contains("DevHost", StringComparison.Ordinal))?.Trim() ?? "";
                var function = l.State.FirstOrDefault(s => s.Key == "Function").Value ?? l.Category;
                return $"{function}: {exception[0].Trim()} {where}";
            })
            .GroupBy(c => c)
            .Select(g => $"{g.Count()}× {g.Key}")];

    public static string Describe(object? input)
    {
        var text = input?.ToString() ?? "null";
        text = string.Concat(text.Select(c => char.IsControl(c) || char.IsSurrogate(c) ? $"\\u{(int)c:X4}" : c.ToString()));
        return text.Length > 300 ? text[..300] + $"… ({text.Length:N0} chars)" : text;
    }

    // ---------------------------------------------------------------- HTTP

    public static HttpContent Content(byte[] bytes, string? contentType, bool chunked = false)
    {
        HttpContent content = chunked ? new StreamContent(new NoLengthStream(bytes)) : new ByteArrayContent(bytes);
        if (contentType is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        return content;
    }

    public static HttpContent Content(NastyBody body) => Content(body.Bytes, body.ContentType, body.Chunked);

    public static HttpContent FormContent(IEnumerable<KeyValuePair<string, string>> fields) =>
        Content(Encoding.UTF8.GetBytes(string.Join('&', fields.Select(f => Uri.EscapeDataString(f.Key) + "=" + Uri.EscapeDataString(Utf8RoundTrip(f.Value))))), "application/x-www-form-urlencoded");

    /// <summary>What the server reads back for a string sent as UTF-8: lone surrogates become U+FFFD.</summary>
    public static string Utf8RoundTrip(string value) => Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(value));

    public sealed record Answer(HttpStatusCode Status, string? MediaType, string Body, HttpResponseHeaders Headers, HttpContentHeaders ContentHeaders)
    {
        public int Code => (int)Status;

        /// <summary>The status and what the answer says (a page's heading and first paragraph, or the JSON error), for failure messages.</summary>
        public string Says
        {
            get
            {
                if (MediaType == "text/html")
                {
                    var page = Forms.Parse(Body);
                    return $"{Code} \"{page.QuerySelector("h1")?.TextContent.Trim()}: {page.QuerySelector("main p:not(.lang)")?.TextContent.Trim()}\"";
                }

                return $"{Code} {Shorten(Body)}";
            }
        }
    }

    /// <summary>Answers the web server itself gives before the app runs (request line or headers too long): no body to check.</summary>
    public static bool IsServerLimit(Answer answer) => answer.Code is 414 or 431 && answer.Body.Length == 0;

    public static async Task<Answer> SendAsync(HttpClient client, HttpMethod method, string url, HttpContent? content = null, IEnumerable<(string Name, string Value)>? headers = null)
    {
        using var request = new HttpRequestMessage(method, url) { Content = content };
        foreach (var (name, value) in headers ?? [])
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        return new Answer(response.StatusCode, response.Content.Headers.ContentType?.MediaType, body, response.Headers, response.Content.Headers);
    }

    /// <summary>Never a 5xx; an HTML answer has a non-empty h1; a JSON error says what is wrong in both languages.</summary>
    public static void AssertClear(Answer answer, string what)
    {
        if (IsServerLimit(answer))
        {
            return;
        }

        Assert.True(answer.Code < 500, $"{what} answered {answer.Code}: {Shorten(answer.Body)}");
        if (answer.MediaType == "text/html")
        {
            var page = Forms.Parse(answer.Body);
            var h1 = page.QuerySelector("h1")?.TextContent.Trim();
            Assert.True(!string.IsNullOrEmpty(h1), $"{what} answered {answer.Code} with a page without a heading: {Shorten(answer.Body)}");
        }
        else if (answer.Code >= 400)
        {
            Assert.True(answer.MediaType == "application/json", $"{what} answered {answer.Code} as {answer.MediaType ?? "no content type"}: {Shorten(answer.Body)}");
            using var json = JsonDocument.Parse(answer.Body);
            var error = json.RootElement.GetProperty("error");
            Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()), $"{what}: empty message");
            Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("messageEn").GetString()), $"{what}: empty messageEn");
        }
    }

    public static string Shorten(string text) => text.Length > 400 ? text[..400] + "…" : text;

    // ---------------------------------------------------------------- storage snapshots

    /// <summary>Every row of a partition as RowKey@ETag, sorted: any write to the partition changes it.</summary>
    public static async Task<string> SnapshotAsync(TableClient table, string partitionKey, Func<string, bool>? rowKeys = null)
    {
        var rows = new List<string>();
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey}"), select: ["RowKey"]))
        {
            if (rowKeys?.Invoke(row.RowKey) ?? true)
            {
                rows.Add(row.RowKey + "@" + row.ETag);
            }
        }

        rows.Sort(StringComparer.Ordinal);
        return string.Join('\n', rows);
    }

    /// <summary>
    /// True when <paramref name="after"/> is <paramref name="before"/> less some mail outbox rows (<c>ob-…</c>): the
    /// cycle's outbox drain deletes the rows of earlier, accepted requests at any moment (#24), which is not a write
    /// by the refused request. A refused request adding or changing any row (an outbox row included) still differs.
    /// </summary>
    public static bool SameButDrained(string before, string after)
    {
        var b = after.Split('\n').ToHashSet();
        return before.Split('\n').Where(line => b.Contains(line) || !line.StartsWith("ob-", StringComparison.Ordinal)).ToHashSet().SetEquals(b);
    }

    /// <summary>The lines of two snapshots that differ, for failure messages.</summary>
    public static string Diff(string before, string after)
    {
        var a = before.Split('\n').ToHashSet();
        var b = after.Split('\n').ToHashSet();
        return "removed [" + string.Join(", ", a.Except(b)) + "], added [" + string.Join(", ", b.Except(a)) + "]";
    }

    public static async Task<int> CountAsync(TableClient table, string? partitionKey = null, string? actor = null)
    {
        var count = 0;
        var filter = partitionKey is null ? null
            : actor is null ? TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey} and Actor eq {actor}");
        await foreach (var _ in table.QueryAsync<TableEntity>(filter, select: ["RowKey"]))
        {
            count++;
        }

        return count;
    }

    /// <summary>A stream that does not tell its length, so HttpClient sends it chunked (no Content-Length).</summary>
    private sealed class NoLengthStream(byte[] bytes) : Stream
    {
        private readonly MemoryStream _inner = new(bytes, writable: false);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            _inner.Dispose();
            base.Dispose(disposing);
        }
    }
}

/// <summary>What one fuzz target did: inputs tried, time taken, failures with the inputs that caused them.</summary>
internal sealed record FuzzRun(string Target, int Inputs, TimeSpan Elapsed, IReadOnlyList<string> Failures, IReadOnlyList<string> Crashes)
{
    public string Summary => $"{Target}: {Inputs:N0} inputs in {Elapsed.TotalSeconds:0.0} s, {Failures.Count} failing (seed {Fuzz.Seed})";

    public void AssertNoFailures() =>
        Assert.True(Failures.Count == 0, Summary + ":\n" +
            (Crashes.Count > 0 ? "unhandled exceptions the host logged:\n  " + string.Join("\n  ", Crashes) + "\nfailing inputs:\n" : "") +
            string.Join('\n', Failures.Take(12)) + (Failures.Count > 12 ? $"\n… and {Failures.Count - 12} more" : ""));
}
