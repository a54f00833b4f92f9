using Microsoft.Playwright;
using TrainingCycles.DevHost;
using TrainingCycles.Tests.Support;
using static TrainingCycles.Tests.Certificates.CertificateSetup;

namespace TrainingCycles.Tests.Certificates;

/// <summary>The verification page in a real browser: on the phone that scanned the QR code, and on a desktop.</summary>
public sealed class VerificationPageBrowserTests(Browser browser) : IClassFixture<Browser>
{
    [Fact]
    public async Task VerificationPageFitsAPhoneScreenWithTitleOrganizerAndHashReadable()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var certificate = await OneAsync(world);
        var page = await browser.NewPageAsync(); // 390 × 844

        await page.GotoAsync($"{world.Host.BaseUrl}/api/verify/{certificate.VerificationCode}");
        await AssertFitsAsync(page, 390);

        // After a check the page also shows the submitted hash: still no sideways scrolling.
        await page.GetByLabel("atau SHA-256 berkas").FillAsync(certificate.Sha256);
        await page.GetByRole(AriaRole.Button, new() { Name = "Periksa" }).ClickAsync();
        await Assertions.Expect(page.Locator("#check")).ToHaveAttributeAsync("data-match", "true");
        await AssertFitsAsync(page, 390);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), "verify-phone.png"), FullPage = true });
    }

    [Fact]
    public async Task VerificationPageKeepsAReadableWidthOnADesktop()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var certificate = await OneAsync(world);
        var page = await browser.NewPageAsync(viewport: new ViewportSize { Width = 1440, Height = 900 });

        await page.GotoAsync($"{world.Host.BaseUrl}/api/verify/{certificate.VerificationCode}");
        await AssertFitsAsync(page, 1440);
        var main = (await page.Locator("main").BoundingBoxAsync())!;
        Assert.True(main.Width <= 720, $"main is {main.Width}px wide");
        // The facts list and the hash stay inside the text column instead of widening it.
        foreach (var selector in new[] { "dl.facts", "#sha256-issued" })
        {
            var box = (await page.Locator(selector).BoundingBoxAsync())!;
            Assert.True(box.X >= main.X - 0.5 && box.X + box.Width <= main.X + main.Width + 0.5, $"{selector}: {box.X}+{box.Width} outside main {main.X}+{main.Width}");
        }

        // Terms beside their values on a wide screen.
        var term = (await page.Locator("dl.facts dt").First.BoundingBoxAsync())!;
        var value = (await page.Locator("#holder").BoundingBoxAsync())!;
        Assert.True(value.X > term.X + term.Width - 0.5, "the value should sit beside its term");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), "verify-desktop.png"), FullPage = true });
    }

    private static async Task AssertFitsAsync(IPage page, int viewportWidth)
    {
        var scrollWidth = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
        Assert.True(scrollWidth <= viewportWidth, $"the page lays out {scrollWidth}px wide in a {viewportWidth}px viewport");
        foreach (var selector in new[] { "h1", "#status", "#training", "#organizer", "#holder", "#number", "#sha256-issued" })
        {
            var element = page.Locator(selector);
            await Assertions.Expect(element).ToBeVisibleAsync();
            var box = (await element.BoundingBoxAsync())!;
            Assert.True(box.X >= 0 && box.X + box.Width <= viewportWidth + 0.5, $"{selector} at {box.X}+{box.Width} is cut off in {viewportWidth}px");
            // Nothing inside is clipped or scrolled away.
            var overflows = await element.EvaluateAsync<bool>("e => e.scrollWidth > e.clientWidth + 1");
            Assert.False(overflows, $"{selector} overflows its box");
        }
    }
}
