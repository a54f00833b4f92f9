using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using TrainingCycles.DevHost;
using TrainingCycles.Nomination;
using TrainingCycles.Tests.Dashboard;
using TrainingCycles.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TrainingCycles.Tests.Nomination;

/// <summary>In Chromium: a coordinator signs in, uploads one letter and nominates three people on their page; the
/// organizer approves two and rejects one; the coordinator's page shows the outcome.</summary>
public sealed class NominationBrowserTests(Browser browser) : IClassFixture<Browser>
{
    [Fact]
    public async Task ACoordinatorNominatesThreePeopleWithALetterAndTheOrganizerApprovesTwoAndRejectsOne()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var cycleId = await NominationFlowTests.CreateCycleAsync(world, capacity: 6);
        Assert.Equal(HttpStatusCode.OK, (await NominationFlowTests.PutQuotasAsync(world, cycleId, NominationFlowTests.QuotaCsv(3, 1))).StatusCode);

        var dashboard = await DashboardPage.OpenAsync(browser, world, DashboardPage.Laptop, signIn: false);
        await dashboard.SignInAsync("koord.kapuas@kalteng.example", "Siti Aminah");
        var page = dashboard.Page;
        await page.GotoAsync($"{world.Host.BaseUrl}/api/cycles/{cycleId}/nomination");
        await Expect(page.Locator("#agency")).ToHaveTextAsync("Dinas Sosial Kabupaten Kapuas");

        await page.Locator("#letter").SetInputFilesAsync(new FilePayload { Name = "surat-tugas.pdf", MimeType = "application/pdf", Buffer = NominationRulesTests.Pdf() });
        await page.GetByRole(AriaRole.Button, new() { Name = "Unggah", Exact = true }).ClickAsync();
        await Expect(page.Locator("#notice")).ToContainTextAsync("Surat tugas sudah diunggah");

        foreach (var i in new[] { 1, 2, 3 })
        {
            var fields = NominationFlowTests.Nominee(i, "");
            foreach (var name in new[] { "fullName", "nip", "birthDate", "email", "phone", "position", "rank" })
            {
                await page.Locator("#" + name).FillAsync(fields[name]);
            }

            await page.Locator("#gender").SelectOptionAsync(fields["gender"]);
            await page.GetByRole(AriaRole.Button, new() { Name = "Usulkan", Exact = true }).ClickAsync();
            await Expect(page.Locator("#notice")).ToContainTextAsync("Pegawai sudah diusulkan");
        }

        await Expect(page.Locator("#nominees tbody tr")).ToHaveCountAsync(3);
        await Expect(page.Locator("#nominee-form")).ToHaveCountAsync(0); // the quota is full

        var nominees = await world.Host.Services.GetRequiredService<NominationStore>().NomineesAsync(cycleId);
        Assert.Equal(3, nominees.Count);
        foreach (var n in nominees.Take(2))
        {
            Assert.Equal(HttpStatusCode.OK, (await world.Organizer.PostAsJsonAsync($"api/cycles/{cycleId}/nominees/{n.RowKey}/decision", new { decision = "approve" })).StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await world.Organizer.PostAsJsonAsync($"api/cycles/{cycleId}/nominees/{nominees[2].RowKey}/decision", new { decision = "reject", reason = "Bukan pekerja sosial" })).StatusCode);

        await page.ReloadAsync();
        await Expect(page.Locator("tr[data-status=Approved]")).ToHaveCountAsync(2);
        await Expect(page.Locator("tr[data-status=Rejected]")).ToContainTextAsync("Bukan pekerja sosial");
        await Expect(page.Locator("#nominee-form")).ToHaveCountAsync(1); // the rejected one's seat is back
    }
}
