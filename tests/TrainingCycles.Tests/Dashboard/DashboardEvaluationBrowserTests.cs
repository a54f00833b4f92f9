using TrainingCycles.Cycles;
using TrainingCycles.DevHost;
using TrainingCycles.Evaluation;
using TrainingCycles.Identity;
using TrainingCycles.Tests.Certificates;
using TrainingCycles.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace TrainingCycles.Tests.Dashboard;

/// <summary>The evaluation report tab (#21): learning gain per person and cohort, rating averages with 1–5 bars per session and instructor, the CSV; a viewer sees no scores.</summary>
public sealed class DashboardEvaluationBrowserTests(Browser browser) : IClassFixture<Browser>
{
    [Fact]
    public async Task OrganizerSeesLearningGainAndRatingBarsAndAViewerOnlyTheRatings()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var definition = CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 3600);
        definition["sessions"]![0]!["instructor"] = "Drs. Yusuf Hadi, M.Si.";
        definition["sessions"]![1]!["instructor"] = "Rina Marlina, S.Psi.";
        var cycleId = (await CycleApi.CreateAsync(world.Organizer, definition)).GetProperty("cycleId").GetString()!;
        var people = await CertificateSetup.AddEligibleAsync(world, cycleId, ["Ahmad Fauzi, S.Sos.", "Dewi Lestari, S.ST.", "Yohanes Dambung, S.Sos."]);
        var store = world.Host.Services.GetRequiredService<EvaluationStore>();
        async Task ScoreAsync(string kind, ParticipantEntity p, double percent)
        {
            var attempt = await store.StartAsync(cycleId, kind, p.RowKey, DateTimeOffset.UtcNow);
            attempt.SubmittedAt = DateTimeOffset.UtcNow;
            attempt.Percent = percent;
            Assert.True(await store.ReplaceAsync(attempt));
        }

        await ScoreAsync(TestKinds.Pre, people[0], 50);
        await ScoreAsync(TestKinds.Pre, people[1], 40);
        await ScoreAsync(TestKinds.Post, people[0], 80);
        await ScoreAsync(TestKinds.Post, people[1], 70);
        await ScoreAsync(TestKinds.Post, people[2], 90);
        var items = Ratings.SessionItems.Count;
        foreach (var (p, score) in new[] { (people[0], 5), (people[1], 4), (people[2], 5) })
        {
            Assert.True(await store.AddRatingAsync(new RatingEntity
            {
                PartitionKey = cycleId, RowKey = EvaluationStore.RatingKey("s1", p.RowKey), Target = "s1", ParticipantId = p.RowKey,
                Scores = string.Join(',', Enumerable.Repeat(score, items)), SubmittedAt = DateTimeOffset.UtcNow,
            }));
        }

        var d = await DashboardPage.OpenAsync(browser, world, DashboardPage.Laptop);
        var page = d.Page;
        await d.GoAsync($"#/cycles/{cycleId}");
        await page.GetByRole(AriaRole.Link, new() { Name = "Evaluasi" }).ClickAsync();
        await Expect(page.Locator("#ev-cohort dd")).ToHaveTextAsync(["2", "45", "75", "+30"]);
        var gain = page.GetByRole(AriaRole.Region, new() { Name = "Peningkatan pengetahuan" }).Locator("tbody tr");
        await Expect(gain).ToHaveCountAsync(3);
        await Expect(gain.Filter(new() { HasText = "Ahmad Fauzi" }).Locator("td")).ToHaveTextAsync(["50", "80", "+30"]);
        await Expect(gain.Filter(new() { HasText = "Yohanes Dambung" }).Locator("td")).ToHaveTextAsync(["—", "90", "—"]);

        var session = page.Locator("tr[data-target=s1]");
        await Expect(session.Locator("td.num")).ToHaveTextAsync(["3", "4,67"]);
        var bars = session.Locator("svg[role=img]");
        await Expect(bars).ToHaveAttributeAsync("aria-label", $"Sebaran nilai Hari 1: nilai 1: 0, nilai 2: 0, nilai 3: 0, nilai 4: {items}, nilai 5: {2 * items}");
        var five = double.Parse((await bars.Locator("rect[data-score='5']").GetAttributeAsync("height"))!, System.Globalization.CultureInfo.InvariantCulture);
        var four = double.Parse((await bars.Locator("rect[data-score='4']").GetAttributeAsync("height"))!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(2 * four, five, 3);
        await Expect(page.Locator("tr[data-target=s2]")).ToContainTextAsync("—"); // not rated: no bars
        var instructors = page.GetByRole(AriaRole.Region, new() { Name = "Penilaian per narasumber" }).Locator("tbody tr");
        await Expect(instructors).ToHaveCountAsync(2);
        await Expect(page.Locator("tr[data-instructor='Drs. Yusuf Hadi, M.Si.'] svg[role=img]")).ToHaveCountAsync(1);
        Assert.Equal(0, await page.Locator("main script, main [onclick]").CountAsync());
        await d.AssertAccessibleAsync("evaluation report");

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Unduh CSV nilai" }).ClickAsync());
        var csv = await File.ReadAllTextAsync((await download.PathAsync())!);
        Assert.Contains("Dewi Lestari, S.ST.", csv, StringComparison.Ordinal);

        await page.GetByRole(AriaRole.Button, new() { Name = "English" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Learning gain" })).ToBeVisibleAsync();
        await Expect(session.Locator("td.num")).ToHaveTextAsync(["3", "4.67"]);
        await Expect(bars).ToHaveAttributeAsync("aria-label", new System.Text.RegularExpressions.Regex("^Distribution of scores for Hari 1: score 1: 0"));
        await d.AssertAccessibleAsync("evaluation report in English");
        d.AssertNoConsoleErrors();

        // A viewer of the cycle (reports, no personal data): the ratings, not the scores.
        await People.GrantAsync(world, "pemantau@bpsdm.kalteng.example", Roles.Viewer, cycleId);
        var v = await DashboardPage.OpenAsync(browser, world, DashboardPage.Laptop, signIn: false);
        await v.SignInAsync("pemantau@bpsdm.kalteng.example");
        await v.WaitForHeadingAsync("Daftar pelatihan");
        await v.GoAsync($"#/cycles/{cycleId}/evaluation");
        await Expect(v.Page.Locator("tr[data-target=s1] td.num")).ToHaveTextAsync(["3", "4,67"]);
        await Expect(v.Page.Locator("#ev-cohort")).ToHaveCountAsync(0);
        await Expect(v.Page.GetByRole(AriaRole.Link, new() { Name = "Unduh CSV nilai" })).ToHaveCountAsync(0);
        v.AssertNoConsoleErrors();
    }
}
