using System.Globalization;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;
using TrainingCycles.Reminders;

namespace TrainingCycles.Nomination;

// Wire contracts (in orchestration history): ids, times and reminder keys only — never names, emails or NIPs.
public sealed record NominationWorkflowInput(string CycleId, IReadOnlyList<string>? SentReminders = null);

public sealed record NominationPlan(DateTimeOffset Deadline, IReadOnlyList<TimeSpan> Reminders, bool Ended, bool Released);

public sealed record NominationStep(string CycleId, string Key);

/// <summary>What the deadline did: quotas released now (0 on a replay), and the participants promoted from the waitlist.</summary>
public sealed record NominationRelease(int QuotasReleased, int SeatsReleased, IReadOnlyList<string> Promoted);

/// <summary>
/// The nomination phase of a cycle (#19): one orchestration per cycle (instance <c>nomination-{cycleId}</c>, started by
/// the first quota import, next to the cycle's own workflow so that one stays as it is). It sleeps on durable timers
/// until each reminder offset before the deadline — mailing coordinators whose quota is not filled — and then until the
/// deadline, where it releases the seats no agency used, once: each quota's <c>Released</c> flag is set under its ETag,
/// and the promotions fill only seats that are free, so a replay or a second run after a restart changes nothing more.
/// </summary>
public sealed class NominationWorkflow(CycleStore cycles, NominationStore store, ParticipantStore participants, NominationMail mail, AuditLog audit, TimeProvider time, ILogger<NominationWorkflow> logger)
{
    public static string InstanceId(string cycleId) => "nomination-" + cycleId;

    /// <summary>Starts the phase if it is not running. Never throws: a failure is logged and the next import tries again.</summary>
    public static async Task EnsureStartedAsync(DurableTaskClient durable, string cycleId, ILogger logger)
    {
        try
        {
            var existing = await durable.GetInstanceAsync(InstanceId(cycleId));
            if (existing is null || existing.RuntimeStatus is OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated)
            {
                await durable.ScheduleNewOrchestrationInstanceAsync(nameof(NominationOrchestrator), new NominationWorkflowInput(cycleId), new StartOrchestrationOptions(InstanceId(cycleId)));
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Could not start the nomination workflow of cycle {CycleId}", cycleId);
        }
    }

    [Function(nameof(NominationOrchestrator))]
    public static async Task<int> NominationOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context, NominationWorkflowInput input)
    {
        var plan = await context.CallActivityAsync<NominationPlan>(nameof(LoadNominationPlan), input.CycleId, RetryPolicies.Storage);
        if (plan.Ended || plan.Released)
        {
            return 0;
        }

        var now = new DateTimeOffset(context.CurrentUtcDateTime, TimeSpan.Zero);
        var sent = input.SentReminders ?? [];
        (DateTimeOffset At, string Key)? next = null;
        foreach (var offset in plan.Reminders)
        {
            var at = plan.Deadline - offset;
            var key = string.Create(CultureInfo.InvariantCulture, $"r-{System.Xml.XmlConvert.ToString(offset)}@{plan.Deadline.UtcDateTime:yyyyMMddTHHmmssZ}");
            if (!sent.Contains(key) && at >= now && (next is null || at < next.Value.At))
            {
                next = (at, key);
            }
        }

        if (next is { } reminder)
        {
            await context.CreateTimer(reminder.At.UtcDateTime, CancellationToken.None);
            if (context.CurrentUtcDateTime - reminder.At.UtcDateTime <= CycleOrchestration.ReminderGrace)
            {
                await context.CallActivityAsync<int>(nameof(SendNominationReminders), new NominationStep(input.CycleId, reminder.Key), RetryPolicies.SendGrid);
            }

            context.ContinueAsNew(input with { SentReminders = [.. sent, reminder.Key] });
            return 0;
        }

        if (plan.Deadline > now)
        {
            // Wake at the deadline and read the plan again (a reschedule may have moved it later).
            await context.CreateTimer(plan.Deadline.UtcDateTime, CancellationToken.None);
            context.ContinueAsNew(input);
            return 0;
        }

        var release = await context.CallActivityAsync<NominationRelease>(nameof(ReleaseNominationSeats), input.CycleId, RetryPolicies.Storage);
        if (release.Promoted.Count > 0)
        {
            var mails = release.Promoted.Select(id => ParticipantMailRequest.Promoted(input.CycleId, id)).ToList();
            await context.CallActivityAsync<int>(nameof(ParticipantMail.SendParticipantMails), new ParticipantMailBatch(input.CycleId, mails), RetryPolicies.SendGrid);
        }

        return release.SeatsReleased;
    }

