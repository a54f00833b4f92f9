using System.IO.Compression;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using TrainingCycles.DevHost;
using TrainingCycles.Identity;
using TrainingCycles.Tests.Certificates;
using TrainingCycles.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TrainingCycles.Tests.Dashboard;

/// <summary>Records (#22): an administrator looks a person up by NIP (JP per year against 20); per cycle the SIASN CSV and the certificate ZIP.</summary>
public sealed class DashboardRecordsBrowserTests(Browser browser) : IClassFixture<Browser>
{
    [Fact]
    public async Task AdministratorFindsJpPerYearByNipAndDownloadsTheCyclesSiasnCsvAndZip()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var definition = CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 3600);
        definition["certificate"]!["trainingHours"] = 12;
        definition["records"] = new JsonObject { ["siasnTrainingTypeId"] = "A1", ["siasnTrainingTypeName"] = "Pelatihan Teknis" };
        var cycleId = (await CycleApi.CreateAsync(world.Organizer, definition)).GetProperty("cycleId").GetString()!;
        var unset = (await CycleApi.CreateAsync(world.Organizer, CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 3600))).GetProperty("cycleId").GetString()!;
        var people = await CertificateSetup.AddEligibleAsync(world, cycleId, ["Dr. Siti Aminah, S.Sos., M.Si.", "Budi Santoso, S.Kom."]);
        Assert.Equal(2, (await CertificateSetup.IssueAsync(world, cycleId)).Count);
        var nip = people[0].Nip!;
        var d = await DashboardPage.OpenAsync(browser, world, DashboardPage.Laptop);
        var page = d.Page;

        await page.GetByRole(AriaRole.Link, new() { Name = "Catatan JP", Exact = true }).ClickAsync();
        await d.WaitForHeadingAsync("Catatan JP pegawai");
        var box = page.GetByLabel("NIP", new() { Exact = true });
        var find = page.GetByRole(AriaRole.Button, new() { Name = "Cari", Exact = true });
        await box.FillAsync("12345");
        await find.ClickAsync();
        await Expect(page.Locator("#rec-error")).ToHaveTextAsync("NIP tidak valid: tulis 18 angka NIP.");

        await box.FillAsync($"{nip[..8]} {nip[8..14]} {nip[14]} {nip[15..]}"); // written as on the ID card
        await find.ClickAsync();
        await Expect(page.Locator("h2#rec-person")).ToHaveTextAsync($"Dr. Siti Aminah, S.Sos., M.Si. (NIP {nip})");
        var year = page.GetByRole(AriaRole.Region, new() { Name = "JP per tahun" }).Locator("tbody tr");
        await Expect(year).ToHaveCountAsync(1);
        await Expect(year.Locator("td")).ToHaveTextAsync(["12", "20", "Kurang 8 JP"]);
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Pelatihan", Exact = true }).Locator("tbody tr")).ToContainTextAsync("Pelatihan Dasar Pekerjaan Sosial");
        await d.AssertAccessibleAsync("records person lookup");
        await box.FillAsync(CertificateSetup.Nip(500));
        await find.ClickAsync();
        await Expect(page.Locator("#rec-none")).ToContainTextAsync("Tidak ada catatan pelatihan");

        // Per cycle: the SIASN CSV and the ZIP of valid certificates; a cycle without SIASN settings says what is missing.
        await d.GoAsync($"#/cycles/{cycleId}/records");
        var csv = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Unduh CSV SIASN" }).ClickAsync());
        Assert.Contains(nip, await File.ReadAllTextAsync((await csv.PathAsync())!), StringComparison.Ordinal);
        var zipLink = page.GetByRole(AriaRole.Link, new() { Name = "Unduh ZIP sertifikat" });
        Assert.EndsWith($"/api/cycles/{cycleId}/certificates.zip", await zipLink.GetAttributeAsync("href"), StringComparison.Ordinal);
        var zip = await page.RunAndWaitForDownloadAsync(() => zipLink.ClickAsync());
        using (var archive = ZipFile.OpenRead((await zip.PathAsync())!))
        {
            Assert.Equal(2, archive.Entries.Count(e => e.Name.EndsWith(".pdf", StringComparison.Ordinal)));
        }

        await d.AssertAccessibleAsync("cycle records tab");
        await d.GoAsync($"#/cycles/{unset}/records");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Unduh CSV SIASN" })).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex(unset));
        await page.GetByRole(AriaRole.Link, new() { Name = "Unduh CSV SIASN" }).ClickAsync();
        await d.ExpectStatusAsync("Ekspor SIASN memerlukan pengaturan pelatihan ini");

        await page.GetByRole(AriaRole.Button, new() { Name = "English" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Download the SIASN CSV" })).ToBeVisibleAsync();
        await d.GoAsync($"#/records?nip={nip}");
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "JP per year" }).Locator("tbody tr td")).ToHaveTextAsync(["12", "20", "8 JP short"]);
        await d.AssertAccessibleAsync("records in English");
        d.AssertNoConsoleErrors();

        // An organizer of one cycle: the cycle's files, no person lookup across cycles.
        await People.GrantAsync(world, "panitia.satu@bpsdm.kalteng.example", Roles.Organizer, cycleId);
        var o = await DashboardPage.OpenAsync(browser, world, DashboardPage.Laptop, signIn: false);
        await o.SignInAsync("panitia.satu@bpsdm.kalteng.example");
        await o.WaitForHeadingAsync("Daftar pelatihan");
        await Expect(o.Page.GetByRole(AriaRole.Link, new() { Name = "Catatan JP", Exact = true })).ToHaveCountAsync(0);
        await o.GoAsync($"#/cycles/{cycleId}/records");
        await Expect(o.Page.GetByRole(AriaRole.Link, new() { Name = "Unduh ZIP sertifikat" })).ToBeVisibleAsync();
        o.AssertNoConsoleErrors();
    }
}
