using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using TrainingCycles.Attendance;
using TrainingCycles.Infrastructure;
using TrainingCycles.Tests.Dashboard;
using TrainingCycles.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TrainingCycles.Tests.Attendance;

/// <summary>#20 in the browser: a participant asks for leave with a PDF, the organizer approves it in the dashboard.</summary>
public sealed class AbsenceBrowserTests(Browser browser) : IClassFixture<Browser>
{
    [Fact]
    public async Task AParticipantRequestsLeaveWithAPdfAndTheOrganizerApprovesItInTheDashboard()
    {
        await using var w = await AttendanceWorld.StartAsync();
        var ids = await w.AddParticipantsAsync(1);
        var name = $"Peserta 1 {ids[0][^4..]}";

        // The participant: from their manage page to the absence form, with a doctor's letter as a PDF.
        var participant = await browser.NewPageAsync();
        await participant.GotoAsync($"{w.World.Host.BaseUrl}/api/cycles/{w.CycleId}/register?manage={Uri.EscapeDataString(w.Token(ids[0], TokenPurpose.Manage))}");
        await participant.Locator("#absence-link").ClickAsync();
        await AssertAccessibleAsync(participant);
        await participant.Locator("#session").SelectOptionAsync("s1");
        await participant.Locator("#reason").SelectOptionAsync(AbsenceReason.Sick);
        await participant.Locator("#note").FillAsync("Demam, surat dokter terlampir");
        await participant.Locator("#evidence").SetInputFilesAsync(new FilePayload { Name = "surat-dokter.pdf", MimeType = "application/pdf", Buffer = AbsenceRequestTests.Pdf() });
        await participant.GetByRole(AriaRole.Button, new() { Name = "Kirim permohonan" }).ClickAsync();
        await Expect(participant.Locator("h1")).ToHaveTextAsync("Permohonan izin terkirim");
        await AssertAccessibleAsync(participant);

        // The organizer: the request with its evidence, approved from the attendance tab.
        var d = await DashboardPage.OpenAsync(browser, w.World, DashboardPage.Laptop);
        var page = d.Page;
        await d.GoAsync($"#/cycles/{w.CycleId}/attendance/s1");
        var row = page.Locator($"#completion-block tr[data-request='s1~{ids[0]}']");
        await Expect(row).ToContainTextAsync("Menunggu");
        await Expect(row.GetByRole(AriaRole.Link, new() { Name = $"Unduh bukti izin {name}" })).ToBeVisibleAsync();
        await Expect(page.Locator("#roster-lock-state")).ToContainTextAsync("belum dikunci");
        await d.AssertAccessibleAsync("attendance with an absence request");
        await row.GetByRole(AriaRole.Button, new() { Name = $"Setujui izin {name}" }).ClickAsync();
        await d.ExpectStatusAsync($"Izin {name} disetujui.");
        await Expect(row).ToContainTextAsync("Disetujui");
        Assert.Equal(AttendanceStatus.Excused, (await w.MarkAsync("s1", ids[0]))!.Status);

        // The roster shows the Excused mark, and the participant is told by mail.
        await d.GoAsync($"#/cycles/{w.CycleId}/attendance/s2");
        await d.GoAsync($"#/cycles/{w.CycleId}/attendance/s1");
        await Expect(page.Locator("#attendance-counts [data-count=excused] .n")).ToHaveTextAsync("1");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!w.World.Host.Outbox.Deliveries.Any(m => m.CustomArgs.TryGetValue("k", out var k) && k == AbsenceMail.Kind))
        {
            Assert.True(DateTime.UtcNow < deadline, "no decision mail");
            await Task.Delay(200);
        }

        var mail = Assert.Single(w.World.Host.Outbox.Deliveries, m => m.CustomArgs.TryGetValue("k", out var k) && k == AbsenceMail.Kind);
        Assert.Contains("Disetujui", mail.Subject, StringComparison.Ordinal);
        d.AssertNoConsoleErrors();
    }

    private static async Task AssertAccessibleAsync(IPage page)
    {
        AxeResult result = await page.RunAxe();
        var serious = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(serious.Count == 0, string.Join("\n", serious.Select(v => $"{v.Id} ({v.Impact}): {v.Help} — {string.Join(", ", v.Nodes.Select(n => n.Html))}")));
    }
}
