using System.Net;
using System.Text.Json.Nodes;
using TrainingCycles.Nomination;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Nomination;

/// <summary>The nomination phase on the durable engine over Azurite: a reminder to coordinators with unfilled quotas,
/// then the deadline releasing the unused seats — once, though the host restarts in between.</summary>
public sealed class NominationDeadlineTests
{
    [Fact]
    public async Task TheDeadlineReleasesUnusedSeatsExactlyOnceAcrossARestartAndRemindsOnce()
    {
        var now = DateTimeOffset.UtcNow;
        var a = await TestWorld.StartAsync(workItemTimeout: TimeSpan.FromSeconds(15)); // a message the first host held when it went comes back in 15 s, not 5 min
        var definition = CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, capacity: 5, closeAfterSeconds: 3600);
        var deadline = DateTimeOffset.UtcNow.AddSeconds(40);
        definition["nomination"] = new JsonObject { ["deadline"] = CycleApi.Iso(deadline), ["remindersBeforeDeadline"] = new JsonArray("PT28S"), ["releaseTo"] = "waitlist" };
        var cycleId = (await CycleApi.CreateAsync(a.Organizer, definition)).GetProperty("cycleId").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await NominationFlowTests.PutQuotasAsync(a, cycleId, NominationFlowTests.QuotaCsv(2, 1))).StatusCode);

        var reminders = await NominationFlowTests.WaitForMailsAsync(a, NominationMailKinds.Reminder, 2);
        Assert.Equal(2, reminders.Count);
        Assert.Contains("0 dari 2", reminders.Single(m => m.To.StartsWith("koord.kapuas", StringComparison.Ordinal)).Text, StringComparison.Ordinal);
        Assert.True(DateTimeOffset.UtcNow < deadline, "the reminder came too late for the restart to fall before the deadline");
        var id = a.Id;
        await a.DisposeAsync();

        await using var b = await TestWorld.StartAsync(reuseId: id, workItemTimeout: TimeSpan.FromSeconds(15));
        var store = b.Host.Services.GetRequiredService<NominationStore>();
        var until = DateTime.UtcNow.AddSeconds(90);
        while ((await store.QuotasAsync(cycleId)).Any(q => !q.Released) && DateTime.UtcNow < until)
        {
            await Task.Delay(250);
        }

        var quotas = await store.QuotasAsync(cycleId);
        Assert.All(quotas, q => Assert.True(q.Released));
        Assert.Equal([1, 2], quotas.Select(q => q.ReleasedSeats).Order());

        // Running the deadline's step again (a replay, a second instance) releases nothing more.
        var workflow = ActivatorUtilities.CreateInstance<NominationWorkflow>(b.Host.Services);
        var again = await workflow.ReleaseNominationSeats(cycleId);
        Assert.Equal(0, again.QuotasReleased);
        await Task.Delay(500);
        Assert.DoesNotContain(b.Host.Outbox.Deliveries, d => d.CustomArgs["k"] == NominationMailKinds.Reminder);
        Assert.Equal(HttpStatusCode.Conflict, (await NominationFlowTests.PutQuotasAsync(b, cycleId, NominationFlowTests.QuotaCsv(3, 1))).StatusCode);
        Assert.True(DateTimeOffset.UtcNow - now < TimeSpan.FromMinutes(2));
    }
}
