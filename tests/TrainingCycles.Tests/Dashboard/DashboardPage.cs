using System.Globalization;
using System.Text.RegularExpressions;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Dashboard;

/// <summary>A staff member's browser tab on the dashboard: signs in, collects console errors, runs axe, takes screenshots.</summary>
internal sealed partial class DashboardPage
{
    public static readonly ViewportSize Laptop = new() { Width = 1280, Height = 800 };
    public static readonly ViewportSize Tablet = new() { Width = 820, Height = 1180 };

    private readonly List<string> _errors = [];

    private DashboardPage(IPage page, TestWorld world)
    {
        Page = page;
        World = world;
        // The browser logs every 4xx answer as "Failed to load resource"; the API's 400/401/409/413/415/422 answers are part
        // of the flows under test. Anything else at error level (a script error, a CSP refusal) is a failure.
        page.Console += (_, message) =>
        {
            if (message.Type == "error" && !ExpectedNetworkError().IsMatch(message.Text))
            {
                _errors.Add(message.Text);
            }
        };
        page.PageError += (_, error) => _errors.Add("page error: " + error);
    }

    public IPage Page { get; }

    public TestWorld World { get; }

    public string Url => World.Host.BaseUrl + "/api/dashboard";

    public static async Task<DashboardPage> OpenAsync(Browser browser, TestWorld world, ViewportSize viewport, bool signIn = true)
    {
        var page = new DashboardPage(await browser.NewPageAsync(viewport: viewport), world);
        await page.Page.GotoAsync(page.Url);
        if (signIn)
        {
            await page.SignInAsync(People.FirstAdministrator);
            await page.WaitForHeadingAsync("Daftar pelatihan");
        }

        return page;
    }

    /// <summary>Signs in as a person through the dev host's Easy Auth emulator, from the dashboard's sign-in link.</summary>
    public async Task SignInAsync(string email, string? name = null)
    {
        await Page.GetByRole(AriaRole.Link, new() { Name = "Masuk dengan akun instansi (Microsoft Entra ID)" }).ClickAsync();
        await Page.GetByLabel("Email").FillAsync(email);
        await Page.GetByLabel("Nama tampilan / Display name").FillAsync(name ?? email.Split('@')[0]);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Masuk / Sign in" }).ClickAsync();
        // Back on the dashboard once the redirect commits; what follows waits for the elements it needs. (Waiting for the
        // "load" event as well timed out once on a loaded CI machine although the page had arrived.)
        await Page.WaitForURLAsync(url => url.Contains("/api/dashboard", StringComparison.Ordinal), new() { WaitUntil = WaitUntilState.Commit, Timeout = 60_000 });
    }

    public async Task GoAsync(string hash)
    {
        await Page.EvaluateAsync("h => { location.hash = h; }", hash);
    }

    public Task WaitForHeadingAsync(string text) =>
        Assertions.Expect(Page.Locator("h1")).ToHaveTextAsync(text, new() { Timeout = 20_000 });

    public Task<string> StatusAsync() => Page.Locator("#status").InnerTextAsync();

    public async Task ExpectStatusAsync(string contains) =>
        await Assertions.Expect(Page.Locator("#status")).ToContainTextAsync(contains, new() { Timeout = 20_000 });

    public async Task AssertAccessibleAsync(string where)
    {
        AxeResult result = await Page.RunAxe();
        var serious = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(serious.Count == 0, where + ":\n" + string.Join("\n", serious.Select(v => $"{v.Id} ({v.Impact}): {v.Help} — {string.Join(", ", v.Nodes.Select(n => n.Html))}")));
    }

    public async Task ScreenshotAsync(string name) =>
        await Page.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), $"dashboard-{name}.png"), FullPage = true });

    public void AssertNoConsoleErrors() => Assert.True(_errors.Count == 0, "console errors:\n" + string.Join("\n", _errors));

    /// <summary>"YYYY-MM-DDTHH:mm" in WIB, as a datetime-local field takes it.</summary>
    public static string Wib(DateTimeOffset t) => t.ToOffset(TimeSpan.FromHours(7)).ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^Failed to load resource: the server responded with a status of (400|401|403|409|413|415|422)\b")]
    private static partial Regex ExpectedNetworkError();
}
