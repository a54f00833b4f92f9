using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using TrainingCycles.DevHost;
using TrainingCycles.Tests.Certificates;
using TrainingCycles.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TrainingCycles.Tests.Dashboard;

/// <summary>A staff member runs a cycle from the dashboard in a real browser, on a laptop and on a tablet.</summary>
public sealed class DashboardBrowserTests(Browser browser) : IClassFixture<Browser>
{
    [Fact]
    public async Task StaffMemberSignsInAndSetsUpACycleFixingTheFieldTheApiNamed()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var d = await DashboardPage.OpenAsync(browser, world, DashboardPage.Laptop, signIn: false);
        var page = d.Page;

        await d.AssertAccessibleAsync("sign-in");
        // The dashboard never asks for a key (#18): it offers the sign-in methods.
        Assert.Equal(0, await page.Locator("input").CountAsync());
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Masuk dengan tautan email" })).ToHaveAttributeAsync("href", "/api/signin");

        await d.SignInAsync(People.FirstAdministrator);
        await d.WaitForHeadingAsync("Daftar pelatihan");
        await Expect(page.GetByText("Belum ada pelatihan")).ToBeVisibleAsync();
        await d.AssertAccessibleAsync("empty list");

        await page.GetByRole(AriaRole.Link, new() { Name = "Buat pelatihan baru" }).ClickAsync();
        await d.WaitForHeadingAsync("Buat pelatihan");
        var day = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(7)).Date.AddDays(3);
        DateTimeOffset At(int days, int hour) => new DateTimeOffset(day.AddDays(days).AddHours(hour), TimeSpan.FromHours(7));
        await page.GetByLabel("Judul pelatihan").FillAsync("Pelatihan Dasar Pekerjaan Sosial se-Kalimantan Tengah");
        await page.GetByLabel("Tempat", new() { Exact = true }).FillAsync("Aula BPSDM, Jl. Tjilik Riwut Km 5, Palangka Raya");
        await page.GetByLabel("Kapasitas (jumlah kursi)").FillAsync("60");
        await page.GetByLabel("Pendaftaran dibuka", new() { Exact = true }).FillAsync(DashboardPage.Wib(DateTimeOffset.UtcNow.AddHours(-1)));
        await page.GetByLabel("Pendaftaran ditutup", new() { Exact = true }).FillAsync(DashboardPage.Wib(At(-1, 17)));
        var first = page.GetByRole(AriaRole.Group, new() { Name = "Sesi 1" });
        await first.GetByLabel("Judul sesi").FillAsync("Hari 1: Kebijakan kesejahteraan sosial");
        await first.GetByLabel("Mulai").FillAsync(DashboardPage.Wib(At(0, 8)));
        await first.GetByLabel("Selesai").FillAsync(DashboardPage.Wib(At(0, 7))); // ends before it starts
        await page.GetByRole(AriaRole.Button, new() { Name = "Tambah sesi" }).ClickAsync();
        var second = page.GetByRole(AriaRole.Group, new() { Name = "Sesi 2" });
        await second.GetByLabel("Judul sesi").FillAsync("Hari 2: Praktik pekerjaan sosial");
        await second.GetByLabel("Mulai").FillAsync(DashboardPage.Wib(At(1, 8)));
        await second.GetByLabel("Selesai").FillAsync(DashboardPage.Wib(At(1, 12)));
        await page.GetByLabel("Nama penandatangan").FillAsync("Dr. H. Ahmad Syaifudin, M.Pd.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Simpan dan mulai pelatihan" }).ClickAsync();

        var endsAt = first.GetByLabel("Selesai");
        await Expect(endsAt).ToHaveAttributeAsync("aria-invalid", "true");
        var errorId = (await endsAt.GetAttributeAsync("aria-describedby"))!.Split(' ').Last();
        Assert.Contains("Sesi harus berakhir setelah dimulai", await page.Locator("#" + errorId).InnerTextAsync(), StringComparison.Ordinal);
        await Expect(page.Locator(".summary")).ToContainTextAsync("Sesi harus berakhir setelah dimulai");
        Assert.Equal("Hari 1: Kebijakan kesejahteraan sosial", await first.GetByLabel("Judul sesi").InputValueAsync());
        await d.AssertAccessibleAsync("create form with errors");
        await d.ScreenshotAsync("create-errors");

        await endsAt.FillAsync(DashboardPage.Wib(At(0, 12)));
        // #22: the identity rows the certificate prints, in print order; leave the position out.
        await page.GetByRole(AriaRole.Group, new() { Name = "Data identitas yang dicetak di sertifikat" }).GetByLabel("Jabatan").UncheckAsync();
        var create = await page.RunAndWaitForRequestAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "Simpan dan mulai pelatihan" }).ClickAsync(),
            r => r.Method == "POST" && r.Url.EndsWith("/api/cycles", StringComparison.Ordinal));

        await d.WaitForHeadingAsync("Pelatihan Dasar Pekerjaan Sosial se-Kalimantan Tengah");
        await d.ExpectStatusAsync("Pelatihan dibuat");
        var cycles = (await world.Organizer.GetFromJsonAsync<JsonElement>("api/cycles")).GetProperty("items");
        var cycleId = Assert.Single(cycles.EnumerateArray()).GetProperty("cycleId").GetString()!;
        // The create carries an Idempotency-Key: the same request again (an answer lost on a bad connection) is the same cycle.
        var idempotencyKey = create.Headers["idempotency-key"];
        Assert.Matches("^[0-9a-f]{32}$", idempotencyKey);
        using (var again = new HttpRequestMessage(HttpMethod.Post, "api/cycles") { Content = new StringContent(create.PostData!, Encoding.UTF8, "application/json") })
        {
            again.Headers.Add("Idempotency-Key", idempotencyKey);
            var repeated = await world.Organizer.SendAsync(again);
            Assert.Equal(System.Net.HttpStatusCode.OK, repeated.StatusCode);
            Assert.Equal(cycleId, (await repeated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("cycleId").GetString());
        }

        Assert.Single((await world.Organizer.GetFromJsonAsync<JsonElement>("api/cycles")).GetProperty("items").EnumerateArray());
        Assert.EndsWith("#/cycles/" + cycleId, page.Url, StringComparison.Ordinal);
        var cycle = await CycleApi.GetAsync(world.Organizer, cycleId);
        Assert.Equal(At(0, 8), cycle.GetProperty("schedule").GetProperty("sessions")[0].GetProperty("startsAt").GetDateTimeOffset());
        Assert.Equal(["P3D", "P1D"], cycle.GetProperty("definition").GetProperty("reminders").GetProperty("beforeDeadline").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["nip", "birth", "rank", "agency"], cycle.GetProperty("definition").GetProperty("certificate").GetProperty("printedFields").EnumerateArray().Select(e => e.GetString()));
        await CycleApi.WaitForPhaseAsync(world.Organizer, cycleId, "RegistrationOpen");
        await page.GetByRole(AriaRole.Button, new() { Name = "Perbarui data" }).ClickAsync();
        await Expect(page.Locator("#phases [aria-current=step]")).ToContainTextAsync("Pendaftaran dibuka");
        await d.AssertAccessibleAsync("cycle overview");
        await d.ScreenshotAsync("overview-laptop");

        await page.GetByRole(AriaRole.Link, new() { Name = "Daftar pelatihan" }).First.ClickAsync();
        await d.WaitForHeadingAsync("Daftar pelatihan");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Pelatihan Dasar Pekerjaan Sosial se-Kalimantan Tengah" })).ToBeVisibleAsync();
        await d.AssertAccessibleAsync("list");
        await d.ScreenshotAsync("list");

        await Expect(page.Locator("#who")).ToContainTextAsync("Administrator");
        await page.GetByRole(AriaRole.Link, new() { Name = "Keluar" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Masuk dengan akun instansi (Microsoft Entra ID)" })).ToBeVisibleAsync();
        Assert.Equal(401, await page.EvaluateAsync<int>("() => fetch('/api/me').then(r => r.status)"));
        d.AssertNoConsoleErrors();
    }

    [Fact]
    public async Task StaffMemberInvitesFromASpreadsheetFollowsRegistrationsAndClosesRegistration()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var cycleId = (await CycleApi.CreateAsync(world.Organizer, CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 3600))).GetProperty("cycleId").GetString()!;
        await CycleApi.WaitForPhaseAsync(world.Organizer, cycleId, "RegistrationOpen");
        var d = await DashboardPage.OpenAsync(browser, world, DashboardPage.Tablet);
        var page = d.Page;

        await page.GetByRole(AriaRole.Link, new() { Name = "Pelatihan Dasar Pekerjaan Sosial se-Kalimantan Tengah" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Undangan", Exact = true }).ClickAsync();
        var file = page.GetByLabel("Berkas CSV");
        await file.SetInputFilesAsync(Csv("nama;email;instansi\nSiti Aminah;siti.aminah@example.org;Dinas Sosial Kab. Kapuas\nBudi Santoso;budi.santoso(at)example.org;Dinas Sosial Kota Palangka Raya\n"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Unggah dan impor" }).ClickAsync();

        var result = page.Locator("#import-result");
        await Expect(result).ToContainTextAsync("1 baris bermasalah");
        var row = result.Locator("tbody tr");
        await Expect(row).ToHaveCountAsync(1);
        Assert.Equal("3", await row.Locator("td").Nth(0).InnerTextAsync());
        Assert.Equal("Budi Santoso", await row.Locator("td").Nth(1).InnerTextAsync());
        Assert.Equal("email", await row.Locator("td").Nth(2).InnerTextAsync());
        Assert.Equal("budi.santoso(at)example.org", await row.Locator("td").Nth(3).InnerTextAsync());
        await d.AssertAccessibleAsync("import errors");
        await d.ScreenshotAsync("import-errors");

        await file.SetInputFilesAsync(Csv("nama;email;instansi\nSiti Aminah;siti.aminah@example.org;Dinas Sosial Kab. Kapuas\nBudi Santoso;budi.santoso@example.org;Dinas Sosial Kota Palangka Raya\nRina Wati;rina.wati@example.org;Dinas Sosial Kab. Katingan\n"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Unggah dan impor" }).ClickAsync();
        await Expect(result).ToContainTextAsync("Impor berhasil: 3 undangan baru");

        // Two of them register through the links in their invitations.
        for (var i = 0; i < 2; i++)
        {
            var email = i == 0 ? "siti.aminah@example.org" : "budi.santoso@example.org";
            var (response, _) = await Forms.PostAsync(world.Http, await Forms.InviteUrlAsync(world, cycleId, email), Forms.ValidRegistration(nip: Forms.Nip(i), email: email, name: i == 0 ? "Siti Aminah, S.Sos." : "Budi Santoso, S.ST."));
            Assert.True(response.IsSuccessStatusCode);
        }

        await page.GetByRole(AriaRole.Link, new() { Name = "Peserta", Exact = true }).ClickAsync();
        var table = page.GetByRole(AriaRole.Region, new() { Name = "Peserta" }).Locator("tbody tr");
        await Expect(table).ToHaveCountAsync(3);
        await page.GetByLabel("Tampilkan").SelectOptionAsync("registered");
        await Expect(table).ToHaveCountAsync(2);
        await Expect(page.Locator("#p-total")).ToHaveTextAsync("2 peserta");
        await page.GetByLabel("Tampilkan").SelectOptionAsync("all");
        await Expect(table).ToHaveCountAsync(3);
        await page.GetByLabel("Cari", new() { Exact = true }).FillAsync("Katingan");
        await page.GetByRole(AriaRole.Button, new() { Name = "Terapkan" }).ClickAsync();
        await Expect(table).ToHaveCountAsync(1);
        await Expect(table).ToContainTextAsync("rina.wati@example.org");
        await d.AssertAccessibleAsync("participants on a tablet");
        await d.ScreenshotAsync("participants-tablet");

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Unduh CSV peserta" }).ClickAsync());
        var csv = await File.ReadAllTextAsync((await download.PathAsync())!);
        Assert.Contains("rina.wati@example.org", csv, StringComparison.Ordinal);
        Assert.DoesNotContain("siti.aminah@example.org", csv, StringComparison.Ordinal); // the export follows the search

        await page.GetByLabel("Cari", new() { Exact = true }).FillAsync("");
        await page.GetByRole(AriaRole.Button, new() { Name = "Terapkan" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Riwayat Siti Aminah, S.Sos." }).ClickAsync();
        var events = page.Locator("#timeline li");
        await Expect(events.First).ToContainTextAsync("Diundang");
        var kinds = await events.EvaluateAllAsync<string[]>("items => items.map(i => i.dataset.kind)");
        Assert.True(Array.IndexOf(kinds, "participant.invited") < Array.IndexOf(kinds, "registration.confirmed"), string.Join(", ", kinds));
        await d.AssertAccessibleAsync("participant timeline");
        await d.ScreenshotAsync("timeline");

        await page.GetByRole(AriaRole.Link, new() { Name = "Ringkasan" }).ClickAsync();
        await Expect(page.Locator("[data-count=confirmed] .n")).ToHaveTextAsync("2");
        await page.GetByRole(AriaRole.Button, new() { Name = "Tutup pendaftaran sekarang" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Dialog)).ToBeVisibleAsync();
        await d.AssertAccessibleAsync("confirmation dialog");
        await page.GetByRole(AriaRole.Button, new() { Name = "Ya, lanjutkan" }).ClickAsync();

        await d.ExpectStatusAsync("Fase sekarang: Menunggu pelatihan");
        await Expect(page.Locator("#phases [aria-current=step]")).ToContainTextAsync("Menunggu pelatihan");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Tutup pendaftaran sekarang" })).ToHaveCountAsync(0);
        Assert.Equal("AwaitingTraining", (await CycleApi.GetAsync(world.Organizer, cycleId)).GetProperty("phase").GetString());

        await page.GetByRole(AriaRole.Button, new() { Name = "English" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Overview" })).ToBeVisibleAsync();
        Assert.Equal("en", await page.Locator("html").GetAttributeAsync("lang"));
        await Expect(page.Locator("#phases [aria-current=step]")).ToContainTextAsync("Awaiting training");
        await d.AssertAccessibleAsync("overview in English on a tablet");
        await d.ScreenshotAsync("overview-tablet-en");
        d.AssertNoConsoleErrors();
    }

    [Fact]
    public async Task StaffMemberMarksTheRosterAndCorrectsCertificates()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var cycleId = await CertificateSetup.NewCycleAsync(world);
        var people = await CertificateSetup.AddEligibleAsync(world, cycleId, ["Ahmad Fauzi, S.Sos.", "Dewi Lestari, S.ST.", "Yohanes Dambung, S.Sos."]);
        var d = await DashboardPage.OpenAsync(browser, world, DashboardPage.Laptop);
        var page = d.Page;

        await d.GoAsync($"#/cycles/{cycleId}/attendance");
        await Expect(page.Locator("h2").First).ToHaveTextAsync("Hari 1");
        await Expect(page.Locator("#roster tbody tr")).ToHaveCountAsync(3);
        await page.GetByLabel("Tandai presensi Ahmad Fauzi, S.Sos.").SelectOptionAsync("Present");
        await page.GetByLabel("Tandai presensi Dewi Lestari, S.ST.").SelectOptionAsync("Late");
        await page.GetByLabel("Tandai presensi Yohanes Dambung, S.Sos.").SelectOptionAsync("Absent");
        await page.GetByLabel("Catatan untuk Yohanes Dambung, S.Sos.").FillAsync("Sakit, surat menyusul");
        await d.AssertAccessibleAsync("roster");
        await page.GetByRole(AriaRole.Button, new() { Name = "Simpan presensi" }).ClickAsync();

        await d.ExpectStatusAsync("Presensi disimpan: 3 perubahan");
        await Expect(page.Locator("#attendance-counts [data-count=present] .n")).ToHaveTextAsync("1");
        await Expect(page.Locator("#attendance-counts [data-count=late] .n")).ToHaveTextAsync("1");
        await Expect(page.Locator("#attendance-counts [data-count=absent] .n")).ToHaveTextAsync("1");
        var roster = await world.Organizer.GetFromJsonAsync<JsonElement>($"api/cycles/{cycleId}/sessions/s1/attendance");
        var marks = roster.GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("fullName").GetString()!, i => (i.GetProperty("status").GetString(), i.GetProperty("markedBy").GetString()));
        Assert.Equal(("Absent", "admin"), marks["Yohanes Dambung, S.Sos."]); // the signed-in person (the emulator's display name)
        Assert.Equal("Late", marks["Dewi Lestari, S.ST."].Item1);
        await page.GetByRole(AriaRole.Button, new() { Name = "Tampilkan kode presensi" }).ClickAsync();
        await Expect(page.Locator("#session-code")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[0-9]{6}$"));
        await d.ScreenshotAsync("attendance");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sembunyikan kode" }).ClickAsync();
        await Expect(page.Locator("#session-code")).ToHaveCountAsync(0);

        await page.GetByRole(AriaRole.Link, new() { Name = "Ringkasan" }).ClickAsync();
        await Expect(page.Locator("#chart-attendance svg rect")).ToHaveCountAsync(4); // s1: present, late, absent; s2: all unmarked
        await Expect(page.Locator("#chart-registrations svg circle")).Not.ToHaveCountAsync(0);
        await d.AssertAccessibleAsync("overview with charts");
        await d.ScreenshotAsync("charts");

        var issued = await CertificateSetup.IssueAsync(world, cycleId);
        Assert.Equal(3, issued.Count);
        await page.GetByRole(AriaRole.Link, new() { Name = "Sertifikat", Exact = true }).ClickAsync();
        var rows = page.GetByRole(AriaRole.Region, new() { Name = "Sertifikat" }).Locator("tbody tr");
        await Expect(rows).ToHaveCountAsync(3);
        var byHolder = issued.ToDictionary(c => c.HolderName);

        await page.GetByRole(AriaRole.Button, new() { Name = $"Cabut sertifikat {byHolder["Yohanes Dambung, S.Sos."].Number}" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Cabut" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Dialog).Locator(".error")).ToContainTextAsync("Tuliskan alasan pencabutan");
        await d.AssertAccessibleAsync("revoke dialog with error");
        await page.GetByRole(AriaRole.Dialog).GetByLabel("Alasan").FillAsync("Tidak memenuhi syarat kehadiran; diterbitkan karena kekeliruan data.");
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Cabut" }).ClickAsync();
        await d.ExpectStatusAsync("dicabut");
        await Expect(page.Locator($"tr[data-certificate={byHolder["Yohanes Dambung, S.Sos."].RowKey}]")).ToContainTextAsync("Dicabut");

        await page.GetByRole(AriaRole.Button, new() { Name = $"Terbitkan ulang sertifikat {byHolder["Dewi Lestari, S.ST."].Number}" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByLabel("Nama lengkap pada sertifikat").FillAsync("Dewi Lestari Ningsih, S.ST.");
        await page.GetByRole(AriaRole.Dialog).GetByLabel("Alasan (opsional)").FillAsync("Nama kurang lengkap");
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Terbitkan ulang" }).ClickAsync();
        await d.ExpectStatusAsync("diterbitkan ulang sebagai versi 2");
        await Expect(rows).ToHaveCountAsync(4);
        await Expect(page.Locator($"tr[data-certificate={byHolder["Dewi Lestari, S.ST."].RowKey}]")).ToContainTextAsync("Diganti versi baru");
        await Expect(rows.Filter(new() { HasText = "Dewi Lestari Ningsih, S.ST." })).ToContainTextAsync("Berlaku");
        await d.AssertAccessibleAsync("certificates on a laptop");
        await d.ScreenshotAsync("certificates-laptop");

        await page.SetViewportSizeAsync(DashboardPage.Tablet.Width, DashboardPage.Tablet.Height);
        await d.AssertAccessibleAsync("certificates on a tablet");
        await page.GetByRole(AriaRole.Link, new() { Name = "Presensi" }).ClickAsync();
        await Expect(page.Locator("#roster tbody tr")).ToHaveCountAsync(3);
        await d.AssertAccessibleAsync("roster on a tablet");
        await d.ScreenshotAsync("attendance-tablet");
        Assert.Equal(people.Count, marks.Count);
        d.AssertNoConsoleErrors();
    }

    private static FilePayload Csv(string text) => new() { Name = "undangan.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(text) };
}
