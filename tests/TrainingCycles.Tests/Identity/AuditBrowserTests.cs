using System.Net.Http.Json;
using Microsoft.Playwright;
using TrainingCycles.Cycles;
using TrainingCycles.DevHost;
using TrainingCycles.Tests.Dashboard;
using TrainingCycles.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TrainingCycles.Tests.Identity;

/// <summary>#18.3 in a browser: an administrator reads the trail in the dashboard and filters it by person; the
/// look they took at the participant list is in it under their own name.</summary>
public sealed class AuditBrowserTests(Browser browser) : IClassFixture<Browser>
{
    [Fact]
    public async Task AnAdministratorSeesWhoDidWhatAndWhoLookedAndFiltersByPerson()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var cycleId = (await CycleApi.CreateAsync(world.Organizer, CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 3600))).GetProperty("cycleId").GetString()!;
        await Forms.PostAsync(world.Http, $"api/cycles/{cycleId}/register", Forms.ValidRegistration(nip: Forms.Nip(4), email: "dewi@example.org", name: "Dewi Anggraini"));
        var dewi = Assert.Single(await world.Host.Services.GetRequiredService<ParticipantStore>().ListAsync(cycleId));
        var corrected = await world.Organizer.PatchAsJsonAsync($"api/cycles/{cycleId}/participants/{dewi.RowKey}", new { actor = "Rina (panitia)", fullName = "Dewi Anggraini, S.Sos.", reason = "gelar" });
        corrected.EnsureSuccessStatusCode();

        var admin = await DashboardPage.OpenAsync(browser, world, DashboardPage.Laptop);
        await admin.GoAsync($"#/cycles/{cycleId}/participants");
        await Expect(admin.Page.GetByText("Dewi Anggraini, S.Sos.")).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await admin.Page.GetByRole(AriaRole.Link, new() { Name = "Jejak audit" }).ClickAsync();
        await admin.WaitForHeadingAsync("Jejak audit");

        var correction = admin.Page.Locator("tr[data-action='participant.corrected']");
        await Expect(correction).ToContainTextAsync("Rina (panitia)");
        await Expect(correction).ToContainTextAsync(TestWorld.OrganizerActorId);
        await Expect(correction).ToContainTextAsync("Dewi Anggraini, S.Sos.");
        var look = admin.Page.Locator("tr[data-action='view.participants']");
        await Expect(look).ToHaveCountAsync(1);
        await Expect(look).Not.ToContainTextAsync("Rina");
        await admin.AssertAccessibleAsync("audit trail");

        // Filter by the person who looked: only their entries stay.
        await look.GetByRole(AriaRole.Link).First.ClickAsync();
        await Expect(admin.Page.Locator("tr[data-action='participant.corrected']")).ToHaveCountAsync(0);
        await Expect(admin.Page.Locator("tr[data-action='view.participants']")).ToHaveCountAsync(1);
        await Expect(admin.Page.GetByLabel("Pelaku (id, mis. email:nama@instansi.go.id)")).Not.ToHaveValueAsync("");
        admin.AssertNoConsoleErrors();

        // An organizer of the cycle has no trail to read.
        await world.Organizer.PostAsJsonAsync("api/access/grants", new { user = "panitia@bpsdm.kalteng.example", role = "organizer", cycleId });
        var organizer = await DashboardPage.OpenAsync(browser, world, DashboardPage.Laptop, signIn: false);
        await organizer.SignInAsync("panitia@bpsdm.kalteng.example", "Sari Panitia");
        await organizer.WaitForHeadingAsync("Daftar pelatihan");
        await Expect(organizer.Page.GetByRole(AriaRole.Link, new() { Name = "Jejak audit" })).ToHaveCountAsync(0);
        await organizer.GoAsync("#/audit");
        await Expect(organizer.Page.Locator("[role=alert]")).ToContainTextAsync("melihat jejak audit");
    }
}
