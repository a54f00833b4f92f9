using Microsoft.DurableTask;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Cycles;

/// <summary>What the gate found: go on (not required, locked, or the wait is over), or wait until <c>RecheckAt</c> at the latest.</summary>
public sealed record RosterGateState(bool Open, string Why, DateTimeOffset? RecheckAt);

/// <summary>
/// #20 "before documents are issued the organizer locks the roster": the workflow's wait between the automatic absence
/// and the completion rule, when the cycle's rule asks for it (<see cref="CompletionRule.RequireRosterLock"/>). The lock
/// route raises <see cref="EventName"/>; the gate never trusts the event alone — it re-reads the lock in an activity, on
/// the event and on a timer (a lost or stale event, a lock followed by a reopening), so history holds one activity per wake.
/// When nobody locks: the cycle waits (the dashboard shows "awaiting the roster lock"), or, with
/// <see cref="CompletionRule.RosterLockWaitHours"/>, issues on what is marked once that many hours after the end of
/// training have passed, audited as <c>roster.lock-wait-over</c>.
/// </summary>
public static class RosterLockWait
{
    /// <summary>The activity (Attendance/RosterLockGate.cs) that re-reads the lock; called by name so this layer stays below Attendance.</summary>
    public const string CheckActivity = "CheckRosterGate";

    public const string EventName = "RosterLocked";

    /// <summary>How often a waiting gate looks again without an event.</summary>
    public static readonly TimeSpan Recheck = TimeSpan.FromHours(6);

    /// <summary>
    /// The orchestrator's one call. <paramref name="input"/>.RosterGate is set when a cycle moves into Completing with
    /// this code; an instance that entered Completing before (its history has no gate) replays unchanged.
    /// </summary>
    public static async Task AwaitAsync(TaskOrchestrationContext context, CycleWorkflowInput input, CycleCounts counts, int scheduleVersion)
    {
        if (!input.RosterGate)
        {
            return;
        }

        var state = await context.CallActivityAsync<RosterGateState>(CheckActivity, input.CycleId, RetryPolicies.Storage);
        while (!state.Open)
        {
            context.SetCustomStatus(new CycleCustomStatus(CyclePhase.Completing, counts, state.RecheckAt, "awaiting-roster-lock", scheduleVersion));
            using var cancel = new CancellationTokenSource();
            var timer = context.CreateTimer(state.RecheckAt!.Value.UtcDateTime, cancel.Token);
            var locked = context.WaitForExternalEvent<string>(EventName, cancel.Token);
            await Task.WhenAny(timer, locked);
            cancel.Cancel();
            state = await context.CallActivityAsync<RosterGateState>(CheckActivity, input.CycleId, RetryPolicies.Storage);
        }

        context.SetCustomStatus(new CycleCustomStatus(CyclePhase.Completing, counts, null, "issuing-certificates", scheduleVersion));
    }

    /// <summary>The decision, pure: a table of cases in the tests.</summary>
    public static RosterGateState Decide(CompletionRule? rule, bool locked, DateTimeOffset trainingEndsAt, DateTimeOffset now)
    {
        if (rule?.RequireRosterLock != true)
        {
            return new(true, "not-required", null);
        }

        if (locked)
        {
            return new(true, "locked", null);
        }

        if (rule.RosterLockWaitHours is { } hours)
        {
            var over = trainingEndsAt.AddHours(hours);
            return now >= over ? new(true, "wait-over", null) : new(false, "waiting", now + Recheck < over ? now + Recheck : over);
        }

        return new(false, "waiting", now + Recheck);
    }
}
