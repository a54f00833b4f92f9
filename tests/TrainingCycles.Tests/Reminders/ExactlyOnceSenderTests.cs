using System.Diagnostics;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using TrainingCycles.DevHost;
using TrainingCycles.Infrastructure;
using TrainingCycles.Reminders;
using TrainingCycles.Tests.Support;
using Xunit.Abstractions;

namespace TrainingCycles.Tests.Reminders;

/// <summary>
/// <see cref="ExactlyOnceSender"/> against the dev host's sink (batch ids, send_at, scheduled_sends) and Azurite:
/// the normal path leaves no intent and costs little; an unanswered request is cancelled on recovery and sent once;
/// an accepted one is recorded, not sent again.
/// </summary>
public sealed class ExactlyOnceSenderTests(ITestOutputHelper output)
{
    private const string Cycle = "c-once";
    private static readonly RenderedMail Mail = new("Subjek", "Halo", "<p>Halo</p>");

    private static List<MailRecipient> People(string prefix, int count) =>
        [.. Enumerable.Range(0, count).Select(i => new MailRecipient($"{prefix}{i:0000}", $"{prefix}{i}@example.org", null, new Dictionary<string, string>()))];

    private static Task<TestWorld> WorldAsync() =>
        TestWorld.StartAsync(DurableBackend.InMemory, new Dictionary<string, string?> { ["SendGrid__ScheduleAheadSeconds"] = "900" });

    [Fact]
    public async Task TheNormalPathSchedulesOneBatchLeavesNoIntentAndLogsEveryone()
    {
        await using var world = await WorldAsync();
        var sender = world.Host.Services.GetRequiredService<ExactlyOnceSender>();
        var mailer = world.Host.Services.GetRequiredService<Mailer>();
        var log = world.Host.Services.GetRequiredService<EmailLog>();

        // Warm up both paths, then time 1,000-recipient requests: before (send, then log) and after (this design).
        await mailer.SendAsync(Cycle, "warm", Mail, People("w", 10));
        await sender.SendAsync(Cycle, "warm2", "initial", Mail, People("w", 10), [.. Enumerable.Repeat("initial", 10)]);
        var before = new List<double>();
        var after = new List<double>();
        for (var round = 0; round < 3; round++)
        {
            var people = People($"b{round}-", 1000);
            var clock = Stopwatch.StartNew();
            var outcome = await mailer.SendAsync(Cycle, "before", Mail, people);
            await log.RecordAsync(Cycle, "before", "initial", [.. outcome.Sent.Select(id => new EmailLogRecord(id, EmailStatus.Sent, outcome.MessageId, null))]);
            before.Add(clock.Elapsed.TotalMilliseconds);

            people = People($"a{round}-", 1000);
            clock.Restart();
            await sender.SendAsync(Cycle, MailKinds.Invitation, "initial", Mail, people, [.. people.Select(_ => "initial")]);
            after.Add(clock.Elapsed.TotalMilliseconds);
        }

        output.WriteLine($"1,000-recipient request, send + log: before {string.Join(", ", before.Select(t => t.ToString("0")))} ms; with batch id, intent, mark: {string.Join(", ", after.Select(t => t.ToString("0")))} ms");
        var scheduled = world.Host.Outbox.Scheduled.Where(m => m.Deliveries[0].CustomArgs["k"] == MailKinds.Invitation).ToList();
        Assert.Equal(3, scheduled.Count);
        Assert.All(scheduled, m =>
        {
            Assert.True(world.Host.Outbox.BatchExists(m.BatchId!));
            Assert.InRange((m.SendAt!.Value - DateTimeOffset.UtcNow).TotalSeconds, 800, 901);
        });
        Assert.Equal(3000, (await log.HandledAsync(Cycle, MailKinds.Invitation, "initial")).Count);
        Assert.Empty(await IntentsAsync(world));
        world.Host.Outbox.AdvanceClock(TimeSpan.FromMinutes(16));
        Assert.Equal(3000, world.Host.Outbox.Deliveries.Count(d => d.CustomArgs["k"] == MailKinds.Invitation));
    }

