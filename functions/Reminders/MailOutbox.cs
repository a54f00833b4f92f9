using System.Collections.Concurrent;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Reminders;

/// <summary>Where a drain round got: mails taken from the outbox, whether more are waiting, whether the cycle is over.</summary>
public sealed record MailOutboxRound(int Taken, int Sent, bool More, bool CycleOver);

/// <summary>
/// #24: the confirmation outbox's drain. A registration (or a promotion) writes its mail-to-send row in its own
/// entity-group transaction (<see cref="ParticipantTransaction.QueueMail"/>); the request path makes no call to the
/// workflow engine. One small orchestration per cycle (instance id <c>outbox-{cycleId}</c>, any instance's worker
/// runs it) drains the rows in rounds: every waiting mail of a kind and language in one SendGrid request through the
/// one-person mail sender (<see cref="ParticipantMail.SendParticipantMails"/>, so the email log keeps it exactly
/// once, whoever sends), then deletes the rows. Between rounds it sleeps on a durable timer — half a second while
/// mail keeps coming, doubling to <see cref="MaxIdle"/> when idle — raced with a wake event that
/// <see cref="MailOutboxWaker"/> raises (debounced) after a commit, so a confirmation leaves within about a second
/// of the commit and a lost wake (an instance killed right after committing) costs at most <see cref="MaxIdle"/>.
/// Each round ends with ContinueAsNew: history stays a handful of rows per round, never per person.
/// </summary>
public sealed class MailOutbox(CycleStore cycles, ParticipantStore participants, EmailLog emailLog, Mailer mailer, MailComposer composer, ILogger<ParticipantMail> mailLogger, ILogger<MailOutbox> logger)
{
    public const string WakeEvent = "outbox-wake";

    /// <summary>Rows taken per round: one SendGrid request per kind and language holds up to 1,000 recipients.</summary>
    public const int RowsPerRound = 1000;

    /// <summary>The longest idle sleep: the bound on a confirmation whose wake was lost.</summary>
    public static readonly TimeSpan MaxIdle = TimeSpan.FromSeconds(30);

    /// <summary>The sleep while mail keeps coming: gathers a rush into larger requests.</summary>
    public static readonly TimeSpan Busy = TimeSpan.FromMilliseconds(500);

    public static string InstanceId(string cycleId) => MailOutboxDrainStart.InstanceId(cycleId);

    /// <summary>The sleep after a round: short while busy, doubling while idle, at most <see cref="MaxIdle"/>.</summary>
    public static TimeSpan SleepAfter(MailOutboxRound round, int idleRounds) =>
        round.Taken > 0 ? Busy : TimeSpan.FromSeconds(Math.Min(MaxIdle.TotalSeconds, Math.Pow(2, Math.Min(idleRounds, 10))));

    [Function(MailOutboxDrainStart.Orchestrator)]
    public static async Task MailOutboxDrain([OrchestrationTrigger] TaskOrchestrationContext context, MailOutboxDrainInput input)
    {
        MailOutboxRound round;
        try
        {
            round = await context.CallActivityAsync<MailOutboxRound>(nameof(DrainMailOutbox), input.CycleId, RetryPolicies.SendGrid);
        }
        catch (TaskFailedException)
        {
            // SendGrid or storage away past the retry policy: the rows stay; try again after the longest sleep.
            round = new MailOutboxRound(0, 0, false, false);
        }

        if (round is { Taken: 0, CycleOver: true })
        {
            return; // a completed or cancelled cycle with nothing left to send
        }

        var idle = round.Taken > 0 ? 0 : input.IdleRounds + 1;
        if (!round.More)
        {
            using var cancel = new CancellationTokenSource();
            var timer = context.CreateTimer(SleepAfter(round, input.IdleRounds), cancel.Token);
            var wake = context.WaitForExternalEvent<bool>(WakeEvent, cancel.Token);
            if (await Task.WhenAny(timer, wake) == wake)
            {
                idle = 0;
            }

            cancel.Cancel();
        }

        context.ContinueAsNew(input with { IdleRounds = idle }, preserveUnprocessedEvents: false);
    }

    /// <summary>
    /// One round: the oldest waiting rows, sent through the one-person sender (what the email log already holds is
    /// skipped, so a round repeated after a crash sends nothing twice), then deleted.
    /// </summary>
    [Function(nameof(DrainMailOutbox))]
    public async Task<MailOutboxRound> DrainMailOutbox([ActivityTrigger] string cycleId)
    {
        var cycle = await cycles.GetAsync(cycleId);
        if (cycle is null)
        {
            return new MailOutboxRound(0, 0, false, true);
        }

        var rows = await participants.QueuedMailAsync(cycleId, RowsPerRound);
        if (rows.Count == 0)
        {
            return new MailOutboxRound(0, 0, false, cycle.Phase is CyclePhase.Completed or CyclePhase.Cancelled);
        }

        var sender = new ParticipantMail(cycles, participants, emailLog, mailer, composer, mailLogger);
        var sent = await sender.SendParticipantMails(new ParticipantMailBatch(cycleId, [.. rows.Select(r => new ParticipantMailRequest(cycleId, r.ParticipantId, r.Kind, r.Occurrence))]));
        await participants.ClearQueuedMailAsync(cycleId, rows);
        logger.LogInformation("Outbox of cycle {CycleId}: {Taken} mail(s) taken, {Sent} sent", cycleId, rows.Count, sent);
        return new MailOutboxRound(rows.Count, sent, rows.Count == RowsPerRound, false);
    }
}

/// <summary>
/// Nudges a cycle's outbox drain after a commit, off the request path: the caller returns at once; at most one
/// start-or-raise per cycle per second per instance runs in the background. Losing a wake (the instance dies) only
/// delays the mail to the drain's next timer (at most <see cref="MailOutbox.MaxIdle"/>): the row is in storage.
/// </summary>
public sealed class MailOutboxWaker(ILogger<MailOutboxWaker> logger)
{
    private static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, Lane> _lanes = new(StringComparer.Ordinal);

    /// <summary>Wakes the drain of <paramref name="cycleId"/> soon. Never blocks and never throws.</summary>
    public void Wake(DurableTaskClient durable, string cycleId)
    {
        var lane = _lanes.GetOrAdd(cycleId, _ => new Lane());
        lock (lane)
        {
            lane.Durable = durable;
            if (lane.Running)
            {
                lane.Again = true;
                return;
            }

            lane.Running = true;
        }

        _ = Task.Run(() => RunAsync(cycleId, lane), CancellationToken.None);
    }

    private async Task RunAsync(string cycleId, Lane lane)
    {
        while (true)
        {
            DurableTaskClient durable;
            lock (lane)
            {
                durable = lane.Durable!;
                lane.Again = false;
            }

            try
            {
                if (!lane.Started)
                {
                    await MailOutboxDrainStart.EnsureAsync(durable, cycleId);
                    lane.Started = true;
                }

                await durable.RaiseEventAsync(MailOutbox.InstanceId(cycleId), MailOutbox.WakeEvent, true);
            }
            catch (Exception e)
            {
                lane.Started = false;
                logger.LogWarning(e, "Could not wake the mail outbox of cycle {CycleId}; its timer sends the mail", cycleId);
            }

            await Task.Delay(MinInterval);
            lock (lane)
            {
                if (!lane.Again)
                {
                    lane.Running = false;
                    return;
                }
            }
        }
    }

    private sealed class Lane
    {
        public DurableTaskClient? Durable { get; set; }

        public bool Running { get; set; }

        public bool Again { get; set; }

        public bool Started { get; set; }
    }
}
