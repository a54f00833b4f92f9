using System.Text.Json;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using TrainingCycles.DevHost;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Identity;

/// <summary>Email sign-in in a real browser: the SameSite=Strict cookie set by the POST survives the redirect to the
/// dashboard and rides the dashboard's fetch calls; a fetch sign-out (with the browser's own Origin) ends it.</summary>
public sealed class EmailSignInBrowserTests(Browser browser) : IClassFixture<Browser>
{
    [Fact]
    public async Task AStaffMemberSignsInByEmailLinkLandsOnTheDashboardAndSignsOut()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory, SignIn.Settings());
        var page = await browser.NewPageAsync();

        await page.GotoAsync($"{world.Host.BaseUrl}/api/signin");
        await AssertAccessibleAsync(page);
        await page.GetByLabel("Alamat email").FillAsync(SignIn.Admin);
        await page.GetByRole(AriaRole.Button, new() { Name = "Kirim tautan masuk" }).ClickAsync();
        Assert.Equal("Periksa email Anda", await page.Locator("h1").InnerTextAsync());
        await AssertAccessibleAsync(page);

        var link = await SignIn.WaitForLinkAsync(world.Host.Outbox, SignIn.Admin);
        await page.GotoAsync(link);
        await AssertAccessibleAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Masuk" }).ClickAsync();
        // Waits for the redirect itself (a load-state wait after the click can watch the page being left); generous,
        // because the suite starts dozens of hosts at once around this test.
        await page.WaitForURLAsync("**/api/dashboard", new() { Timeout = 90_000 });
        Assert.True(page.Url.EndsWith("/api/dashboard", StringComparison.Ordinal), page.Url + "\n" + await page.ContentAsync());

        var session = await FetchAsync(page, "GET", "signin/session");
        Assert.Equal(200, session.GetProperty("status").GetInt32());
        Assert.Equal("email:" + SignIn.Admin, JsonDocument.Parse(session.GetProperty("body").GetString()!).RootElement.GetProperty("userId").GetString());
        var cookie = Assert.Single(await page.Context.CookiesAsync(), c => c.Name == "tc-session");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);

        Assert.Equal(200, (await FetchAsync(page, "POST", "signout", json: true)).GetProperty("status").GetInt32());
        Assert.Equal(401, (await FetchAsync(page, "GET", "signin/session")).GetProperty("status").GetInt32());
    }

    private static async Task<JsonElement> FetchAsync(IPage page, string method, string route, bool json = false) =>
        await page.EvaluateAsync<JsonElement>(
            "async ([method, url, json]) => { const r = await fetch(url, { method, headers: json ? { Accept: 'application/json' } : {} }); return { status: r.status, body: await r.text() }; }",
            new object[] { method, "/api/" + route, json });

    private static async Task AssertAccessibleAsync(IPage page)
    {
        AxeResult result = await page.RunAxe();
        var serious = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(serious.Count == 0, string.Join("\n", serious.Select(v => $"{v.Id} ({v.Impact}): {v.Help} — {string.Join(", ", v.Nodes.Select(n => n.Html))}")));
    }
}