    [Fact]
    public async Task AnUnansweredRequestIsCancelledOnRecoveryAndItsPeopleGetItOnce()
    {
        await using var world = await WorldAsync();
        var sender = world.Host.Services.GetRequiredService<ExactlyOnceSender>();
        var log = world.Host.Services.GetRequiredService<EmailLog>();
        var people = People("p", 300);

        // SendGrid accepts, the answer never arrives (the caller gives up: as good as dead).
        world.Host.Outbox.AfterAccept = (_, _) => Task.Delay(6000);
        using var gone = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sender.SendAsync(Cycle, MailKinds.TrainingReminder, "training-P1D", Mail, people, [.. people.Select(_ => "training-P1D")], cancellationToken: gone.Token));
        world.Host.Outbox.AfterAccept = null;
        Assert.Single(await IntentsAsync(world));
        Assert.Empty(await log.HandledAsync(Cycle, MailKinds.TrainingReminder, "training-P1D"));

        var recovery = await sender.RecoverAsync(Cycle, MailKinds.TrainingReminder, "training-P1D");
        Assert.Equal(new MailRecovery(0, 300, 0), recovery);
        Assert.Equal("cancel", world.Host.Outbox.BatchStatus(world.Host.Outbox.Scheduled.Single().BatchId!));
        Assert.Empty(await IntentsAsync(world));

        await sender.SendAsync(Cycle, MailKinds.TrainingReminder, "training-P1D", Mail, people, [.. people.Select(_ => "training-P1D")]);
        world.Host.Outbox.AdvanceClock(TimeSpan.FromMinutes(16));
        var mails = world.Host.Outbox.Deliveries.Where(d => d.CustomArgs["k"] == MailKinds.TrainingReminder).ToList();
        Assert.Equal(300, mails.Count);
        Assert.Equal(300, mails.Select(d => d.To).Distinct().Count());
        Assert.Equal(300, world.Host.Outbox.Discarded.Single().Deliveries.Count);

        // Too late to cancel (SendGrid's 10-minute cutoff): the sink refuses, as SendGrid documents.
        var batch = world.Host.Outbox.Messages.Single(m => m.Deliveries[0].CustomArgs["k"] == MailKinds.TrainingReminder).BatchId!;
        Assert.False(await world.Host.Services.GetRequiredService<Mailer>().CancelBatchAsync(batch));
    }

    [Fact]
    public async Task AnAcceptedIntentIsRecordedOnRecoveryNotSentAgain()
    {
        await using var world = await WorldAsync();
        var sender = world.Host.Services.GetRequiredService<ExactlyOnceSender>();
        var log = world.Host.Services.GetRequiredService<EmailLog>();
        var table = await world.Host.Services.GetRequiredService<AppTables>().GetAsync(AppTables.EmailLog);
        await table.AddEntityAsync(new TableEntity(Cycle, ExactlyOnceSender.Prefix(MailKinds.CertificateIssued, "initial") + "b1")
        {
            ["BatchId"] = "b1", ["State"] = "Accepted", ["MessageId"] = "m1", ["Rejected"] = "x2", ["K0"] = "initial\tx1\ninitial\tx2\ninitial\tx3",
        });

        Assert.Equal(new MailRecovery(3, 0, 0), await sender.RecoverAsync(Cycle, MailKinds.CertificateIssued, "initial"));
        var rows = (await log.ForCycleAsync(Cycle)).ToDictionary(r => r.ParticipantId);
        Assert.Equal(new[] { EmailStatus.Sent, EmailStatus.Rejected, EmailStatus.Sent }, new[] { rows["x1"].Status, rows["x2"].Status, rows["x3"].Status });
        Assert.Equal(0, world.Host.Outbox.AcceptedRequests);
        Assert.Empty(await IntentsAsync(world));
    }

    private static async Task<List<TableEntity>> IntentsAsync(TestWorld world)
    {
        var table = await world.Host.Services.GetRequiredService<AppTables>().GetAsync(AppTables.EmailLog);
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>(r => r.PartitionKey == Cycle))
        {
            if (row.RowKey.StartsWith("~batch|", StringComparison.Ordinal))
            {
                rows.Add(row);
            }
        }

        return rows;
    }
}
