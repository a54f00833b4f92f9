using System.Globalization;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;
using TrainingCycles.Reminders;

namespace TrainingCycles.Nomination;

// Wire contracts (in orchestration history): ids, times and reminder keys only — never names, emails or NIPs.
public sealed record NominationWorkflowInput(string CycleId, IReadOnlyList<string>? SentReminders = null);

/// <summary>The cycle's nomination settings as the workflow reads them; <see cref="Recheck"/> bounds every sleep so a
/// deadline moved earlier (a reschedule) is noticed within that time.</summary>
public sealed record NominationPlan(DateTimeOffset Deadline, IReadOnlyList<TimeSpan> Reminders, bool Ended, bool Released, TimeSpan? Recheck = null);

public enum NominationStepKind
{
    /// <summary>Sleep until <see cref="NominationNext.At"/>, then send the reminder <see cref="NominationNext.Key"/>.</summary>
    Remind,

    /// <summary>Sleep until <see cref="NominationNext.At"/> (the deadline or the next recheck), then read the plan again.</summary>
    Wait,

    /// <summary>The deadline has come: release the seats now.</summary>
    Release,
}

public sealed record NominationNext(NominationStepKind Kind, DateTimeOffset At, string? Key = null);

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
public sealed class NominationWorkflow(CycleStore cycles, NominationStore store, ParticipantStore participants, NominationMail mail, AuditLog audit, TimeProvider time, IConfiguration configuration, ILogger<NominationWorkflow> logger)
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
        var next = Next(plan, now, sent);
        if (next.Kind == NominationStepKind.Remind)
        {
            await context.CreateTimer(next.At.UtcDateTime, CancellationToken.None);
            if (context.CurrentUtcDateTime - next.At.UtcDateTime <= CycleOrchestration.ReminderGrace)
            {
                await context.CallActivityAsync<int>(nameof(SendNominationReminders), new NominationStep(input.CycleId, next.Key!), RetryPolicies.SendGrid);
            }

            context.ContinueAsNew(input with { SentReminders = [.. sent, next.Key!] });
            return 0;
        }

        if (next.Kind == NominationStepKind.Wait)
        {
            // Wake at the deadline or the recheck, whichever is first, and read the plan again: a reschedule may have
            // moved the deadline (later, or earlier — then the recheck notices it within the bound).
            await context.CreateTimer(next.At.UtcDateTime, CancellationToken.None);
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

    /// <summary>How long the workflow sleeps at most before reading the plan again (setting <c>TrainingCycles__Nomination__RecheckSeconds</c>).</summary>
    public static readonly TimeSpan DefaultRecheck = TimeSpan.FromMinutes(15);

    /// <summary>
    /// The workflow's decision, pure (tested without the engine): the earliest reminder not yet sent whose time has not
    /// passed — unless a recheck comes first, then a wait until the recheck; else a wait until the deadline (or the
    /// recheck); at or after the deadline the release. Reminder keys name the deadline, so a moved deadline gets its own.
    /// </summary>
    public static NominationNext Next(NominationPlan plan, DateTimeOffset now, IReadOnlyCollection<string> sent)
    {
        if (plan.Deadline <= now)
        {
            return new NominationNext(NominationStepKind.Release, now);
        }

        var recheck = now + (plan.Recheck is { } r && r > TimeSpan.Zero ? r : DefaultRecheck);
        (DateTimeOffset At, string Key)? next = null;
        foreach (var offset in plan.Reminders)
        {
            var at = plan.Deadline - offset;
            var key = ReminderKey(offset, plan.Deadline);
            if (!sent.Contains(key) && at >= now && (next is null || at < next.Value.At))
            {
                next = (at, key);
            }
        }

        if (next is { } reminder && reminder.At <= recheck)
        {
            return new NominationNext(NominationStepKind.Remind, reminder.At, reminder.Key);
        }

        var wake = next is { } later && later.At < plan.Deadline ? later.At : plan.Deadline;
        return new NominationNext(NominationStepKind.Wait, wake < recheck ? wake : recheck);
    }

    public static string ReminderKey(TimeSpan offset, DateTimeOffset deadline) =>
        string.Create(CultureInfo.InvariantCulture, $"r-{System.Xml.XmlConvert.ToString(offset)}@{deadline.UtcDateTime:yyyyMMddTHHmmssZ}");

    [Function(nameof(LoadNominationPlan))]
    public async Task<NominationPlan> LoadNominationPlan([ActivityTrigger] string cycleId)
    {
        if (await cycles.GetAsync(cycleId) is not { Definition.Nomination: not null } cycle)
        {
            return new NominationPlan(DateTimeOffset.MinValue, [], true, false);
        }

        var quotas = await store.QuotasAsync(cycleId);
        var recheck = int.TryParse(configuration["TrainingCycles:Nomination:RecheckSeconds"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : DefaultRecheck;
        return new NominationPlan(NominationRules.Deadline(cycle), NominationRules.Reminders(cycle), cycle.Phase is CyclePhase.Cancelled or CyclePhase.Completed, quotas.Count > 0 && quotas.All(q => q.Released), recheck);
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
            var pending = NominationSeatHolds.Held(await store.QuotasAsync(cycleId));
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
