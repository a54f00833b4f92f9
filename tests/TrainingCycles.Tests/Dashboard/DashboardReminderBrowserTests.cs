using Microsoft.Playwright;
using TrainingCycles.DevHost;
using TrainingCycles.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TrainingCycles.Tests.Dashboard;

/// <summary>Reminder times beyond the presets, entered as days, hours and minutes instead of ISO-8601 text.</summary>
public sealed class DashboardReminderBrowserTests(Browser browser) : IClassFixture<Browser>
{
    [Fact]
    public async Task StaffMemberSetsARemindersSixMinutesAndADayAndSixHoursBeforeTheDeadlineWithoutTypingIso()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var definition = CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 4 * 86400, sessions: 1);
        // Sessions whole hours long: the form's date-and-time fields have minutes, not seconds.
        var start = DateTimeOffset.UtcNow.AddDays(5);
        definition["sessions"]![0]!["startsAt"] = start.ToString("yyyy-MM-dd'T'HH':'mm'Z'", System.Globalization.CultureInfo.InvariantCulture);
        definition["sessions"]![0]!["endsAt"] = start.AddHours(4).ToString("yyyy-MM-dd'T'HH':'mm'Z'", System.Globalization.CultureInfo.InvariantCulture);
        definition["registrationOpensAt"] = DateTimeOffset.UtcNow.AddMinutes(-5).ToString("yyyy-MM-dd'T'HH':'mm'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var cycleId = (await CycleApi.CreateAsync(world.Organizer, definition)).GetProperty("cycleId").GetString()!;
        await CycleApi.WaitForPhaseAsync(world.Organizer, cycleId, "RegistrationOpen");
        var d = await DashboardPage.OpenAsync(browser, world, DashboardPage.Laptop);
        var page = d.Page;

        await d.GoAsync($"#/cycles/{cycleId}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Jadwalkan ulang…" }).ClickAsync();
        var deadline = page.GetByRole(AriaRole.Group, new() { Name = "Sebelum batas akhir pendaftaran" });
        var other = deadline.GetByRole(AriaRole.Group, new() { Name = "Waktu lain" });
        await Expect(other.Locator("li[data-offset=PT3S]")).ToHaveCountAsync(1); // the cycle's own offset is listed

        // Nothing entered: a message, nothing added.
        await other.GetByRole(AriaRole.Button, new() { Name = "Tambah waktu" }).ClickAsync();
        await Expect(other.Locator(".error")).ToContainTextAsync("paling sedikit satu lebih dari 0");
        await Expect(other.Locator("li")).ToHaveCountAsync(1);

        await other.GetByLabel("Menit", new() { Exact = true }).FillAsync("6");
        await other.GetByRole(AriaRole.Button, new() { Name = "Tambah waktu" }).ClickAsync();
        await Expect(other.Locator("li[data-offset=PT6M]")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^6 menit \(PT6M\)"));
        await Expect(other.Locator(".error")).ToBeEmptyAsync();

        await other.GetByLabel("Hari", new() { Exact = true }).FillAsync("1");
        await other.GetByLabel("Jam", new() { Exact = true }).FillAsync("6");
        await other.GetByRole(AriaRole.Button, new() { Name = "Tambah waktu" }).ClickAsync();
        await Expect(other.Locator("li[data-offset=P1DT6H]")).ToContainTextAsync("1 hari 6 jam");

        // The seconds-long offset of the compressed test cycle goes; a preset stays as it is.
        await other.GetByRole(AriaRole.Button, new() { Name = "Hapus pengingat PT3S" }).ClickAsync();
        await deadline.GetByLabel("H-3 (3 hari)").CheckAsync();
        await d.AssertAccessibleAsync("reschedule form with reminder times");
        await page.GetByRole(AriaRole.Button, new() { Name = "Simpan jadwal baru" }).ClickAsync();
        await d.ExpectStatusAsync("Jadwal baru disimpan");

        var schedule = (await CycleApi.GetAsync(world.Organizer, cycleId)).GetProperty("schedule");
        Assert.Equal(["P3D", "P1DT6H", "PT6M"], schedule.GetProperty("remindersBeforeDeadline").EnumerateArray().Select(e => e.GetString()));

        // In English the same fields read Days / Hours / Minutes.
        await page.GetByRole(AriaRole.Button, new() { Name = "English" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Reschedule…" }).ClickAsync();
        var english = page.GetByRole(AriaRole.Group, new() { Name = "Before the registration deadline" }).GetByRole(AriaRole.Group, new() { Name = "Other times" });
        await Expect(english.Locator("li[data-offset=P1DT6H]")).ToContainTextAsync("1 day 6 hours");
        await Expect(english.GetByLabel("Minutes", new() { Exact = true })).ToBeVisibleAsync();
        d.AssertNoConsoleErrors();
    }
}
