using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using TrainingCycles.DevHost;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Registration;

/// <summary>A participant on a phone, in a real browser: fill the form, fix mistakes, register, switch language.</summary>
public sealed class RegistrationBrowserTests(Browser browser) : IClassFixture<Browser>
{
    [Fact]
    public async Task ParticipantFixesTheirTyposFromTheMessagesAndRegisters()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var cycleId = (await CycleApi.CreateAsync(world.Organizer, CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 3600))).GetProperty("cycleId").GetString()!;
        var page = await browser.NewPageAsync();
        var errors = new List<string>();
        // The 422 answer to a form with mistakes is by design; anything else logged as an error is not.
        page.Console += (_, message) => { if (message.Type == "error" && !message.Text.Contains("status of 422", StringComparison.Ordinal)) { errors.Add(message.Text); } };

        await page.GotoAsync($"{world.Host.BaseUrl}/api/cycles/{cycleId}/register");
        await page.GetByLabel("Nama lengkap beserta gelar").FillAsync("Dr. Siti Aminah, S.Sos., M.Si.");
        await page.GetByLabel("NIP").FillAsync("19850312201001300");          // 17 digits
        await page.GetByLabel("Email", new() { Exact = true }).FillAsync("siti.aminah@example");      // no top-level domain
        await page.GetByLabel("Nomor HP").FillAsync("12345");
        await page.GetByLabel("Nama instansi").FillAsync("Dinas Sosial Kabupaten Kapuas");
        await page.GetByLabel("Pemerintah Kabupaten").CheckAsync();
        await page.GetByLabel("Kabupaten/kota").SelectOptionAsync("Kapuas");
        await page.GetByLabel("Jabatan").FillAsync("Pekerja Sosial Ahli Pertama");
        await page.GetByLabel("Saya menyetujui pemrosesan data pribadi saya untuk pelatihan ini.").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Daftar" }).ClickAsync();

        Assert.Contains("NIP harus", await page.Locator("#nip-error").InnerTextAsync(), StringComparison.Ordinal);
        Assert.True(await page.Locator("#email-error").IsVisibleAsync());
        Assert.True(await page.Locator("#phone-error").IsVisibleAsync());
        Assert.Equal("Dr. Siti Aminah, S.Sos., M.Si.", await page.GetByLabel("Nama lengkap beserta gelar").InputValueAsync());
        await AssertAccessibleAsync(page);

        await page.GetByLabel("NIP").FillAsync("19850312 201001 2 005");
        await page.GetByLabel("Email", new() { Exact = true }).FillAsync("siti.aminah@example.org");
        await page.GetByLabel("Nomor HP").FillAsync("0812 3456 7890");
        await page.GetByRole(AriaRole.Button, new() { Name = "Daftar" }).ClickAsync();

        Assert.Equal("Pendaftaran berhasil", await page.Locator("h1").InnerTextAsync());
        Assert.Matches("^[A-Z0-9]{4}-0001$", await page.Locator("#registration-number").InnerTextAsync());
        Assert.Empty(errors);
    }

    [Fact]
    public async Task FormSwitchesToEnglishAndHasNoSeriousAccessibilityViolations()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var cycleId = (await CycleApi.CreateAsync(world.Organizer, CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 3600))).GetProperty("cycleId").GetString()!;
        var page = await browser.NewPageAsync();

        await page.GotoAsync($"{world.Host.BaseUrl}/api/cycles/{cycleId}/register");
        await AssertAccessibleAsync(page);
        await page.GetByRole(AriaRole.Link, new() { Name = "English" }).ClickAsync();

        Assert.Equal("en", await page.Locator("html").GetAttributeAsync("lang"));
        Assert.True(await page.GetByLabel("Full name with academic titles").IsVisibleAsync());
        await AssertAccessibleAsync(page);
    }

    private static async Task AssertAccessibleAsync(IPage page)
    {
        AxeResult result = await page.RunAxe();
        var serious = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(serious.Count == 0, string.Join("\n", serious.Select(v => $"{v.Id} ({v.Impact}): {v.Help} — {string.Join(", ", v.Nodes.Select(n => n.Html))}")));
    }
}
