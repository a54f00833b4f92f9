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
public sealed class FollowUpSurveyTests
{
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
        while ((await emailLog.HandledAsync(cycleId, MailKinds.FollowUpSurvey, FollowUpOrchestration.SurveyOccurrence)).Count < 2)
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

        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var done = await second.Host.DurableClient.WaitForInstanceCompletionAsync(FollowUpOrchestration.InstanceId(cycleId), getInputsAndOutputs: true, wait.Token);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal(new FollowUpResult(2, 1), done.ReadOutputAs<FollowUpResult>());
        Assert.Equal([people[1].RowKey], await emailLog.HandledAsync(cycleId, MailKinds.FollowUpSurvey, FollowUpOrchestration.ReminderOccurrence));
        Assert.Equal(3, (await emailLog.ForCycleAsync(cycleId)).Count(e => e.Kind == MailKinds.FollowUpSurvey));
        Assert.DoesNotContain("Siti", done.SerializedInput + done.SerializedOutput, StringComparison.Ordinal);
    }
}
