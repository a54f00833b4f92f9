using System.Net;
using Microsoft.DurableTask.Client;
using TrainingCycles.Cycles;
using TrainingCycles.DevHost;
using TrainingCycles.DevHost.MailSink;
using TrainingCycles.Registration;
using TrainingCycles.Reminders;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.ScaleOut;

/// <summary>
/// #24: the confirmation mail is written to the outbox in the registration's own transaction and drained in batches
/// by the cycle's drain orchestration; the request path starts no orchestration and raises nothing it waits for.
/// </summary>
public sealed class MailOutboxTests
{
    private static readonly Dictionary<string, string?> NoRateLimit = new() { ["TrainingCycles__FormPostsPerMinute"] = "100000" };

    [Fact]
    public async Task ARushGetsOneConfirmationEachThroughTheOutboxAndTheTaskHubHoldsOnlyTheCycleAndItsDrain()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory, NoRateLimit);
        var cycleId = (await CycleApi.CreateAsync(world.Organizer, CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, capacity: 15, closeAfterSeconds: 3600))).GetProperty("cycleId").GetString()!;
        var store = world.Host.Services.GetRequiredService<ParticipantStore>();

        var answers = await Task.WhenAll(Enumerable.Range(1, 20).Select(i =>
            Forms.PostAsync(world.Http, $"api/cycles/{cycleId}/register", Forms.ValidRegistration(nip: Forms.Nip(i), email: $"p{i}@example.org"))));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Response.StatusCode));
        var rows = await store.ListAsync(cycleId);
        Assert.Equal(20, rows.Count);
        await WaitAsync(() => Mails(world, cycleId).Count >= 20, TimeSpan.FromSeconds(30), "20 outcome mails");
        await Task.Delay(1500); // a second drain round, if there were one, would have sent any duplicate by now
        var mails = Mails(world, cycleId);
        Assert.Equal(20, mails.Count);
        Assert.Equal(rows.Select(r => r.RowKey).Order(StringComparer.Ordinal), mails.Select(m => m.CustomArgs["p"]).Order(StringComparer.Ordinal));
        Assert.Equal(15, mails.Count(m => m.CustomArgs["k"] == MailKinds.Confirmation));
        Assert.Equal(5, mails.Count(m => m.CustomArgs["k"] == MailKinds.Waitlisted));
        Assert.Empty(await store.QueuedMailAsync(cycleId, 100));

        // One SendGrid request per kind and language carries many people, not one request per person.
        Assert.True(world.Host.Outbox.Messages.Count < 20, $"{world.Host.Outbox.Messages.Count} SendGrid requests for 20 mails");

        // No engine call per request: the task hub has the cycle's workflow and its drain, nothing per registration
        // (and the one app-wide retention workflow, #23, which the first cycle's start brings up).
        var instances = new List<string>();
        await foreach (var instance in world.Host.DurableClient.GetAllInstancesAsync(new OrchestrationQuery()))
        {
            if (instance.InstanceId != TrainingCycles.Privacy.RetentionWorkflow.InstanceId)
            {
                instances.Add(instance.InstanceId);
            }
        }

        Assert.Equal([cycleId, MailOutboxDrainStart.InstanceId(cycleId)], instances.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ACommittedRegistrationWhoseDrainFailsAndWhoseHostDiesStillGetsExactlyOneConfirmation()
    {
        var first = await TestWorld.StartAsync(DurableBackend.AzureStorage, NoRateLimit, workItemTimeout: TimeSpan.FromSeconds(15));
        string cycleId, participantId;
        try
        {
            cycleId = (await CycleApi.CreateAsync(first.Organizer, CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, capacity: 10, closeAfterSeconds: 3600))).GetProperty("cycleId").GetString()!;
            first.Host.Outbox.SetFaults(new MailFaults(FailureRate: 1, StatusCodes: [503]));

            var (response, _) = await Forms.PostAsync(first.Http, $"api/cycles/{cycleId}/register", Forms.ValidRegistration());

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var store = first.Host.Services.GetRequiredService<ParticipantStore>();
            participantId = Assert.Single(await store.ListAsync(cycleId)).RowKey;
            // Committed with its mail in the outbox; the drain tries SendGrid, which fails.
            var queued = Assert.Single(await store.QueuedMailAsync(cycleId, 10));
            Assert.Equal((participantId, MailKinds.Confirmation, "id"), (queued.ParticipantId, queued.Kind, queued.Language));
            await WaitAsync(() => first.Host.Outbox.FailedRequests > 0, TimeSpan.FromSeconds(30), "a failed drain round");
        }
        finally
        {
            await first.DisposeAsync(); // the host goes away with the drain mid-retry
        }

        await using var second = await TestWorld.StartAsync(DurableBackend.AzureStorage, NoRateLimit, reuseId: first.Id, workItemTimeout: TimeSpan.FromSeconds(15));
        await WaitAsync(() => Mails(second, cycleId).Count > 0, TimeSpan.FromSeconds(150), "the confirmation after the restart (partition takeover, then the retry timer)");
        var secondStore = second.Host.Services.GetRequiredService<ParticipantStore>();
        await WaitAsync(async () => (await secondStore.QueuedMailAsync(cycleId, 10)).Count == 0, TimeSpan.FromSeconds(10), "the outbox cleared");

        // A drain that died after SendGrid took the batch but before the row was deleted finds it again: the email
        // log makes the repeat send nothing. Put the row back as such a crash would leave it and wake the drain.
        var row = (await secondStore.GetAsync(cycleId, participantId))!;
        var again = ParticipantStore.Begin(cycleId);
        again.QueueMail(row, MailKinds.Confirmation, PendingRegistration.ConfirmationOccurrence(row), DateTimeOffset.UtcNow);
        await secondStore.SubmitAsync(again);
        var round = await ActivatorUtilities.CreateInstance<MailOutbox>(second.Host.Services).DrainMailOutbox(cycleId);
        Assert.Equal(0, round.Sent); // taken again (unless the drain's own round took it first) and skipped by the email log
        Assert.Empty(await secondStore.QueuedMailAsync(cycleId, 10));

        var mail = Assert.Single(Mails(second, cycleId));
        Assert.Equal((participantId, MailKinds.Confirmation), (mail.CustomArgs["p"], mail.CustomArgs["k"]));
    }

    private static List<Delivery> Mails(TestWorld world, string cycleId) =>
        [.. world.Host.Outbox.Deliveries.Where(d => d.CustomArgs.GetValueOrDefault("c") == cycleId && d.CustomArgs.GetValueOrDefault("k") is MailKinds.Confirmation or MailKinds.Waitlisted)];

    private static Task WaitAsync(Func<bool> condition, TimeSpan timeout, string what) => WaitAsync(() => Task.FromResult(condition()), timeout, what);

    private static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var until = DateTimeOffset.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTimeOffset.UtcNow > until)
            {
                throw new TimeoutException("Timed out waiting for " + what);
            }

            await Task.Delay(100);
        }
    }
}
