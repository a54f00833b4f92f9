using Microsoft.Playwright;
using TrainingCycles.Attendance;
using TrainingCycles.Infrastructure;
using TrainingCycles.Tests.Dashboard;
using TrainingCycles.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TrainingCycles.Tests.Attendance;

/// <summary>At the venue, from the dashboard: the projector link, the presence switch, the door scanner and the held check-ins.</summary>
public sealed class PresenceBrowserTests(Browser browser) : IClassFixture<Browser>
{
    [Fact]
    public async Task AnOrganizerOpensTheScreenLinkRequiresPresenceScansAtTheDoorAndConfirmsAHeldCheckIn()
    {
        await using var w = await AttendanceWorld.StartAsync();
        var ids = await w.AddParticipantsAsync(2);
        w.Clock.Now = w.Session("s1").StartsAt.AddMinutes(-10);
        var d = await DashboardPage.OpenAsync(browser, w.World, DashboardPage.Laptop);
        var page = d.Page;
        await d.GoAsync($"#/cycles/{w.CycleId}/attendance/s1");

        // The projector link: the session's own read-only link, never the key.
        await page.GetByRole(AriaRole.Button, new() { Name = "Tampilkan kode presensi" }).ClickAsync();
        await Expect(page.Locator("#session-code")).ToHaveTextAsync(w.CodeNow("s1"));
        var href = (await page.Locator("#code-screen-link").GetAttributeAsync("href"))!;
        Assert.DoesNotContain(w.World.Host.FunctionKey, href, StringComparison.Ordinal);
        Assert.DoesNotContain("code=", href, StringComparison.OrdinalIgnoreCase);
        var screen = await browser.NewPageAsync();
        await screen.GotoAsync(href);
        Assert.Equal(w.CodeNow("s1"), await screen.Locator(".big").InnerTextAsync());

        await page.GetByRole(AriaRole.Button, new() { Name = "Wajibkan kehadiran di pintu" }).ClickAsync();
        await d.ExpectStatusAsync("Mode presensi sesi ini diubah");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Kode sesi saja sudah cukup" })).ToHaveAttributeAsync("aria-pressed", "true");
        var held = await w.CheckInAsync(w.Token(ids[0]), w.CodeNow("s1"));
        Assert.Equal(AttendanceStatus.Pending, (await w.MarkAsync("s1", ids[0]))!.Status);
        await d.GoAsync($"#/cycles/{w.CycleId}/attendance");
        await d.GoAsync($"#/cycles/{w.CycleId}/attendance/s1");
        await Expect(page.Locator("#attendance-counts [data-count=pending] .n")).ToHaveTextAsync("1");
        await d.AssertAccessibleAsync("attendance with a held check-in and the door scanner");

        var name = held.Page.QuerySelector("dl.facts dd")!.TextContent;
        await page.GetByRole(AriaRole.Button, new() { Name = $"Konfirmasi presensi {name}" }).ClickAsync();
        await d.ExpectStatusAsync("Keputusan disimpan");
        Assert.Equal(AttendanceStatus.Present, (await w.MarkAsync("s1", ids[0]))!.Status);

        // A scanner types the QR's text into the field and presses Enter.
        var presence = w.World.Host.Services.GetRequiredService<Tokens>().Create(TokenPurpose.Presence, w.CycleId, ids[1], w.Clock.Now.AddDays(3));
        await page.GetByLabel("Hasil pindai QR peserta").FillAsync(presence);
        await page.GetByLabel("Hasil pindai QR peserta").PressAsync("Enter");
        await Expect(page.Locator("#presence [role=status]")).ToContainTextAsync("tercatat Hadir");
        Assert.Equal(AttendanceSource.Door, (await w.MarkAsync("s1", ids[1]))!.Source);
        d.AssertNoConsoleErrors();
    }

    [Fact]
    public async Task AnOrganizersPhoneCameraReadsTheParticipantsQrAtTheDoorAndStopsWhenTheViewChanges()
    {
        await using var w = await AttendanceWorld.StartAsync();
        var ids = await w.AddParticipantsAsync(1);
        w.Clock.Now = w.Session("s1").StartsAt.AddMinutes(-10);
        var d = await DashboardPage.OpenAsync(browser, w.World, DashboardPage.Laptop);
        var page = d.Page;
        // Linux Chromium has no BarcodeDetector (Chrome on Android has): stand one in that "sees" window.__qr, over
        // Chromium's fake camera, and keep the streams the page opens so the test can see them stopped.
        await page.Context.AddInitScriptAsync("""
            window.BarcodeDetector = class { async detect() { return window.__qr ? [{ rawValue: window.__qr }] : []; } };
            const open = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
            navigator.mediaDevices.getUserMedia = async (c) => { const s = await open(c); (window.__streams ||= []).push(s); return s; };
            """);
        await page.Context.GrantPermissionsAsync(["camera"]);
        await page.ReloadAsync();
        await d.GoAsync($"#/cycles/{w.CycleId}/attendance/s1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Wajibkan kehadiran di pintu" }).ClickAsync();
        await d.ExpectStatusAsync("Mode presensi sesi ini diubah");

        await page.GetByRole(AriaRole.Button, new() { Name = "Pindai dengan kamera" }).ClickAsync();
        await Expect(page.Locator("#camera-scan")).ToHaveAttributeAsync("aria-pressed", "true", new() { Timeout = 10_000 });
        await Expect(page.Locator("video.scanner")).ToBeVisibleAsync();
        var presence = w.World.Host.Services.GetRequiredService<Tokens>().Create(TokenPurpose.Presence, w.CycleId, ids[0], w.Clock.Now.AddDays(3));
        await page.EvaluateAsync("v => { window.__qr = v; }", presence);

        await Expect(page.Locator("#presence [role=status]")).ToContainTextAsync("tercatat Hadir");
        Assert.Equal(AttendanceSource.Door, (await w.MarkAsync("s1", ids[0]))!.Source);
        await d.AssertAccessibleAsync("door scanner with the camera on");

        await d.GoAsync($"#/cycles/{w.CycleId}/attendance");
        await Expect(page.Locator("video.scanner")).ToHaveCountAsync(0);
        Assert.True(await page.EvaluateAsync<bool>("() => (window.__streams || []).length === 1 && window.__streams.every(s => s.getTracks().every(t => t.readyState === 'ended'))"),
            "the camera must stop when the staff member leaves the attendance view");
        d.AssertNoConsoleErrors();
    }
}
