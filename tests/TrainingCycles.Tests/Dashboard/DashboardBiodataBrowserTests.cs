using System.Text.Json.Nodes;
using Microsoft.Playwright;
using TrainingCycles.Cycles;
using TrainingCycles.DevHost;
using TrainingCycles.Infrastructure;
using TrainingCycles.Records;
using TrainingCycles.Tests.Certificates;
using TrainingCycles.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TrainingCycles.Tests.Dashboard;

/// <summary>#22 biodata confirmation in the dashboard: the counts and the correction requests, accepted and rejected from the cycle's records tab.</summary>
public sealed class DashboardBiodataBrowserTests(Browser browser) : IClassFixture<Browser>
{
    [Fact]
    public async Task OrganizerAcceptsOneCorrectionAndRejectsAnotherWithAReason()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var definition = CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 3600);
        definition["records"] = new JsonObject { ["biodataDeadline"] = CycleApi.Iso(DateTimeOffset.UtcNow.AddDays(10)) };
        var cycleId = (await CycleApi.CreateAsync(world.Organizer, definition)).GetProperty("cycleId").GetString()!;
        var people = await CertificateSetup.AddEligibleAsync(world, cycleId, ["Siti Aminah", "Budi Santoso", "Yohanes Ngadiman"]);
        var tokens = world.Host.Services.GetRequiredService<Tokens>();
        foreach (var (p, name) in new[] { (people[0], "Dr. Siti Aminah, S.Sos., M.Si."), (people[1], "Budi Santoso, S.Kom.") })
        {
            var url = $"api/cycles/{cycleId}/biodata?manage=" + Uri.EscapeDataString(tokens.Create(TokenPurpose.Manage, cycleId, p.RowKey, DateTimeOffset.UtcNow.AddDays(1), p.TokenVersion));
            var (response, _) = await Forms.PostAsync(world.Http, url, new Dictionary<string, string>
            {
                ["action"] = "correct", ["fullName"] = name, ["nip"] = p.Nip!, ["position"] = "Pekerja Sosial Ahli Pertama", ["agency"] = p.Agency!,
            });
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        }

        var requests = (await world.Host.Services.GetRequiredService<BiodataStore>().ListAsync(cycleId, CancellationToken.None)).ToDictionary(r => r.ParticipantId);
        var d = await DashboardPage.OpenAsync(browser, world, DashboardPage.Laptop);
        var page = d.Page;
        await d.GoAsync($"#/cycles/{cycleId}/records");
        await Expect(page.Locator("#bio-counts li[data-count=pending]")).ToHaveTextAsync("Koreksi menunggu keputusan: 2");
        await Expect(page.Locator("#bio-counts li[data-count=noAnswer]")).ToHaveTextAsync("Belum menjawab: 1");
        await d.AssertAccessibleAsync("biodata requests");

        var first = page.Locator($"tr[data-request='{requests[people[0].RowKey].RowKey}']");
        await Expect(first).ToContainTextAsync("Siti Aminah → Dr. Siti Aminah, S.Sos., M.Si.");
        await first.GetByRole(AriaRole.Button, new() { Name = "Terima" }).ClickAsync();
        await Expect(page.Locator($"tr[data-request='{requests[people[0].RowKey].RowKey}'] .badge")).ToHaveTextAsync("Diterima");

        var second = $"tr[data-request='{requests[people[1].RowKey].RowKey}']";
        await page.Locator(second).GetByRole(AriaRole.Button, new() { Name = "Tolak" }).ClickAsync();
        await d.ExpectStatusAsync("Alasan wajib diisi");
        await page.Locator(second).GetByLabel("Alasan (wajib jika ditolak)").FillAsync("Gelar belum tercantum di SK");
        await page.Locator(second).GetByRole(AriaRole.Button, new() { Name = "Tolak" }).ClickAsync();
        await Expect(page.Locator($"{second} .badge")).ToHaveTextAsync("Ditolak");
        await Expect(page.Locator(second)).ToContainTextAsync("Gelar belum tercantum di SK");
        await Expect(page.Locator("#bio-counts li[data-count=pending]")).ToHaveTextAsync("Koreksi menunggu keputusan: 0");
        await d.AssertAccessibleAsync("biodata decided");
        d.AssertNoConsoleErrors();

        var participants = world.Host.Services.GetRequiredService<ParticipantStore>();
        for (var i = 0; i < 150 && (await participants.GetAsync(cycleId, people[0].RowKey))!.FullName != "Dr. Siti Aminah, S.Sos., M.Si."; i++)
        {
            await Task.Delay(200);
        }

        Assert.Equal("Dr. Siti Aminah, S.Sos., M.Si.", (await participants.GetAsync(cycleId, people[0].RowKey))!.FullName);
        Assert.Equal("Budi Santoso", (await participants.GetAsync(cycleId, people[1].RowKey))!.FullName);
    }
}
