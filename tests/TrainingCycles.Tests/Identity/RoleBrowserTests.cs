using Microsoft.Playwright;
using TrainingCycles.DevHost;
using TrainingCycles.Tests.Dashboard;
using TrainingCycles.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TrainingCycles.Tests.Identity;

/// <summary>Issue #18's "done when", in a browser: the administrator signs in through the emulator and grants an
/// organizer one cycle; the organizer signs in and sees only that cycle, and none of the administrator's controls.</summary>
public sealed class RoleBrowserTests(Browser browser) : IClassFixture<Browser>
{
    [Fact]
    public async Task AnAdministratorGrantsAnOrganizerOneCycleAndTheOrganizerSeesOnlyThatCycle()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var definition = CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 3600);
        var mine = (await CycleApi.CreateAsync(world.Organizer, definition)).GetProperty("cycleId").GetString()!;
        definition["title"] = "Pelatihan Teknis Penyuluh Sosial";
        var other = (await CycleApi.CreateAsync(world.Organizer, definition)).GetProperty("cycleId").GetString()!;

        var admin = await DashboardPage.OpenAsync(browser, world, DashboardPage.Laptop);
        await Expect(admin.Page.Locator("#who")).ToContainTextAsync("Administrator");
        await admin.Page.GetByRole(AriaRole.Link, new() { Name = "Peran pengguna" }).ClickAsync();
        await admin.WaitForHeadingAsync("Peran pengguna");
        await admin.Page.GetByLabel("Email").FillAsync("panitia@bpsdm.kalteng.example");
        await admin.Page.GetByLabel("Peran", new() { Exact = true }).SelectOptionAsync("organizer");
        await admin.Page.GetByLabel("Id pelatihan (kosong = semua)").FillAsync(mine);
        await admin.Page.GetByRole(AriaRole.Button, new() { Name = "Beri peran" }).ClickAsync();
        await admin.ExpectStatusAsync("Peran diberikan.");
        var row = admin.Page.GetByRole(AriaRole.Row, new() { Name = "panitia@bpsdm.kalteng.example" });
        await Expect(row).ToContainTextAsync("Panitia");
        await Expect(row).ToContainTextAsync(mine);
        await Expect(row).ToContainTextAsync("admin"); // granted by
        await admin.AssertAccessibleAsync("user roles");
        admin.AssertNoConsoleErrors();

        var organizer = await DashboardPage.OpenAsync(browser, world, DashboardPage.Laptop, signIn: false);
        await organizer.SignInAsync("panitia@bpsdm.kalteng.example", "Sari Panitia");
        await organizer.WaitForHeadingAsync("Daftar pelatihan");
        await Expect(organizer.Page.Locator("#who")).ToContainTextAsync("Sari Panitia");
        await Expect(organizer.Page.Locator("#who")).ToContainTextAsync("Panitia (" + mine + ")");
        await Expect(organizer.Page.GetByRole(AriaRole.Link, new() { Name = "Pelatihan Dasar Pekerjaan Sosial se-Kalimantan Tengah" })).ToBeVisibleAsync();
        await Expect(organizer.Page.GetByRole(AriaRole.Link, new() { Name = "Pelatihan Teknis Penyuluh Sosial" })).ToHaveCountAsync(0);
        await Expect(organizer.Page.GetByRole(AriaRole.Link, new() { Name = "Peran pengguna" })).ToHaveCountAsync(0);
        await Expect(organizer.Page.GetByRole(AriaRole.Link, new() { Name = "Buat pelatihan baru" })).ToHaveCountAsync(0);
        await organizer.AssertAccessibleAsync("organizer's list");

        // Typing the addresses does not help: the API refuses, with the reason in the page.
        await organizer.GoAsync("#/access");
        await Expect(organizer.Page.Locator("[role=alert]")).ToContainTextAsync("mengatur peran pengguna");
        await organizer.GoAsync($"#/cycles/{other}");
        await Expect(organizer.Page.Locator("[role=alert]")).ToContainTextAsync("Peran Anda tidak mengizinkan");
        await organizer.GoAsync($"#/cycles/{mine}");
        await Expect(organizer.Page.GetByRole(AriaRole.Button, new() { Name = "Tutup pendaftaran sekarang" })).ToBeVisibleAsync(new() { Timeout = 20_000 });
        organizer.AssertNoConsoleErrors();
    }
}
