using System.Text.RegularExpressions;
using Microsoft.Playwright;
using TrainingCycles.DevHost;
using TrainingCycles.Tests.Certificates;
using TrainingCycles.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TrainingCycles.Tests.Dashboard;

/// <summary>The certificate list of a large cycle (search, pages, NIP) and dialogs that must not outlive their view.</summary>
public sealed partial class DashboardCertificateListBrowserTests(Browser browser) : IClassFixture<Browser>
{
    [Fact]
    public async Task StaffMemberFindsACertificateByNameNipOrNumberAndPagesThroughTheList()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var cycleId = await CertificateSetup.NewCycleAsync(world);
        var names = Enumerable.Range(1, 53).Select(i => i == 8 ? "Yohanes Dambung, S.Sos." : $"Peserta Nomor {i:00}").ToList();
        var people = await CertificateSetup.AddEligibleAsync(world, cycleId, names);
        var issued = await CertificateSetup.IssueAsync(world, cycleId);
        Assert.Equal(53, issued.Count);
        var d = await DashboardPage.OpenAsync(browser, world, DashboardPage.Laptop);
        var page = d.Page;

        await d.GoAsync($"#/cycles/{cycleId}/certificates");
        var rows = page.GetByRole(AriaRole.Region, new() { Name = "Sertifikat" }).Locator("tbody tr");
        await Expect(rows).ToHaveCountAsync(50);
        await Expect(page.Locator("#c-total")).ToHaveTextAsync("53 sertifikat");
        await Expect(page.Locator("#c-page")).ToHaveTextAsync("Halaman 1 dari 2");
        var first = issued.OrderBy(c => c.Number, StringComparer.Ordinal).First();
        var firstNip = people.Single(p => p.RowKey == first.ParticipantId).Nip!;
        await Expect(rows.First).ToContainTextAsync(first.HolderName);
        await Expect(rows.First).ToContainTextAsync("NIP " + firstNip); // beside the name
        await d.AssertAccessibleAsync("certificate list, page 1");

        await page.GetByRole(AriaRole.Button, new() { Name = "Berikutnya" }).ClickAsync();
        await Expect(page.Locator("#c-page")).ToHaveTextAsync("Halaman 2 dari 2");
        await Expect(rows).ToHaveCountAsync(3);
        Assert.EndsWith("/certificates?page=2", page.Url, StringComparison.Ordinal);

        var search = page.GetByLabel("Cari", new() { Exact = true });
        var yohanes = people.Single(p => p.FullName == "Yohanes Dambung, S.Sos.");
        async Task SearchAsync(string text)
        {
            await search.FillAsync(text);
            await page.GetByRole(AriaRole.Button, new() { Name = "Terapkan" }).ClickAsync();
        }

