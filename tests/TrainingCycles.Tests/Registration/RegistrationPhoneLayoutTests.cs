using Microsoft.Playwright;
using TrainingCycles.DevHost;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Registration;

/// <summary>The registration page's facts on a 390 px phone: each label above its value, the schedule full width (issue #16).</summary>
public sealed class RegistrationPhoneLayoutTests(Browser browser) : IClassFixture<Browser>
{
    [Fact]
    public async Task OnA390PxPhoneTheScheduleStacksUnderItsLabelAndTakesTheFullWidth()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var definition = CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 3600);
        definition["sessions"]![0]!["title"] = "Hari 1: Kebijakan kesejahteraan sosial";
        definition["sessions"]![1]!["title"] = "Hari 2: Praktik pekerjaan sosial";
        var cycleId = (await CycleApi.CreateAsync(world.Organizer, definition)).GetProperty("cycleId").GetString()!;
        var page = await browser.NewPageAsync(viewport: new ViewportSize { Width = 390, Height = 844 });

        await page.GotoAsync($"{world.Host.BaseUrl}/api/cycles/{cycleId}/register");

        var label = page.Locator("dl.facts dt", new() { HasText = "Jadwal" });
        var value = label.Locator("xpath=following-sibling::dd[1]");
        var dt = (await label.BoundingBoxAsync())!;
        var dd = (await value.BoundingBoxAsync())!;
        var main = (await page.Locator("main").BoundingBoxAsync())!;
        Assert.True(dd.Y >= dt.Y + dt.Height - 1, $"the schedule sits beside its label (dt {dt.Y}+{dt.Height}, dd {dd.Y})");
        Assert.True(dd.Width >= main.Width - 40, $"the schedule is {dd.Width} px wide in a {main.Width} px page");
        var lineHeight = await value.EvaluateAsync<double>("e => parseFloat(getComputedStyle(e).lineHeight)");
        var lines = (int)Math.Round(dd.Height / lineHeight);
        Assert.True(lines <= 4, $"two sessions take {lines} lines");
        // No sideways scrolling on the phone.
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"));
    }
}
