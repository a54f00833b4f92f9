using System.Diagnostics;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Attendance;

/// <summary>A participant at the venue door with a phone, and the organizer's screen, in a real browser.</summary>
public sealed class CheckInBrowserTests(Browser browser) : IClassFixture<Browser>
{
    [Fact]
    public async Task ParticipantMistypesTheCodeSeesWhyNextToTheFieldThenChecksIn()
    {
        await using var w = await AttendanceWorld.StartAsync();
        var id = (await w.AddParticipantsAsync(1))[0];
        w.Clock.Now = w.Session("s1").StartsAt.AddMinutes(-5);
        var page = await browser.NewPageAsync();

        await page.GotoAsync($"{w.World.Host.BaseUrl}/{w.CheckInUrl(w.Token(id))}");
        Assert.Contains("Peserta 1", await page.Locator("dl.facts").InnerTextAsync(), StringComparison.Ordinal);
        await AssertAccessibleAsync(page);

        var right = w.CodeNow("s1");
        await page.GetByLabel("Kode sesi").FillAsync(right == "000000" ? "000001" : "000000");
        await page.GetByRole(AriaRole.Button, new() { Name = "Kirim presensi" }).ClickAsync();

        var error = page.Locator(".field:has(#code) #code-error");
        Assert.True(await error.IsVisibleAsync());
        Assert.Contains("Kode salah", await error.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("true", await page.GetByLabel("Kode sesi").GetAttributeAsync("aria-invalid"));
        await AssertAccessibleAsync(page);

        await page.GetByLabel("Kode sesi").FillAsync(right[..3] + " " + right[3..]);
        await page.GetByRole(AriaRole.Button, new() { Name = "Kirim presensi" }).ClickAsync();

        Assert.Equal("Presensi tercatat", await page.Locator("[role=status] h2").InnerTextAsync());
        Assert.Contains("hadir", await page.Locator("[role=status]").InnerTextAsync(), StringComparison.Ordinal);
        await AssertAccessibleAsync(page);
        Assert.Equal("Present", (await w.MarkAsync("s1", id))!.Status);
    }

    [Fact]
    public async Task ParticipantChecksInInEnglish()
    {
        await using var w = await AttendanceWorld.StartAsync();
        var id = (await w.AddParticipantsAsync(1))[0];
        w.Clock.Now = w.Session("s2").StartsAt.AddMinutes(20);
        var page = await browser.NewPageAsync();

        await page.GotoAsync($"{w.World.Host.BaseUrl}/{w.CheckInUrl(w.Token(id))}");
        await page.GetByRole(AriaRole.Link, new() { Name = "English" }).ClickAsync();
        Assert.Equal("en", await page.Locator("html").GetAttributeAsync("lang"));
        await AssertAccessibleAsync(page);

        await page.GetByLabel("Session code").FillAsync("12");
        await page.GetByRole(AriaRole.Button, new() { Name = "Check in" }).ClickAsync();
        Assert.Contains("Enter the 6-digit session code", await page.Locator("#code-error").InnerTextAsync(), StringComparison.Ordinal);

        await page.GetByLabel("Session code").FillAsync(w.CodeNow("s2"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Check in" }).ClickAsync();

        Assert.Equal("You are checked in", await page.Locator("[role=status] h2").InnerTextAsync());
        Assert.Contains("late for Hari 2", await page.Locator("[role=status]").InnerTextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OrganizerScreenIsAccessibleAndItsQrCodeScansToTheCheckInPage()
    {
        await using var w = await AttendanceWorld.StartAsync();
        w.Clock.Now = w.Session("s1").StartsAt.AddMinutes(-10);
        var page = await browser.NewPageAsync(viewport: new ViewportSize { Width = 1280, Height = 900 });

        await page.GotoAsync(await w.CodeScreenUrlAsync("s1"));

        Assert.Equal(w.CodeNow("s1"), await page.Locator(".big").InnerTextAsync());
        // The self-refresh is the point of this screen (WCAG 2.2.1 lets it be, as the page offers to turn it off):
        // every other rule applies here, and the paused page must pass them all.
        await AssertAccessibleAsync(page, new AxeRunOptions { Rules = new Dictionary<string, RuleOptions> { ["meta-refresh"] = new() { Enabled = false } } });
        var png = Path.Combine(Path.GetTempPath(), $"qr-{Guid.NewGuid():N}.png");
        try
        {
            await page.Locator("figure svg").ScreenshotAsync(new() { Path = png });
            Assert.Equal("QR-Code:" + await page.Locator("figcaption").InnerTextAsync(), Zbar(png));
        }
        finally
        {
            File.Delete(png);
        }

        await page.GetByRole(AriaRole.Link, new() { Name = "Hentikan pembaruan otomatis" }).ClickAsync();
        Assert.Equal(0, await page.Locator("meta[http-equiv=refresh]").CountAsync());
        Assert.Equal(w.CodeNow("s1"), await page.Locator(".big").InnerTextAsync());
        await AssertAccessibleAsync(page);
    }

    private static string Zbar(string png)
    {
        using var zbar = Process.Start(new ProcessStartInfo("zbarimg", ["--quiet", png]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = zbar.StandardOutput.ReadToEnd();
        zbar.WaitForExit();
        return output.Trim();
    }

    private static async Task AssertAccessibleAsync(IPage page, AxeRunOptions? options = null)
    {
        AxeResult result = await page.RunAxe(options);
        var serious = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(serious.Count == 0, string.Join("\n", serious.Select(v => $"{v.Id} ({v.Impact}): {v.Help} — {string.Join(", ", v.Nodes.Select(n => n.Html))}")));
    }
}