        await SearchAsync("dambung"); // part of the name, any case
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows).ToContainTextAsync("Yohanes Dambung, S.Sos.");
        await Expect(page.Locator("#c-total")).ToHaveTextAsync("1 sertifikat cocok");
        await Expect(page.Locator("#c-page")).ToHaveCountAsync(0);

        await SearchAsync(yohanes.Nip!); // the whole NIP
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows).ToContainTextAsync("Yohanes Dambung, S.Sos.");

        var numbered = issued.Single(c => c.HolderName == "Peserta Nomor 42");
        await SearchAsync(numbered.Number); // the certificate number
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows).ToContainTextAsync("Peserta Nomor 42");

        await SearchAsync("tidak ada orang ini");
        await Expect(page.GetByText("Tidak ada sertifikat yang cocok.")).ToBeVisibleAsync();
        await SearchAsync("");
        await Expect(rows).ToHaveCountAsync(50);
        d.AssertNoConsoleErrors();
    }

    [Fact]
    public async Task ARevokeDialogClosesWhenTheStaffMemberNavigatesAway()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var cycleId = await CertificateSetup.NewCycleAsync(world);
        await CertificateSetup.AddEligibleAsync(world, cycleId, ["Ahmad Fauzi, S.Sos.", "Dewi Lestari, S.ST."]);
        var issued = await CertificateSetup.IssueAsync(world, cycleId);
        var number = issued.Single(c => c.HolderName == "Ahmad Fauzi, S.Sos.").Number;
        var d = await DashboardPage.OpenAsync(browser, world, DashboardPage.Laptop);
        var page = d.Page;
        var dialog = page.GetByRole(AriaRole.Dialog);
        var certificatesTab = page.GetByRole(AriaRole.Link, new() { Name = "Sertifikat", Exact = true });
        var revoke = page.GetByRole(AriaRole.Button, new() { Name = $"Cabut sertifikat {number}" });

        await d.GoAsync($"#/cycles/{cycleId}");
        await Expect(page.Locator("#next-step")).ToBeVisibleAsync();
        // Dates in Indonesian style: "2 Desember 2026", never "02 Desember".
        Assert.DoesNotMatch(LeadingZeroDate(), await page.Locator("main").InnerTextAsync());
        await certificatesTab.ClickAsync();

        // Back: the dialog goes with the view it belonged to, and the overview takes clicks again.
        await revoke.ClickAsync();
        await Expect(dialog).ToBeVisibleAsync();
        await page.GoBackAsync();
        await Expect(page.Locator("#next-step")).ToBeVisibleAsync();
        await Expect(dialog).ToHaveCountAsync(0);
        await Expect(page.Locator("dialog")).ToHaveCountAsync(0);
        await page.GetByRole(AriaRole.Button, new() { Name = "Perbarui data" }).ClickAsync(new() { Timeout = 5_000 });
        await d.ExpectStatusAsync("Data diperbarui");

        // Forward, then a change of view by address: closed as well.
        await page.GoForwardAsync();
        await revoke.ClickAsync();
        await Expect(dialog).ToBeVisibleAsync();
        await d.GoAsync($"#/cycles/{cycleId}/participants");
        await Expect(page.Locator("#p-total")).ToBeVisibleAsync();
        await Expect(page.Locator("dialog")).ToHaveCountAsync(0);
        await page.GetByRole(AriaRole.Link, new() { Name = "Ringkasan" }).ClickAsync(new() { Timeout = 5_000 });
        await Expect(page.Locator("#next-step")).ToBeVisibleAsync();

        // Nothing was revoked on the way.
        await certificatesTab.ClickAsync();
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Sertifikat" }).Locator("tbody tr").Filter(new() { HasText = "Dicabut" })).ToHaveCountAsync(0);
        d.AssertNoConsoleErrors();
    }

    [Fact]
    public async Task StaffMemberUploadsTheCertificateLogoAfterARenamedTextFileIsRefused()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var cycleId = await CertificateSetup.NewCycleAsync(world);
        var issuer = world.Host.Services.GetRequiredService<TrainingCycles.Certificates.CertificateIssuer>();
        var blob = issuer.Container.GetBlobClient(TrainingCycles.Certificates.CertificateIssuer.LogoBlobName(cycleId));
        var d = await DashboardPage.OpenAsync(browser, world, DashboardPage.Laptop);
        var page = d.Page;

        await d.GoAsync($"#/cycles/{cycleId}/certificates"); // before any certificate exists
        await Expect(page.Locator("#logo-status")).ToHaveTextAsync("Belum ada logo.");
        var file = page.GetByLabel("Berkas logo (PNG atau JPEG)");
        var upload = page.GetByRole(AriaRole.Button, new() { Name = "Unggah logo" });

        await file.SetInputFilesAsync(new FilePayload { Name = "logo.png", MimeType = "image/png", Buffer = System.Text.Encoding.UTF8.GetBytes("bukan gambar") });
        await upload.ClickAsync();
        await Expect(page.Locator("#logo-file-error")).ToContainTextAsync("PNG atau JPEG");
        await Expect(file).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.Locator("#logo-status")).ToHaveTextAsync("Belum ada logo.");
        Assert.False(await blob.ExistsAsync());
        await d.AssertAccessibleAsync("logo upload refused");

        var png = CertificatePdfTests.SolidPng(120, 80, 0x1F, 0x4E, 0x79);
        await file.SetInputFilesAsync(new FilePayload { Name = "logo-bpsdm.png", MimeType = "image/png", Buffer = png });
        await upload.ClickAsync();
        await d.ExpectStatusAsync("Logo disimpan");
        await Expect(page.Locator("#logo-status")).ToHaveTextAsync("Logo tersimpan: PNG, 1 KB.");
        await Expect(page.Locator("#logo-file-error")).ToBeEmptyAsync();
        Assert.Equal(png, (await blob.DownloadContentAsync()).Value.Content.ToArray());

        await page.GetByRole(AriaRole.Button, new() { Name = "Hapus logo" }).ClickAsync();
        await d.ExpectStatusAsync("Logo dihapus");
        await Expect(page.Locator("#logo-status")).ToHaveTextAsync("Belum ada logo.");
        Assert.False(await blob.ExistsAsync());
        d.AssertNoConsoleErrors();
    }

    [GeneratedRegex(@"\b0\d (Januari|Februari|Maret|April|Mei|Juni|Juli|Agustus|September|Oktober|November|Desember) \d{4}")]
    private static partial Regex LeadingZeroDate();
}
