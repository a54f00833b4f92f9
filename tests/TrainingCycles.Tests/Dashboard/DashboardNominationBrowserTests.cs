using System.Net;
using System.Text;
using Microsoft.Playwright;
using TrainingCycles.DevHost;
using TrainingCycles.Nomination;
using TrainingCycles.Tests.Nomination;
using TrainingCycles.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TrainingCycles.Tests.Dashboard;

/// <summary>The nomination tab (#19): quotas per agency, decisions with a required reason, letters, export, quota import,
/// replacing a coordinator; a coordinator sees no controls.</summary>
public sealed class DashboardNominationBrowserTests(Browser browser) : IClassFixture<Browser>
{
    private const string AgencyA = "Dinas Sosial Kabupaten Kapuas";
    private const string AgencyB = "Dinas Sosial Kota Palangka Raya";

    [Fact]
    public async Task OrganizerReviewsQuotasDecidesNomineesDownloadsAndReimportsQuotas()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var cycleId = await NominationFlowTests.CreateCycleAsync(world, capacity: 6);
        Assert.Equal(HttpStatusCode.OK, (await NominationFlowTests.PutQuotasAsync(world, cycleId, NominationFlowTests.QuotaCsv(2, 1))).StatusCode);
        var quotaA = QuotaIds.For(AgencyA);
        var coordinator = await People.SignInAsync(world, "koord.kapuas@kalteng.example");
        await NominationFlowTests.UploadAsync(coordinator, cycleId, quotaA, NominationRulesTests.Pdf());
        var store = world.Host.Services.GetRequiredService<NominationStore>();
        var letterId = Assert.Single(await store.LettersAsync(cycleId, quotaA)).RowKey;
        foreach (var i in new[] { 1, 2 })
        {
            Assert.Equal(HttpStatusCode.SeeOther, (await coordinator.PostAsync($"api/cycles/{cycleId}/nomination/nominees?quota={quotaA}", new FormUrlEncodedContent(NominationFlowTests.Nominee(i, letterId)))).StatusCode);
        }

        var d = await DashboardPage.OpenAsync(browser, world, DashboardPage.Laptop);
        var page = d.Page;
        await d.GoAsync($"#/cycles/{cycleId}");
        await page.GetByRole(AriaRole.Link, new() { Name = "Usulan instansi" }).ClickAsync();
        var quotas = page.GetByRole(AriaRole.Region, new() { Name = "Kuota per instansi" }).Locator("tbody tr");
        await Expect(quotas).ToHaveCountAsync(2);
        var rowA = quotas.Filter(new() { HasText = AgencyA });
        await Expect(rowA.Locator("td.num")).ToHaveTextAsync(["2", "2", "0", "0", "1"]); // quota, nominated, approved, rejected, letters
        await Expect(rowA).ToContainTextAsync("Siti Aminah, S.Sos.");
        await Expect(rowA).ToContainTextAsync("Terpenuhi");
        await Expect(quotas.Filter(new() { HasText = AgencyB })).ToContainTextAsync("Belum terpenuhi");
        await Expect(page.Locator("#nom-summary")).ToContainTextAsync("Kuota instansi 3 dari 6 kursi; 3 kursi untuk pendaftaran terbuka.");
        await d.AssertAccessibleAsync("nomination tab");

