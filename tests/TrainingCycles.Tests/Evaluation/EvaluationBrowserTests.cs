using System.Text;
using System.Text.Json;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using TrainingCycles.Evaluation;
using TrainingCycles.Infrastructure;
using TrainingCycles.Tests.Attendance;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Evaluation;

/// <summary>A participant on a phone-sized screen takes the post-test and rates a session; axe finds nothing serious.</summary>
public sealed class EvaluationBrowserTests(Browser browser) : IClassFixture<Browser>
{
    [Fact]
    public async Task AParticipantTakesThePostTestAndRatesASessionOnAPhone()
    {
        await using var w = await AttendanceWorld.StartAsync();
        var id = (await w.AddParticipantsAsync(1))[0];
        var last = w.Session("s3");
        var test = new
        {
            opensAt = CycleApi.Iso(last.StartsAt),
            closesAt = CycleApi.Iso(last.StartsAt.AddDays(2)),
            timeLimitMinutes = 30,
            questions = new object[]
            {
                new { id = "q1", text = "Ibu kota Kalimantan Tengah?", options = new[] { "Sampit", "Palangka Raya", "Kuala Kapuas" }, answer = 1, points = 2 },
                new { id = "q2", type = "truefalse", text = "PKH adalah program perlindungan sosial.", correct = true },
            },
        };
        var put = await w.World.Organizer.PutAsync($"api/cycles/{w.CycleId}/tests/post", new StringContent(JsonSerializer.Serialize(test), Encoding.UTF8, "application/json"));
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        w.Clock.Now = last.StartsAt.AddHours(5);
        var token = Uri.EscapeDataString(w.Token(id, TokenPurpose.Manage, TimeSpan.FromDays(30)));
        var page = await browser.NewPageAsync();

        await page.GotoAsync($"{w.World.Host.BaseUrl}/api/cycles/{w.CycleId}/tests/post/take?t={token}");
        Assert.Equal("Post-test", await page.Locator("h1").InnerTextAsync());
        Assert.Contains("Batas waktu", await page.Locator("#test-deadline").InnerTextAsync(), StringComparison.Ordinal);
        await AssertFitsAndAccessibleAsync(page);

        await page.GetByLabel("Palangka Raya").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Simpan jawaban" }).ClickAsync();
        Assert.Contains("1 dari 2", await page.Locator("#test-notice").InnerTextAsync(), StringComparison.Ordinal);
        Assert.True(await page.GetByLabel("Palangka Raya").IsCheckedAsync());
        await page.GetByLabel("Benar").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Kirim tes" }).ClickAsync();
        Assert.Equal("Tes sudah dikirim", await page.Locator("[role=status] h2").InnerTextAsync());
        Assert.Contains("3 dari 3 poin", await page.Locator("#test-score").InnerTextAsync(), StringComparison.Ordinal);
        await AssertFitsAndAccessibleAsync(page);

        await page.GotoAsync($"{w.World.Host.BaseUrl}/api/cycles/{w.CycleId}/rate/s3?t={token}");
        Assert.Equal("Hari 3", await page.Locator("#rate-target").InnerTextAsync());
        await AssertFitsAndAccessibleAsync(page);
        for (var i = 0; i < Ratings.SessionItems.Count - 1; i++)
        {
            await page.Locator($"#item-{i}-4").CheckAsync();
        }

        await page.GetByRole(AriaRole.Button, new() { Name = "Kirim penilaian" }).ClickAsync();
        Assert.Contains("Beri nilai 1–5", await page.Locator("#rate-error").InnerTextAsync(), StringComparison.Ordinal);
        Assert.True(await page.Locator("#item-0-4").IsCheckedAsync());
        await AssertFitsAndAccessibleAsync(page);
        await page.Locator($"#item-{Ratings.SessionItems.Count - 1}-5").CheckAsync();
        await page.GetByLabel("Komentar (tidak wajib)").FillAsync("Contoh kasus dari Kapuas sangat membantu.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Kirim penilaian" }).ClickAsync();
        Assert.Equal("Terima kasih atas penilaian Anda", await page.Locator("[role=status] h2").InnerTextAsync());
        await AssertFitsAndAccessibleAsync(page);

        var stored = await w.World.Host.Services.GetRequiredService<EvaluationStore>().GetRatingAsync(w.CycleId, "s3", id);
        Assert.Equal("4,4,4,4,5", stored!.Scores);
    }

    private static async Task AssertFitsAndAccessibleAsync(IPage page)
    {
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways on a phone");
        AxeResult result = await page.RunAxe();
        var serious = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(serious.Count == 0, string.Join("\n", serious.Select(v => $"{v.Id} ({v.Impact}): {v.Help} — {string.Join(", ", v.Nodes.Select(n => n.Html))}")));
    }
}
