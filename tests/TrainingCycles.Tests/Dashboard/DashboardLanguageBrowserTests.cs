using Microsoft.Playwright;
using TrainingCycles.DevHost;
using TrainingCycles.Tests.Cycles;
using TrainingCycles.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TrainingCycles.Tests.Dashboard;

/// <summary>The dashboard in a browser set to American English, and the phase strip of a short session (issue #16).</summary>
public sealed class DashboardLanguageBrowserTests(Browser browser) : IClassFixture<Browser>
{
    [Fact]
    public async Task AnEnUsBrowserGetsBahasaIndonesiaUntilTheStaffMemberPicksEnglishWhichIsRemembered()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var page = await browser.NewPageAsync(locale: "en-US", viewport: DashboardPage.Laptop);
        var url = world.Host.BaseUrl + "/api/dashboard";

        await page.GotoAsync(url);
        Assert.Equal("id", await page.Locator("html").GetAttributeAsync("lang"));
        await page.GetByRole(AriaRole.Link, new() { Name = "Masuk dengan akun instansi (Microsoft Entra ID)" }).ClickAsync();
        await page.GetByLabel("Email").FillAsync(People.FirstAdministrator);
        await page.GetByRole(AriaRole.Button, new() { Name = "Masuk / Sign in" }).ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("Daftar pelatihan", new() { Timeout = 20_000 });

        await page.GetByRole(AriaRole.Button, new() { Name = "English" }).ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("Trainings", new() { Timeout = 20_000 });
        await page.ReloadAsync();
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "en");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Trainings", new() { Timeout = 20_000 });

        // A new browser profile (nothing stored) with an English locale: Bahasa Indonesia again.
        var fresh = await browser.NewPageAsync(locale: "en-US", viewport: DashboardPage.Laptop);
        await fresh.GotoAsync(url);
        await Expect(fresh.GetByRole(AriaRole.Link, new() { Name = "Masuk dengan akun instansi (Microsoft Entra ID)" })).ToBeVisibleAsync();
        Assert.Equal("id", await fresh.Locator("html").GetAttributeAsync("lang"));
    }

    [Fact]
    public async Task ThePhaseStripShowsTheSameEndOfTrainingAsTheWorkflowForASessionShorterThanItsCheckInWindow()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var created = await CycleApi.CreateAsync(world.Organizer, ScheduleBoundaryTests.ShortSessionDefinition(DateTimeOffset.UtcNow));
        var cycleId = created.GetProperty("cycleId").GetString()!;
        var trainingEnds = created.GetProperty("schedule").GetProperty("trainingEndsAt").GetDateTimeOffset();
        var d = await DashboardPage.OpenAsync(browser, world, DashboardPage.Laptop);

        await d.GoAsync($"#/cycles/{cycleId}");
        var completing = d.Page.Locator("#phases li").Nth(4);
        await Expect(completing).ToContainTextAsync("Penyelesaian", new() { Timeout = 20_000 });
        // 02.18–02.19 WIB with the default 60-minute check-in window: training ends at 03.18, not 02.19.
        await Expect(completing.Locator("time")).ToContainTextAsync("03.18");
        Assert.Equal(trainingEnds, DateTimeOffset.Parse((await completing.Locator("time").GetAttributeAsync("datetime"))!, System.Globalization.CultureInfo.InvariantCulture));
        d.AssertNoConsoleErrors();
    }
}
