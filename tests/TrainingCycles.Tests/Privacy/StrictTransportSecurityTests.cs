using System.Net;
using System.Text.Json;
using TrainingCycles.DevHost;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Privacy;

/// <summary>HSTS on every answer (#23 item 6): host.json's customHeaders, which the Functions host adds to every HTTP
/// response and the dev host adds the same way — pages, JSON, errors, refusals, redirects.</summary>
public sealed class StrictTransportSecurityTests
{
    [Fact]
    public void HostJsonAsksForHstsForAYearWithSubdomains()
    {
        var headers = DevHostApp.ReadCustomHeaders(Path.Combine(RepoPaths.FindRoot(), "host.json"));
        var hsts = headers["Strict-Transport-Security"];
        Assert.Contains("includeSubDomains", hsts, StringComparison.Ordinal);
        var maxAge = int.Parse(hsts.Split(';')[0].Split('=')[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(maxAge >= 31536000, hsts);
    }

    [Fact]
    public async Task EveryKindOfAnswerCarriesStrictTransportSecurity()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var answers = new List<(string What, HttpResponseMessage Response)>
        {
            ("health JSON", await world.Http.GetAsync("api/health")),
            ("unknown certificate page", await world.Http.GetAsync("api/verify/aaaaaaaaaaaa")),
            ("refused organizer route", await world.Http.GetAsync("api/cycles")),
            ("organizer JSON", await world.Organizer.GetAsync("api/cycles")),
            ("unknown cycle's form", await world.Http.GetAsync("api/cycles/cxxxxxxxxxxxx/register")),
            ("bad JSON", await world.Organizer.PostAsync("api/cycles", new StringContent("{", System.Text.Encoding.UTF8, "application/json"))),
        };
        foreach (var (what, response) in answers)
        {
            Assert.True(response.Headers.TryGetValues("Strict-Transport-Security", out var values), $"{what} ({(int)response.StatusCode}) has no HSTS header");
            Assert.StartsWith("max-age=", values!.Single(), StringComparison.Ordinal);
        }

        Assert.Contains(answers, a => a.Response.StatusCode == HttpStatusCode.OK);
        Assert.Contains(answers, a => (int)a.Response.StatusCode >= 400);
        _ = JsonDocument.Parse(await answers[0].Response.Content.ReadAsStringAsync());
    }
}
