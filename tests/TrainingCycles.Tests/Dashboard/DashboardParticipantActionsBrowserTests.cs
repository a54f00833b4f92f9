using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using TrainingCycles.Cycles;
using TrainingCycles.DevHost;
using TrainingCycles.Infrastructure;
using TrainingCycles.Registration;
using TrainingCycles.Tests.Certificates;
using TrainingCycles.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TrainingCycles.Tests.Dashboard;

/// <summary>
/// Organizer actions on one participant from the dashboard (security review #15, finding 4): withdraw, correct, remove,
/// each with the organizer's name in the audit trail; open-form registrations awaiting email confirmation; and the
/// open-registration settings of a new cycle.
/// </summary>
public sealed class DashboardParticipantActionsBrowserTests(Browser browser) : IClassFixture<Browser>
{
    private static ParticipantStore Store(TestWorld world) => world.Host.Services.GetRequiredService<ParticipantStore>();

    private static Task<IReadOnlyList<AuditEntry>> AuditAsync(TestWorld world, string cycleId) =>
        world.Host.Services.GetRequiredService<AuditLog>().ReadAsync(cycleId);

    [Fact]
    public async Task StaffMemberWithdrawsCorrectsAndRemovesParticipantsEachUnderTheirOwnName()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var definition = CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, capacity: 1, closeAfterSeconds: 3600);
        definition["openRegistration"] = new JsonObject { ["confirmEmail"] = true }; // the default: the open form waits for the mail
        var cycleId = (await CycleApi.CreateAsync(world.Organizer, definition)).GetProperty("cycleId").GetString()!;
        await CycleApi.WaitForPhaseAsync(world.Organizer, cycleId, "RegistrationOpen");
        await CycleApi.ImportCsvAsync(world.Organizer, cycleId, "email,nama\nsiti@kalteng.go.id,Siti Rahmawati\nbudi@kalteng.go.id,Budi Santoso\n");
        foreach (var (email, name, i) in new[] { ("siti@kalteng.go.id", "Siti Rahmawati", 1), ("budi@kalteng.go.id", "Budi Santoso", 2) })
        {
            var (response, _) = await Forms.PostAsync(world.Http, await Forms.InviteUrlAsync(world, cycleId, email), Forms.ValidRegistration(nip: Forms.Nip(i), email: email, name: name));
            Assert.True(response.IsSuccessStatusCode, $"{email}: {(int)response.StatusCode}");
        }

        var (bot, _) = await Forms.PostAsync(world.Http, $"api/cycles/{cycleId}/register", Forms.ValidRegistration(nip: Forms.Nip(3), email: "akun.palsu@example.org", name: "Akun Palsu"));
        Assert.Equal(HttpStatusCode.Accepted, bot.StatusCode);
        async Task<ParticipantEntity?> ByEmailAsync(string email) => (await Store(world).ListAsync(cycleId)).SingleOrDefault(p => p.Email == email);
        Assert.Equal(ParticipantStatus.Confirmed, (await ByEmailAsync("siti@kalteng.go.id"))!.Status);
        Assert.Equal(ParticipantStatus.Waitlisted, (await ByEmailAsync("budi@kalteng.go.id"))!.Status);
        Assert.Equal(ParticipantStatus.Unconfirmed, (await ByEmailAsync("akun.palsu@example.org"))!.Status);

        // The staff member signs in as a person: that is who the audit trail names, not a name typed in a dialog.
        var d = await DashboardPage.OpenAsync(browser, world, DashboardPage.Laptop, signIn: false);
        await d.SignInAsync(People.FirstAdministrator, "Rina (panitia)");
        await d.WaitForHeadingAsync("Daftar pelatihan");
        var page = d.Page;
        var dialog = page.GetByRole(AriaRole.Dialog);
        await d.GoAsync($"#/cycles/{cycleId}/participants");
        var rows = page.GetByRole(AriaRole.Region, new() { Name = "Peserta" }).Locator("tbody tr");
        await Expect(rows).ToHaveCountAsync(3);
        await Expect(rows.Filter(new() { HasText = "Akun Palsu" })).ToContainTextAsync("Belum konfirmasi email");
        await page.GetByLabel("Tampilkan").SelectOptionAsync("unconfirmed");
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows).ToContainTextAsync("akun.palsu@example.org");
        await page.GetByLabel("Tampilkan").SelectOptionAsync("all");
        await Expect(rows).ToHaveCountAsync(3);
        // Only someone holding or awaiting a seat can be withdrawn; an unconfirmed registration has nothing to correct.
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Batalkan pendaftaran Akun Palsu" })).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Koreksi data Akun Palsu" })).ToHaveCountAsync(0);
        await d.AssertAccessibleAsync("participants with actions");
        await page.SetViewportSizeAsync(DashboardPage.Tablet.Width, DashboardPage.Tablet.Height);
        await d.AssertAccessibleAsync("participants with actions on a tablet");
        await d.ScreenshotAsync("participant-actions-tablet");
        await page.SetViewportSizeAsync(DashboardPage.Laptop.Width, DashboardPage.Laptop.Height);

        // Without a reason nothing happens; the dialog asks for no name (the sign-in says who acts).
        await page.GetByRole(AriaRole.Button, new() { Name = "Batalkan pendaftaran Siti Rahmawati" }).ClickAsync();
        await Expect(dialog).ToBeVisibleAsync();
        await Expect(dialog.GetByLabel("Nama petugas")).ToHaveCountAsync(0);
        var reason = dialog.GetByLabel("Alasan");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Batalkan", Exact = true }).ClickAsync();
        await Expect(reason).ToHaveAttributeAsync("aria-invalid", "true");
        var reasonError = (await reason.GetAttributeAsync("aria-describedby"))!.Split(' ').Last();
        await Expect(page.Locator("#" + reasonError)).ToHaveTextAsync("Tuliskan alasannya.");
        await d.AssertAccessibleAsync("withdraw dialog without a reason");
        Assert.Equal(ParticipantStatus.Confirmed, (await ByEmailAsync("siti@kalteng.go.id"))!.Status);
        Assert.DoesNotContain(await AuditAsync(world, cycleId), e => e.Action == "registration.withdrawn");

        // With it: Siti is withdrawn and Budi, first on the waiting list, gets the seat.
        await reason.FillAsync("Mengundurkan diri lewat telepon");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Batalkan", Exact = true }).ClickAsync();
        await d.ExpectStatusAsync("Pendaftaran Siti Rahmawati dibatalkan. Kursi diberikan kepada Budi Santoso.");
        await Expect(page.Locator("dialog")).ToHaveCountAsync(0);
        await Expect(rows.Filter(new() { HasText = "Siti Rahmawati" })).ToContainTextAsync("Mengundurkan diri");
        await Expect(rows.Filter(new() { HasText = "Budi Santoso" })).ToContainTextAsync("Terkonfirmasi");
        Assert.Equal(ParticipantStatus.Withdrawn, (await ByEmailAsync("siti@kalteng.go.id"))!.Status);
        var budi = (await ByEmailAsync("budi@kalteng.go.id"))!;
        Assert.Equal(ParticipantStatus.Confirmed, budi.Status);
        Assert.Contains(await AuditAsync(world, cycleId), e => e.Action == "registration.withdrawn" && e.Actor == "Rina (panitia)" && e.ActorMethod == "easyauth" && e.Details == "Mengundurkan diri lewat telepon");

        // A correction with a bad NIP: the API's message beside the NIP, nothing stored; then the name alone.
        await page.GetByRole(AriaRole.Button, new() { Name = "Koreksi data Budi Santoso" }).ClickAsync();
        await Expect(dialog.GetByLabel("NIP")).ToHaveValueAsync(Forms.Nip(2));
        await Expect(dialog.GetByLabel("Email", new() { Exact = true })).ToHaveValueAsync("budi@kalteng.go.id");
        await dialog.GetByLabel("Nama lengkap (dengan gelar)").FillAsync("Budi Santoso, S.Sos.");
        await dialog.GetByLabel("NIP").FillAsync("123");
        await dialog.GetByLabel("Alasan").FillAsync("Gelar belum ditulis");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Koreksi data", Exact = true }).ClickAsync();
        var nip = dialog.GetByLabel("NIP");
        await Expect(nip).ToHaveAttributeAsync("aria-invalid", "true");
        var nipError = (await nip.GetAttributeAsync("aria-describedby"))!.Split(' ').Last();
        await Expect(page.Locator("#" + nipError)).ToContainTextAsync("NIP harus 18 digit");
        await Expect(dialog.GetByLabel("Nama lengkap (dengan gelar)")).ToHaveValueAsync("Budi Santoso, S.Sos."); // kept as typed
        await d.AssertAccessibleAsync("correction dialog with a field error");
        await d.ScreenshotAsync("participant-correction");
        Assert.Equal("Budi Santoso", (await ByEmailAsync("budi@kalteng.go.id"))!.FullName);

        await nip.FillAsync(Forms.Nip(2));
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Koreksi data", Exact = true }).ClickAsync();
        await d.ExpectStatusAsync("Data Budi Santoso, S.Sos. dikoreksi.");
        budi = (await ByEmailAsync("budi@kalteng.go.id"))!;
        Assert.Equal(("Budi Santoso, S.Sos.", Forms.Nip(2), ParticipantStatus.Confirmed), (budi.FullName, budi.Nip, budi.Status));
        Assert.Contains(await AuditAsync(world, cycleId), e => e.Action == "participant.corrected" && e.ParticipantId == budi.RowKey && e.Actor == "Rina (panitia)" && e.ActorMethod == "easyauth");

        // A dialog belongs to its view: leaving the view closes it and nothing is removed.
        await page.GetByRole(AriaRole.Button, new() { Name = "Hapus Budi Santoso, S.Sos." }).ClickAsync();
        await Expect(dialog).ToBeVisibleAsync();
        await d.GoAsync($"#/cycles/{cycleId}");
        await Expect(page.Locator("#next-step")).ToBeVisibleAsync();
        await Expect(page.Locator("dialog")).ToHaveCountAsync(0);
        Assert.NotNull(await ByEmailAsync("budi@kalteng.go.id"));
        await page.GoBackAsync();

        // The fake registration is removed.
        await page.GetByRole(AriaRole.Button, new() { Name = "Hapus Akun Palsu" }).ClickAsync();
        await dialog.GetByLabel("Alasan").FillAsync("Pendaftaran palsu");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Hapus", Exact = true }).ClickAsync();
        await d.ExpectStatusAsync("Akun Palsu dihapus.");
        await Expect(rows).ToHaveCountAsync(2);
        Assert.Null(await ByEmailAsync("akun.palsu@example.org"));
        Assert.Contains(await AuditAsync(world, cycleId), e => e.Action == "participant.removed" && e.Actor == "Rina (panitia)" && e.ActorMethod == "easyauth" && e.Details!.EndsWith("Pendaftaran palsu", StringComparison.Ordinal));

        // Budi's history names who corrected what.
        await page.GetByRole(AriaRole.Link, new() { Name = "Riwayat Budi Santoso, S.Sos." }).ClickAsync();
        await Expect(page.Locator("#timeline li[data-kind='participant.corrected']")).ToContainTextAsync("— Gelar belum ditulis · oleh Rina (panitia)");
        await Expect(page.Locator("#timeline li[data-kind='registration.promoted']")).ToHaveCountAsync(1);

        // The same actions from the history; once removed, back to the list (the history is gone with the row).
        await page.GetByRole(AriaRole.Button, new() { Name = "Hapus Budi Santoso, S.Sos." }).ClickAsync();
        await dialog.GetByLabel("Alasan").FillAsync("Didaftarkan ke angkatan berikutnya");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Hapus", Exact = true }).ClickAsync();
        await d.ExpectStatusAsync("Budi Santoso, S.Sos. dihapus.");
        Assert.EndsWith($"#/cycles/{cycleId}/participants", page.Url, StringComparison.Ordinal);
        await Expect(rows).ToHaveCountAsync(1);
        Assert.Null(await ByEmailAsync("budi@kalteng.go.id"));
        d.AssertNoConsoleErrors();
    }

    [Fact]
    public async Task StaffMemberIsToldWhyACertificateHolderCannotBeRemoved()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var cycleId = await CertificateSetup.NewCycleAsync(world);
        await CertificateSetup.AddEligibleAsync(world, cycleId, ["Ahmad Fauzi, S.Sos."]);
        var certificate = Assert.Single(await CertificateSetup.IssueAsync(world, cycleId));
        var d = await DashboardPage.OpenAsync(browser, world, DashboardPage.Tablet);
        var page = d.Page;
        var dialog = page.GetByRole(AriaRole.Dialog);

        await d.GoAsync($"#/cycles/{cycleId}/participants");
        await page.GetByRole(AriaRole.Button, new() { Name = "Hapus Ahmad Fauzi, S.Sos." }).ClickAsync();
        await dialog.GetByLabel("Alasan").FillAsync("Salah orang");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Hapus", Exact = true }).ClickAsync();

        await Expect(dialog.Locator(".summary")).ToContainTextAsync("memiliki sertifikat");
        await Expect(dialog).ToBeVisibleAsync();
        await d.AssertAccessibleAsync("remove refused on a tablet");
        var ahmad = Assert.Single(await Store(world).ListAsync(cycleId));
        Assert.Equal(certificate.ParticipantId, ahmad.RowKey);
        Assert.DoesNotContain(await AuditAsync(world, cycleId), e => e.Action == "participant.removed");

        await dialog.GetByRole(AriaRole.Button, new() { Name = "Kembali" }).ClickAsync();
        await Expect(page.Locator("dialog")).ToHaveCountAsync(0);
        await page.GetByRole(AriaRole.Button, new() { Name = "English" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Remove Ahmad Fauzi, S.Sos." }).ClickAsync();
        await dialog.GetByLabel("Reason").FillAsync("Wrong person");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Remove", Exact = true }).ClickAsync();
        await Expect(dialog.Locator(".summary")).ToContainTextAsync("holds a certificate");
        d.AssertNoConsoleErrors();
    }

    [Fact]
    public async Task StaffMemberCreatesACycleOpenOnlyToGoIdAddressesWithEmailConfirmation()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var d = await DashboardPage.OpenAsync(browser, world, DashboardPage.Laptop);
        var page = d.Page;

        await page.GetByRole(AriaRole.Link, new() { Name = "Buat pelatihan baru" }).ClickAsync();
        await d.WaitForHeadingAsync("Buat pelatihan");
        var confirm = page.GetByLabel("Wajib konfirmasi email");
        await Expect(confirm).ToBeCheckedAsync(); // on by default
        var minutes = page.GetByLabel("Batas waktu konfirmasi (menit)");
        await Expect(minutes).ToHaveValueAsync("60");
        var domains = page.GetByLabel("Domain email yang diizinkan");

        var day = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(7)).Date.AddDays(3);
        DateTimeOffset At(int days, int hour) => new(day.AddDays(days).AddHours(hour), TimeSpan.FromHours(7));
        await page.GetByLabel("Judul pelatihan").FillAsync("Pelatihan Dasar Pekerjaan Sosial se-Kalimantan Tengah");
        await page.GetByLabel("Tempat", new() { Exact = true }).FillAsync("Aula BPSDM, Palangka Raya");
        await page.GetByLabel("Pendaftaran dibuka", new() { Exact = true }).FillAsync(DashboardPage.Wib(DateTimeOffset.UtcNow.AddHours(-1)));
        await page.GetByLabel("Pendaftaran ditutup", new() { Exact = true }).FillAsync(DashboardPage.Wib(At(-1, 17)));
        var first = page.GetByRole(AriaRole.Group, new() { Name = "Sesi 1" });
        await first.GetByLabel("Judul sesi").FillAsync("Hari 1");
        await first.GetByLabel("Mulai").FillAsync(DashboardPage.Wib(At(0, 8)));
        await first.GetByLabel("Selesai").FillAsync(DashboardPage.Wib(At(0, 12)));
        await page.GetByLabel("Nama penandatangan").FillAsync("Dr. H. Ahmad Syaifudin, M.Pd.");
        await minutes.FillAsync("0");
        await domains.FillAsync("@go.id");
        await page.GetByRole(AriaRole.Button, new() { Name = "Simpan dan mulai pelatihan" }).ClickAsync();

        foreach (var (field, text) in new[] { (domains, "Domain email tidak valid"), (minutes, "1–10.080 menit") })
        {
            await Expect(field).ToHaveAttributeAsync("aria-invalid", "true");
            var errorId = (await field.GetAttributeAsync("aria-describedby"))!.Split(' ').Last();
            await Expect(page.Locator("#" + errorId)).ToContainTextAsync(text);
        }

        await d.AssertAccessibleAsync("create form with open-registration errors");
        await page.Locator("fieldset").Filter(new() { HasText = "Pendaftaran terbuka" }).ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), "dashboard-open-registration-errors.png") });
        Assert.Equal(0, (await world.Organizer.GetFromJsonAsync<JsonElement>("api/cycles")).GetProperty("items").GetArrayLength());

        await minutes.FillAsync("30");
        await domains.FillAsync("go.id");
        await page.GetByRole(AriaRole.Button, new() { Name = "Simpan dan mulai pelatihan" }).ClickAsync();
        await d.ExpectStatusAsync("Pelatihan dibuat");
        var cycleId = Assert.Single((await world.Organizer.GetFromJsonAsync<JsonElement>("api/cycles")).GetProperty("items").EnumerateArray()).GetProperty("cycleId").GetString()!;
        var open = (await CycleApi.GetAsync(world.Organizer, cycleId)).GetProperty("definition").GetProperty("openRegistration");
        Assert.True(open.GetProperty("confirmEmail").GetBoolean());
        Assert.Equal(30, open.GetProperty("confirmWithinMinutes").GetInt32());
        Assert.Equal(["go.id"], open.GetProperty("allowedEmailDomains").EnumerateArray().Select(e => e.GetString()));
        await Expect(page.Locator("dl.facts")).ToContainTextAsync("wajib konfirmasi email dalam 30 menit; hanya email di go.id");

        // The settings hold on the open form: a gmail address is refused, an official one waits for its confirmation.
        await CycleApi.WaitForPhaseAsync(world.Organizer, cycleId, "RegistrationOpen");
        var (gmail, _) = await Forms.PostAsync(world.Http, $"api/cycles/{cycleId}/register", Forms.ValidRegistration(nip: Forms.Nip(1), email: "budi@gmail.com"));
        var (official, _) = await Forms.PostAsync(world.Http, $"api/cycles/{cycleId}/register", Forms.ValidRegistration(nip: Forms.Nip(2), email: "budi@kalteng.go.id"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, gmail.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, official.StatusCode);
        var row = Assert.Single(await Store(world).ListAsync(cycleId));
        Assert.Equal((ParticipantStatus.Unconfirmed, "budi@kalteng.go.id"), (row.Status, row.Email));
        d.AssertNoConsoleErrors();
    }
}