        // Approve one; rejecting the other needs a reason, first on the page, and the API keeps it.
        await page.GetByRole(AriaRole.Button, new() { Name = "Setujui Pegawai Nomor 1, S.Sos." }).ClickAsync();
        await d.ExpectStatusAsync("Pegawai Nomor 1, S.Sos. disetujui");
        await page.GetByRole(AriaRole.Button, new() { Name = "Tolak Pegawai Nomor 2, S.Sos." }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Tolak", Exact = true }).ClickAsync();
        await Expect(dialog.Locator(".summary")).ToContainTextAsync("Tuliskan alasan penolakan.");
        await d.AssertAccessibleAsync("reject dialog with its error");
        await dialog.GetByLabel("Alasan penolakan").FillAsync("Surat tugas tidak ditandatangani");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Tolak", Exact = true }).ClickAsync();
        await d.ExpectStatusAsync("Usulan Pegawai Nomor 2, S.Sos. ditolak");
        var nominees = page.GetByRole(AriaRole.Region, new() { Name = "Pegawai yang diusulkan" }).Locator("tbody tr");
        await Expect(nominees.Filter(new() { HasText = "Pegawai Nomor 1" })).ToContainTextAsync("Disetujui");
        await Expect(nominees.Filter(new() { HasText = "Pegawai Nomor 2" })).ToContainTextAsync("Surat tugas tidak ditandatangani");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Setujui", Exact = false })).ToHaveCountAsync(0);
        await Expect(rowA.Locator("td.num")).ToHaveTextAsync(["2", "0", "1", "1", "1"]);
        var stored = await store.NomineesAsync(cycleId, quotaA);
        Assert.Equal(["Approved", "Rejected"], stored.OrderBy(n => n.FullName, StringComparer.Ordinal).Select(n => n.Status.ToString()));

        // The letter and the agency's export come through the API, as files.
        var letterLink = page.GetByRole(AriaRole.Link, new() { Name = "Unduh surat tugas Pegawai Nomor 1, S.Sos." });
        Assert.EndsWith($"/api/cycles/{cycleId}/letters/{letterId}", await letterLink.GetAttributeAsync("href"), StringComparison.Ordinal);
        var letter = await page.RunAndWaitForDownloadAsync(() => letterLink.ClickAsync());
        Assert.StartsWith("%PDF-", Encoding.ASCII.GetString(await File.ReadAllBytesAsync((await letter.PathAsync())!), 0, 5), StringComparison.Ordinal);
        var export = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = $"Unduh CSV usulan {AgencyA}" }).ClickAsync());
        var csv = await File.ReadAllTextAsync((await export.PathAsync())!);
        Assert.Contains("Surat tugas tidak ditandatangani", csv, StringComparison.Ordinal);
        Assert.DoesNotContain(AgencyB, csv, StringComparison.Ordinal);

        // #23: the rejected one asks for their data to be erased; the organizer does it from the row (after a confirmation).
        await Expect(nominees.Filter(new() { HasText = "Pegawai Nomor 1" }).GetByRole(AriaRole.Button)).ToHaveCountAsync(0); // a participant: their participation's erasure
        await page.GetByRole(AriaRole.Button, new() { Name = "Hapus data Pegawai Nomor 2, S.Sos." }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Ya, lanjutkan" }).ClickAsync();
        await d.ExpectStatusAsync("Data usulan Pegawai Nomor 2, S.Sos. dihapus.");
        await Expect(nominees.Filter(new() { HasText = "(data dihapus)" })).ToHaveCountAsync(1);
        var erasedRow = (await store.NomineesAsync(cycleId, quotaA)).Single(n => n.Status == "Rejected");
        Assert.Equal(("", ""), (erasedRow.FullName, erasedRow.Nip));
        Assert.Equal(letterId, erasedRow.LetterId); // the letter also names the approved one: it stays

        // Quota import: a bad row is named and nothing changes; a good file raises A's quota.
        var file = page.GetByLabel("Berkas CSV kuota");
        var bad = NominationFlowTests.QuotaCsv(3, 1).Replace(";3;", ";tiga;", StringComparison.Ordinal);
        await file.SetInputFilesAsync(new FilePayload { Name = "kuota.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(bad) });
        await page.GetByRole(AriaRole.Button, new() { Name = "Impor kuota" }).ClickAsync();
        await Expect(page.Locator("#quota-result [role=alert]")).ToBeVisibleAsync();
        await Expect(page.Locator("#quota-result tbody tr")).ToHaveCountAsync(1);
        Assert.Equal(2, (await store.QuotaAsync(cycleId, quotaA))!.Seats);
        await file.SetInputFilesAsync(new FilePayload { Name = "kuota.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(NominationFlowTests.QuotaCsv(3, 1)) });
        await page.GetByRole(AriaRole.Button, new() { Name = "Impor kuota" }).ClickAsync();
        await d.ExpectStatusAsync("2 instansi diimpor; kuota 4 kursi, 2 kursi terbuka.");
        await Expect(rowA.Locator("td.num").First).ToHaveTextAsync("3");
        Assert.Equal(3, (await store.QuotaAsync(cycleId, quotaA))!.Seats);

        // #19b: replace A's coordinator from the tab: a bad address is named in the dialog; then the grant moves and the new one is mailed once.
        await rowA.GetByRole(AriaRole.Button, new() { Name = $"Ganti koordinator {AgencyA}" }).ClickAsync();
        var replace = page.GetByRole(AriaRole.Dialog);
        await replace.GetByLabel("Nama koordinator baru").FillAsync("Rina Marlina, S.H.");
        await replace.GetByLabel("Email koordinator baru").FillAsync("bukan-alamat");
        await replace.GetByRole(AriaRole.Button, new() { Name = "Ganti koordinator", Exact = true }).ClickAsync();
        await Expect(replace.Locator(".summary")).ToBeVisibleAsync();
        await d.AssertAccessibleAsync("replace coordinator dialog with its error");
        await replace.GetByLabel("Email koordinator baru").FillAsync("rina.kapuas@kalteng.example");
        await replace.GetByRole(AriaRole.Button, new() { Name = "Ganti koordinator", Exact = true }).ClickAsync();
        await d.ExpectStatusAsync($"Koordinator {AgencyA} sekarang Rina Marlina, S.H.");
        await Expect(rowA).ToContainTextAsync("rina.kapuas@kalteng.example");
        Assert.Equal("rina.kapuas@kalteng.example", (await store.QuotaAsync(cycleId, quotaA))!.CoordinatorEmail);
        Assert.Single(await NominationFlowTests.WaitForMailsAsync(world, NominationMailKinds.Coordinator, 3), m => m.To == "rina.kapuas@kalteng.example");

        await page.GetByRole(AriaRole.Button, new() { Name = "English" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Quotas per agency" })).ToBeVisibleAsync();
        await Expect(page.Locator("tr[data-nominee]").Filter(new() { HasText = "Pegawai Nomor 1" })).ToContainTextAsync("Approved");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Import agency quotas" })).ToBeVisibleAsync();
        await d.AssertAccessibleAsync("nomination tab in English");
        d.AssertNoConsoleErrors();
    }

    [Fact]
    public async Task ACoordinatorSeesTheirAgencyWithoutDecisionOrImportControls()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var cycleId = await NominationFlowTests.CreateCycleAsync(world, capacity: 6);
        Assert.Equal(HttpStatusCode.OK, (await NominationFlowTests.PutQuotasAsync(world, cycleId, NominationFlowTests.QuotaCsv(2, 1))).StatusCode);
        var d = await DashboardPage.OpenAsync(browser, world, DashboardPage.Laptop, signIn: false);
        var page = d.Page;
        await d.SignInAsync("koord.kapuas@kalteng.example");
        await d.WaitForHeadingAsync("Daftar pelatihan");

        await d.GoAsync($"#/cycles/{cycleId}/nomination");
        var quotas = page.GetByRole(AriaRole.Region, new() { Name = "Kuota per instansi" }).Locator("tbody tr");
        await Expect(quotas).ToHaveCountAsync(1);
        await Expect(quotas).ToContainTextAsync(AgencyA);
        await Expect(page.GetByText("Belum ada pegawai yang diusulkan.")).ToBeVisibleAsync();
        await Expect(page.Locator("#quota-import")).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Evaluasi" })).ToHaveCountAsync(0); // no reports for a coordinator
        await d.AssertAccessibleAsync("nomination tab, coordinator");
        d.AssertNoConsoleErrors();
    }
}
