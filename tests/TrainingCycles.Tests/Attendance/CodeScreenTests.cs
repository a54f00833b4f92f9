using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using TrainingCycles.Infrastructure;
using TrainingCycles.Tests.Reliability;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Attendance;

/// <summary>
/// The venue's code screen opens with its own signed, expiring, read-only link for one session, minted through a
/// header-key API; the organizer's function key is never in a URL, a page or a link the app makes.
/// </summary>
public sealed partial class CodeScreenTests
{
    [Fact]
    public async Task AnOrganizerGetsAScreenLinkWithTheHeaderKeyAndTheScreenOpensWithoutAnyKey()
    {
        await using var w = await AttendanceWorld.StartAsync();
        w.Clock.Now = w.Session("s1").StartsAt.AddMinutes(-10);

        var mint = await w.World.Organizer.PostAsync($"api/cycles/{w.CycleId}/sessions/s1/code-screen", null);
        var link = await mint.Content.ReadFromJsonAsync<JsonElement>();
        var url = link.GetProperty("url").GetString()!;
        var (response, page) = await Forms.GetAsync(w.World.Http, url);
        var jsonAnswer = await w.World.Http.GetAsync(link.GetProperty("jsonUrl").GetString()!);
        var json = await jsonAnswer.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.Created, mint.StatusCode);
        Assert.DoesNotContain("code=", url, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(w.CodeNow("s1"), page.QuerySelector(".big")!.TextContent);
        Assert.Equal(w.CodeNow("s1"), json.GetProperty("code").GetString());
        Assert.Equal("no-store", jsonAnswer.Headers.CacheControl?.ToString());
        // Valid while the code is worth anything: until check-in closes, plus a short grace.
        var closes = w.Session("s1").StartsAt.AddMinutes(60);
        Assert.Equal(closes.AddMinutes(30).ToUnixTimeSeconds(), link.GetProperty("expiresAt").GetDateTimeOffset().ToUnixTimeSeconds());
        var audit = await w.World.Host.Services.GetRequiredService<AuditLog>().ReadAsync(w.CycleId);
        Assert.Contains(audit, e => e.Action == "attendance.code-screen-link" && e.Details!.StartsWith("s1:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheScreenRefusesTheFunctionKeyAndEveryWrongOrExpiredLinkRevealingNothing()
    {
        await using var w = await AttendanceWorld.StartAsync();
        w.Clock.Now = w.Session("s1").StartsAt.AddMinutes(-10);
        var tokens = w.World.Host.Services.GetRequiredService<Tokens>();
        var key = w.World.Host.FunctionKey;
        string Make(string purpose, string cycle, string subject, TimeSpan lifetime) => tokens.Create(purpose, cycle, subject, w.Clock.Now + lifetime);
        var valid = Make(TokenPurpose.CodeScreen, w.CycleId, "s1", TimeSpan.FromHours(1));
        var attempts = new Dictionary<string, (string Query, IEnumerable<(string, string)> Headers)>
        {
            ["no link"] = ("", []),
            ["the function key as ?code="] = ("?code=" + Uri.EscapeDataString(key), []),
            ["the function key in the header"] = ("", [("x-functions-key", key)]),
            ["another session's link"] = ("?t=" + Uri.EscapeDataString(Make(TokenPurpose.CodeScreen, w.CycleId, "s2", TimeSpan.FromHours(1))), []),
            ["another cycle's link"] = ("?t=" + Uri.EscapeDataString(Make(TokenPurpose.CodeScreen, "cxxxxxxxxxxxx", "s1", TimeSpan.FromHours(1))), []),
            ["a participant's check-in link"] = ("?t=" + Uri.EscapeDataString(Make(TokenPurpose.CheckIn, w.CycleId, "s1", TimeSpan.FromHours(1))), []),
            ["an expired link"] = ("?t=" + Uri.EscapeDataString(Make(TokenPurpose.CodeScreen, w.CycleId, "s1", TimeSpan.FromSeconds(-1))), []),
            ["a tampered link"] = ("?t=" + Uri.EscapeDataString(valid[..^2] + (valid[^2] == 'A' ? 'B' : 'A') + valid[^1]), []),
        };
        var code = w.CodeNow("s1");
        var problems = new List<string>();
        foreach (var (name, (query, headers)) in attempts)
        {
            foreach (var format in new[] { "", "format=json" })
            {
                var q = format.Length == 0 ? query : query.Length == 0 ? "?" + format : query + "&" + format;
                var answer = await Fuzz.SendAsync(w.World.Http, HttpMethod.Get, $"api/cycles/{w.CycleId}/sessions/s1/code{q}", headers: headers);
                Fuzz.AssertClear(answer, name);
                if (answer.Code != 403 || answer.Body.Contains(code, StringComparison.Ordinal) || answer.Body.Contains(w.Cycle.Entity.Title, StringComparison.Ordinal))
                {
                    problems.Add($"{name} {format}: {answer.Says}");
                }
            }
        }

        // An unknown cycle answers exactly like a real one without a link: the screen is no existence oracle.
        var unknown = await Fuzz.SendAsync(w.World.Http, HttpMethod.Get, "api/cycles/cxxxxxxxxxxxx/sessions/s1/code");
        var real = await Fuzz.SendAsync(w.World.Http, HttpMethod.Get, $"api/cycles/{w.CycleId}/sessions/s1/code");
        Assert.Equal(real.Body, unknown.Body);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public async Task TheLinkStopsWorkingHalfAnHourAfterCheckInCloses()
    {
        await using var w = await AttendanceWorld.StartAsync();
        w.Clock.Now = w.Session("s1").StartsAt.AddMinutes(-10);
        var url = await w.CodeScreenUrlAsync("s1");

        w.Clock.Now = w.Session("s1").StartsAt.AddMinutes(60 + 29);
        var closed = await Forms.GetAsync(w.World.Http, url);
        w.Clock.Now = w.Session("s1").StartsAt.AddMinutes(60 + 30);
        var expired = await Forms.GetAsync(w.World.Http, url);

        Assert.Equal(HttpStatusCode.OK, closed.Response.StatusCode);
        Assert.Contains("Presensi sudah ditutup", closed.Page.Body!.TextContent, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, expired.Response.StatusCode);
        Assert.Equal("Tautan kedaluwarsa", expired.Page.QuerySelector("h1")!.TextContent);
        Assert.Null(expired.Page.QuerySelector(".big"));
    }

    /// <summary>
    /// Everything the app serves an organizer — the dashboard page and its assets, the answers of the API they call,
    /// the code screen and every link on it (followed), even when someone pastes the key into the screen's URL —
    /// never carries the function key, and no URL in it asks for <c>?code=</c>.
    /// </summary>
    [Fact]
    public async Task NothingTheAppServesCarriesTheFunctionKey()
    {
        await using var w = await AttendanceWorld.StartAsync();
        w.Clock.Now = w.Session("s1").StartsAt.AddMinutes(-10);
        await w.AddParticipantsAsync(2);
        var key = w.World.Host.FunctionKey;
        var served = new Dictionary<string, string>();
        async Task Take(string what, HttpClient client, string url, HttpMethod? method = null)
        {
            var answer = await Fuzz.SendAsync(client, method ?? HttpMethod.Get, url);
            Assert.True(answer.Code < 400, $"{what} ({url}) answered {answer.Says}");
            served[what + " " + url] = answer.Body + "\n" + string.Join("\n", answer.Headers.Select(h => h.Key + ": " + string.Join(",", h.Value)));
        }

        await Take("dashboard page", w.World.Http, "api/dashboard");
        var shell = Forms.Parse(served.Last().Value);
        foreach (var asset in shell.QuerySelectorAll("link[href], script[src]").Select(e => e.GetAttribute("href") ?? e.GetAttribute("src")!).Where(a => !a.StartsWith("data:", StringComparison.Ordinal)))
        {
            await Take("dashboard asset", w.World.Http, new Uri(new Uri(w.World.Host.BaseUrl + "/api/dashboard"), asset).ToString());
        }

        foreach (var api in new[] { "api/cycles", $"api/cycles/{w.CycleId}", $"api/cycles/{w.CycleId}/participants", $"api/cycles/{w.CycleId}/sessions/s1/attendance", $"api/cycles/{w.CycleId}/attendance" })
        {
            await Take("API answer", w.World.Organizer, api);
        }

        await Take("code-screen link", w.World.Organizer, $"api/cycles/{w.CycleId}/sessions/s1/code-screen", HttpMethod.Post);
        var url = JsonDocument.Parse(served.Last().Value.Split('\n')[0]).RootElement.GetProperty("url").GetString()!;
        // Someone pastes the key into the screen's address out of habit: the page must not copy it into its links.
        foreach (var screen in new[] { url, url + "&code=" + Uri.EscapeDataString(key) })
        {
            await Take("code screen", w.World.Http, screen);
            var page = Forms.Parse(served.Last().Value);
            var links = page.QuerySelectorAll("a[href], form[action], link[href], script[src], img[src]")
                .Select(e => e.GetAttribute("href") ?? e.GetAttribute("action") ?? e.GetAttribute("src")!)
                .Where(h => !h.StartsWith('#') && !h.StartsWith("data:", StringComparison.Ordinal))
                .ToList();
            Assert.NotEmpty(links);
            foreach (var link in links)
            {
                Assert.DoesNotContain("code=", link, StringComparison.OrdinalIgnoreCase);
                await Take("link on the code screen", w.World.Http, new Uri(new Uri(screen), link).ToString());
            }
        }

        var leaks = served.Where(s => s.Value.Contains(key, StringComparison.Ordinal)).Select(s => s.Key).ToList();
        var codeParams = served.Where(s => CodeParameter().IsMatch(s.Value)).Select(s => s.Key).ToList();
        Assert.True(served.Count > 10, $"only {served.Count} answers scanned");
        Assert.True(leaks.Count == 0, "the function key is in: " + string.Join(", ", leaks));
        Assert.True(codeParams.Count == 0, "a URL with ?code= is in: " + string.Join(", ", codeParams));
    }

    // A URL query parameter named code (…?code=… or …&code=…, also HTML-escaped &amp;code=).
    [GeneratedRegex(@"[?&](amp;)?code=", RegexOptions.IgnoreCase)]
    private static partial Regex CodeParameter();
}
