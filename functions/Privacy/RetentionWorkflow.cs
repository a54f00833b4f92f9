using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Privacy;

/// <summary>Input of one retention round: its number only.</summary>
public sealed record RetentionRoundInput(int Round);

/// <summary>
/// The eternal retention workflow (one instance, <see cref="InstanceId"/>): each round plans what is due
/// (<see cref="RetentionService.PlanAsync"/>), anonymises it in batches (one activity per batch of participant ids),
/// records the counts in the audit trail, waits on a durable timer and starts over with <c>ContinueAsNew</c>, so its
/// history is one round long. In dry-run mode it only records what it would remove. Ids and counts only in history.
/// </summary>
public static class RetentionWorkflow
{
    public const string InstanceId = "privacy-retention";

    /// <summary>When a round left work for the next one (more than a round's worth was due), the next comes this soon.</summary>
    public static readonly TimeSpan Backlog = TimeSpan.FromMinutes(1);

    [Function(nameof(RetentionOrchestrator))]
    public static async Task RetentionOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context, RetentionRoundInput input)
    {
        var log = context.CreateReplaySafeLogger(nameof(RetentionOrchestrator));
        var plan = await context.CallActivityAsync<RetentionPlan>(nameof(RetentionActivities.PlanRetention), input, RetryPolicies.Storage);
        var results = new List<RetentionItemResult>();
        foreach (var item in plan.Items)
        {
            int people = 0, items = 0;
            if (!plan.DryRun)
            {
                foreach (var chunk in item.ParticipantIds.Chunk(Math.Max(1, plan.BatchSize)))
                {
                    var done = await context.CallActivityAsync<RetentionBatchResult>(nameof(RetentionActivities.AnonymiseRetentionBatch), new RetentionBatch(item.CycleId, item.Kind, chunk), RetryPolicies.Storage);
                    people += done.Participants;
                    items += done.Items;
                }
            }

            results.Add(new RetentionItemResult(item.CycleId, item.Kind, item.Due, people, items));
        }

        await context.CallActivityAsync(nameof(RetentionActivities.RecordRetentionRound), new RetentionRoundSummary(input.Round, plan.DryRun, results), RetryPolicies.Storage);
        log.LogInformation("Retention round {Round} (dry run {DryRun}): {Due} due, {Participants} anonymised", input.Round, plan.DryRun, results.Sum(r => r.Due), results.Sum(r => r.Participants));

        var wait = !plan.DryRun && plan.Items.Any(i => !i.Complete) ? Backlog : TimeSpan.FromSeconds(Math.Max(1, plan.IntervalSeconds));
        await context.CreateTimer(context.CurrentUtcDateTime.Add(wait), CancellationToken.None);
        context.ContinueAsNew(new RetentionRoundInput(input.Round + 1));
    }

    /// <summary>Starts the workflow unless it runs (or is pending). Never throws: the next cycle created or the next look tries again.</summary>
    public static async Task EnsureStartedAsync(DurableTaskClient durable, ILogger logger, CancellationToken cancellationToken = default)
    {
        try
        {
            var existing = await durable.GetInstanceAsync(InstanceId, getInputsAndOutputs: false, cancellationToken);
            if (existing is null || existing.RuntimeStatus is OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated or OrchestrationRuntimeStatus.Completed)
            {
                await durable.ScheduleNewOrchestrationInstanceAsync(nameof(RetentionOrchestrator), new RetentionRoundInput(1), new StartOrchestrationOptions(InstanceId), cancellationToken);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A concurrent start won, or the hub is briefly unreachable.
            logger.LogWarning(e, "Could not start the retention workflow");
        }
    }
}

public sealed class RetentionActivities(RetentionService retention)
{
    [Function(nameof(PlanRetention))]
    public Task<RetentionPlan> PlanRetention([ActivityTrigger] RetentionRoundInput input) => retention.PlanAsync(withIds: !retention.Options.DryRun);

    [Function(nameof(AnonymiseRetentionBatch))]
    public Task<RetentionBatchResult> AnonymiseRetentionBatch([ActivityTrigger] RetentionBatch batch) => retention.AnonymiseAsync(batch);

    [Function(nameof(RecordRetentionRound))]
    public Task RecordRetentionRound([ActivityTrigger] RetentionRoundSummary round) => retention.RecordAsync(round);
}

/// <summary>Starts the retention workflow with the first cycle's workflow (and heals it with any later one).</summary>
public sealed class RetentionStartCompanion(ILogger<RetentionStartCompanion> logger) : TrainingCycles.Cycles.ICycleStartCompanion
{
    public Task CycleWorkflowStartedAsync(DurableTaskClient durable, string cycleId, CancellationToken cancellationToken) =>
        RetentionWorkflow.EnsureStartedAsync(durable, logger, cancellationToken);
}