    [Function(nameof(LoadNominationPlan))]
    public async Task<NominationPlan> LoadNominationPlan([ActivityTrigger] string cycleId)
    {
        if (await cycles.GetAsync(cycleId) is not { Definition.Nomination: not null } cycle)
        {
            return new NominationPlan(DateTimeOffset.MinValue, [], true, false);
        }

        var quotas = await store.QuotasAsync(cycleId);
        return new NominationPlan(NominationRules.Deadline(cycle), NominationRules.Reminders(cycle), cycle.Phase is CyclePhase.Cancelled or CyclePhase.Completed, quotas.Count > 0 && quotas.All(q => q.Released));
    }

    /// <summary>One reminder to each coordinator whose quota is not filled; the email log keeps it to one per quota and key.</summary>
    [Function(nameof(SendNominationReminders))]
    public async Task<int> SendNominationReminders([ActivityTrigger] NominationStep step)
    {
        var sent = 0;
        foreach (var q in (await store.QuotasAsync(step.CycleId)).Where(q => !q.Released && q.Held < q.Seats))
        {
            sent += await mail.SendNominationMail(new NominationMailRequest(step.CycleId, NominationMailKinds.Reminder, q.RowKey, step.Key));
        }

        return sent;
    }

    /// <summary>
    /// At the deadline: every quota is marked released (once, under its ETag). When the cycle says <c>waitlist</c>, the
    /// seats that are free — the capacity less the confirmed and the seats still held by nominations awaiting a decision —
    /// go to the first on the waitlist, one transaction each under the counters row's ETag.
    /// </summary>
    [Function(nameof(ReleaseNominationSeats))]
    public async Task<NominationRelease> ReleaseNominationSeats([ActivityTrigger] string cycleId)
    {
        if (await cycles.GetAsync(cycleId) is not { } cycle)
        {
            return new NominationRelease(0, 0, []);
        }

        int released = 0, seats = 0;
        foreach (var q in await store.QuotasAsync(cycleId))
        {
            if (await store.ReleaseAsync(cycleId, q.RowKey) is { } done)
            {
                released++;
                seats += done.ReleasedSeats;
            }
        }

        var promoted = new List<string>();
        if (NominationRules.ReleasesToWaitlist(cycle))
        {
            var pending = (await store.QuotasAsync(cycleId)).Sum(q => Math.Max(0, q.Held - q.Approved));
            for (var attempt = 0; attempt < 200; attempt++)
            {
                var counters = await participants.CountersAsync(cycleId);
                if (counters.Waitlisted <= 0 || counters.Confirmed + pending >= cycle.Entity.Capacity || await participants.FirstWaitlistedAsync(cycleId) is not { } first)
                {
                    break;
                }

                var change = ParticipantStore.Begin(cycleId);
                change.Promote(first, counters, time.GetUtcNow());
                change.ReplaceCounters(counters);
                try
                {
                    await participants.SubmitAsync(change);
                    promoted.Add(first.RowKey);
                    await audit.WriteAsync(cycleId, AuditLog.System, "registration.promoted", first.RowKey, "nomination deadline");
                }
                catch (Azure.Data.Tables.TableTransactionFailedException e) when (e.Status is 409 or 412)
                {
                    // A registration or withdrawal changed the counters meanwhile: read again.
                }
            }
        }

        logger.LogInformation("Nomination deadline of cycle {CycleId}: {Quotas} quotas released ({Seats} unused seats), {Promoted} promoted", cycleId, released, seats, promoted.Count);
        return new NominationRelease(released, seats, promoted);
    }
}
