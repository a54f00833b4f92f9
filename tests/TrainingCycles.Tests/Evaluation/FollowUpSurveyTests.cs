using System.Net;
using System.Text.Json.Nodes;
using Microsoft.DurableTask.Client;
using TrainingCycles.Cycles;
using TrainingCycles.DevHost;
using TrainingCycles.Evaluation;
using TrainingCycles.Infrastructure;
using TrainingCycles.Reminders;
using TrainingCycles.Tests.Attendance;
using TrainingCycles.Tests.Certificates;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Evaluation;

/// <summary>The follow-up survey on a compressed timeline: the timer set before a restart fires once after it, one reminder to who has not answered.</summary>
public sealed partial class FollowUpSurveyTests
{
    private static async Task<TrainingCycles.DevHost.MailSink.Delivery> WaitForMailAsync(TestWorld world, string to)
    {
        for (var i = 0; i < 200; i++)
        {
            if (world.Host.Outbox.Deliveries.FirstOrDefault(d => d.To == to && d.CustomArgs.GetValueOrDefault("k") == MailKinds.FollowUpSuperior) is { } delivery)
            {
                return delivery;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("no follow-up mail to " + to);
    }

    private static string LinkIn(string text) => new Uri(Link().Match(text).Value).PathAndQuery.TrimStart('/');

    [System.Text.RegularExpressions.GeneratedRegex(@"https?://\S+")]
    private static partial System.Text.RegularExpressions.Regex Link();

    [Fact]
    public void ThePlanAddsCalendarMonthsInTheCyclesZone()
    {
        var schedule = new CycleSchedule("Asia/Jakarta", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, [new ScheduledSession("s1", "Hari 1", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch)], [], []);
        var cycle = new CycleRecord("c1", new CycleDefinition { Evaluation = new EvaluationSettings { FollowUpAfter = "P3M" } }, schedule, new CycleEntity());
        var completed = new DateTimeOffset(2026, 11, 30, 20, 0, 0, TimeSpan.Zero); // 1 December 03:00 WIB
        var plan = FollowUpOrchestration.Plan(cycle, completed);
        Assert.True(plan.Enabled);
        Assert.Equal(new DateTimeOffset(2027, 2, 28, 20, 0, 0, TimeSpan.Zero), plan.SendAt); // 1 March 03:00 WIB
        Assert.Equal(plan.SendAt.AddDays(14), plan.RemindAt);
        Assert.False(FollowUpOrchestration.Plan(cycle with { Definition = new CycleDefinition() }, completed).Enabled);
        Assert.Null(FollowUpOrchestration.ParsePeriod("tiga bulan"));
    }

    [Fact]
    public async Task TheSurveyTimerFiresOnceAcrossARestartAndTheReminderSkipsWhoAnswered()
    {
        var first = await TestWorld.StartAsync(DurableBackend.AzureStorage, workItemTimeout: TimeSpan.FromSeconds(15));
        var definition = AttendanceWorld.Definition(DateTimeOffset.UtcNow);
        definition["evaluation"] = new JsonObject { ["followUpAfter"] = "PT10S", ["followUpReminderAfter"] = "PT4S" };
        var cycleId = (await CycleApi.CreateAsync(first.Organizer, definition)).GetProperty("cycleId").GetString()!;
        var people = await CertificateSetup.AddEligibleAsync(first, cycleId, ["Dr. Siti Aminah, M.Si.", "Bambang Sutrisno, S.Sos."]);

        // Both name their direct superior; Siti's will answer, Bambang's will not (so only Bambang's gets the reminder).
        string[] superiors = ["kabid.siti@dinsos-kotim.example", "kabid.bambang@dinsos-kotim.example"];
        for (var i = 0; i < people.Count; i++)
        {
            people[i].SuperiorName = i == 0 ? "Drs. Yulianus Rante" : "Ir. Mardiana";
            people[i].SuperiorEmail = superiors[i];
            await ParticipantRows.ReplaceAsync(first.Host.Services, people[i]);
        }

        // A cycle with a follow-up period the workflow cannot use is refused by field and not stored.
        var before = (await first.Organizer.GetStringAsync("api/cycles")).Length;
        var bad = AttendanceWorld.Definition(DateTimeOffset.UtcNow);
        bad["evaluation"] = new JsonObject { ["followUpAfter"] = "tiga bulan" };
        var refused = await first.Organizer.PostAsync("api/cycles", new StringContent(bad.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("evaluation.followUpAfter", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, (await first.Organizer.GetStringAsync("api/cycles")).Length);
        await first.Host.Services.GetRequiredService<CycleStore>().UpdateAsync(cycleId, e =>
        {
            e.CompletedAt = DateTimeOffset.UtcNow;
            return true;
        });
        Assert.True(await FollowUpOrchestration.StartAsync(first.Host.DurableClient, cycleId));
        Assert.False(await FollowUpOrchestration.StartAsync(first.Host.DurableClient, cycleId));
        await Task.Delay(2000);
        Assert.Empty(await first.Host.Services.GetRequiredService<EmailLog>().HandledAsync(cycleId, MailKinds.FollowUpSurvey, FollowUpOrchestration.SurveyOccurrence));
        var id = first.Id;
        await first.DisposeAsync();

        await using var second = await TestWorld.StartAsync(DurableBackend.AzureStorage, reuseId: id, workItemTimeout: TimeSpan.FromSeconds(15));
        var emailLog = second.Host.Services.GetRequiredService<EmailLog>();
        var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        while ((await emailLog.HandledAsync(cycleId, MailKinds.FollowUpSurvey, FollowUpOrchestration.SurveyOccurrence)).Count < 2
            || (await emailLog.HandledAsync(cycleId, MailKinds.FollowUpSuperior, FollowUpOrchestration.SurveyOccurrence)).Count < 2)
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, "the survey was not mailed after the restart");
            await Task.Delay(250);
        }

        // The alumnus answers through the survey link; a manage link is not a survey link.
        var tokens = second.Host.Services.GetRequiredService<Tokens>();
        var url = $"api/cycles/{cycleId}/rate/{Ratings.FollowUp}?t=" + Uri.EscapeDataString(tokens.Create(FollowUpActivities.TokenPurpose, cycleId, people[0].RowKey, DateTimeOffset.UtcNow.AddDays(1)));
        var form = new Dictionary<string, string> { ["item-0"] = "5", ["item-1"] = "4", ["item-2"] = "5", ["comment"] = "Sudah diterapkan di dinas." };
        Assert.Equal(HttpStatusCode.OK, (await Forms.PostAsync(second.Http, url, form)).Response.StatusCode);
        var manage = $"api/cycles/{cycleId}/rate/{Ratings.FollowUp}?t=" + Uri.EscapeDataString(tokens.Create(TokenPurpose.Manage, cycleId, people[1].RowKey, DateTimeOffset.UtcNow.AddDays(1)));
        Assert.Equal(HttpStatusCode.Forbidden, (await Forms.PostAsync(second.Http, manage, form)).Response.StatusCode);

        // Siti's superior answers through the link in their own mail (a token naming Siti and the role); the alumnus's
        // link does not open the superior's survey, nor the superior's link the alumnus's.
        var superiorMail = await WaitForMailAsync(second, superiors[0]);
        Assert.Contains("Dr. Siti Aminah, M.Si.", superiorMail.Text, StringComparison.Ordinal);
        var superiorUrl = LinkIn(superiorMail.Text!);
        Assert.Contains($"/rate/{Ratings.FollowUpSuperior}?t=", superiorUrl, StringComparison.Ordinal);
        var superiorForm = new Dictionary<string, string> { ["item-0"] = "4", ["item-1"] = "4", ["item-2"] = "5", ["comment"] = "Laporan kasusnya lebih rapi." };
        var alumnusLinkOnSuperiorSurvey = $"api/cycles/{cycleId}/rate/{Ratings.FollowUpSuperior}?t=" + Uri.EscapeDataString(tokens.Create(FollowUpActivities.TokenPurpose, cycleId, people[1].RowKey, DateTimeOffset.UtcNow.AddDays(1)));
        Assert.Equal(HttpStatusCode.Forbidden, (await Forms.PostAsync(second.Http, alumnusLinkOnSuperiorSurvey, superiorForm)).Response.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Forms.PostAsync(second.Http, superiorUrl.Replace(Ratings.FollowUpSuperior, Ratings.FollowUp, StringComparison.Ordinal), form)).Response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Forms.PostAsync(second.Http, superiorUrl, superiorForm)).Response.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await Forms.PostAsync(second.Http, superiorUrl, superiorForm)).Response.StatusCode);

        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var done = await second.Host.DurableClient.WaitForInstanceCompletionAsync(FollowUpOrchestration.InstanceId(cycleId), getInputsAndOutputs: true, wait.Token);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal(new FollowUpResult(4, 2), done.ReadOutputAs<FollowUpResult>()); // alumni and superiors
        Assert.Equal([people[1].RowKey], await emailLog.HandledAsync(cycleId, MailKinds.FollowUpSurvey, FollowUpOrchestration.ReminderOccurrence));
        Assert.Equal([people[1].RowKey], await emailLog.HandledAsync(cycleId, MailKinds.FollowUpSuperior, FollowUpOrchestration.ReminderOccurrence));
        Assert.Equal(3, (await emailLog.ForCycleAsync(cycleId)).Count(e => e.Kind == MailKinds.FollowUpSurvey));
        Assert.Equal(3, (await emailLog.ForCycleAsync(cycleId)).Count(e => e.Kind == MailKinds.FollowUpSuperior));
        var mails = second.Host.Outbox.Deliveries.Where(d => d.CustomArgs.GetValueOrDefault("k") == MailKinds.FollowUpSuperior).ToList();
        Assert.Single(mails, m => m.To == superiors[0]); // the survey once, no reminder: they answered
        Assert.Equal(2, mails.Count(m => m.To == superiors[1])); // the survey and the one reminder
        Assert.DoesNotContain("Siti", done.SerializedInput + done.SerializedOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("kabid", done.SerializedInput + done.SerializedOutput, StringComparison.Ordinal);

        // Results per cycle: the alumni's and the superiors' answers apart.
        var ratings = System.Text.Json.JsonDocument.Parse(await second.Organizer.GetStringAsync($"api/cycles/{cycleId}/evaluation/ratings")).RootElement.GetProperty("sessions").EnumerateArray().ToList();
        Assert.Equal(1, ratings.Single(r => r.GetProperty("target").GetString() == Ratings.FollowUp).GetProperty("count").GetInt32());
        var bySuperiors = ratings.Single(r => r.GetProperty("target").GetString() == Ratings.FollowUpSuperior);
        Assert.Equal(1, bySuperiors.GetProperty("count").GetInt32());
        Assert.Equal(4.33m, bySuperiors.GetProperty("average").GetDecimal());

        // The one-page PDF summary prints the same figures as the JSON, alumni and superiors apart, fonts embedded.
        var pdfResponse = await second.Organizer.GetAsync($"api/cycles/{cycleId}/evaluation/summary.pdf");
        Assert.Equal(HttpStatusCode.OK, pdfResponse.StatusCode);
        Assert.Equal("application/pdf", pdfResponse.Content.Headers.ContentType?.MediaType);
        var pdf = await pdfResponse.Content.ReadAsByteArrayAsync();
        EvaluationSummaryPdfTests.AssertOneA4PageWithEmbeddedFonts(pdf);
        var text = EvaluationSummaryPdfTests.TextOf(pdf);
        var alumni = ratings.Single(r => r.GetProperty("target").GetString() == Ratings.FollowUp);
        Assert.Contains("Survei pascapelatihan: alumni 1 " + TrainingCycles.Certificates.Letters.EvaluationSummaryRenderer.Figure(alumni.GetProperty("average").GetDecimal()), text, StringComparison.Ordinal);
        Assert.Contains("Survei pascapelatihan: atasan langsung 1 4,33", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Siti", text, StringComparison.Ordinal); // aggregates only: no names, no comments
        Assert.DoesNotContain("rapi", text, StringComparison.Ordinal);
    }
}
