using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;
using TrainingCycles.Reminders;

namespace TrainingCycles.Privacy;

/// <summary>Input of an erasure: ids and a reason code only (the workflow's history is stored in plain tables).</summary>
/// <param name="SkipReceipt">Set by the erasure everywhere (<see cref="PersonErasureWorkflow"/>), which sends one receipt for all.</param>
public sealed record ErasureInput(string CycleId, string ParticipantId, string Reason, bool SkipReceipt = false);

/// <summary>One holder's part of an erasure.</summary>
public sealed record ErasureStep(string CycleId, string ParticipantId, string Holder);

/// <summary>What an erasure did: counts per holder, and whether the receipt went out.</summary>
public sealed record ErasureSummary(string CycleId, string ParticipantId, string Reason, IReadOnlyList<ErasureCount> Counts, bool ReceiptSent);

/// <summary>
/// Erasure of one participation (UU PDP 27/2022 Pasal 43): every registered <see cref="IPersonalDataHolder"/> erases
/// or anonymises what it holds, one activity each (retried on storage faults; each idempotent), then the receipt
/// goes to the person's address and an audit entry records the counts. Instance id per participation, so asking
/// twice runs one erasure. It starts at once and takes seconds; the 3×24 h the law allows is the bound on retries.
/// </summary>
public static class ErasureWorkflow
{
    public const string ReceiptKind = "erasure-receipt";

    /// <summary>The mail's cycle custom arg: not a cycle id, so the event webhook records nothing for the receipt.</summary>
    public const string ReceiptCycleArg = "privacy";

    public static string InstanceId(string cycleId, string participantId) => $"{cycleId}:erase:{participantId}";

    [Function(nameof(ErasureOrchestrator))]
    public static async Task<ErasureSummary> ErasureOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context, ErasureInput input)
    {
        var log = context.CreateReplaySafeLogger(nameof(ErasureOrchestrator));
        var holders = await context.CallActivityAsync<IReadOnlyList<string>>(nameof(ErasureActivities.BeginErasure), input, RetryPolicies.Storage);
        var counts = new List<ErasureCount>();
        foreach (var holder in holders)
        {
            counts.Add(await context.CallActivityAsync<ErasureCount>(nameof(ErasureActivities.EraseFromHolder), new ErasureStep(input.CycleId, input.ParticipantId, holder), RetryPolicies.Storage));
        }

        var sent = !input.SkipReceipt && await context.CallActivityAsync<bool>(nameof(ErasureActivities.SendErasureReceipt), input, RetryPolicies.SendGrid);
        var summary = new ErasureSummary(input.CycleId, input.ParticipantId, input.Reason, counts, sent);
        await context.CallActivityAsync(nameof(ErasureActivities.FinishErasure), summary, RetryPolicies.Storage);
        log.LogInformation("Erasure of {ParticipantId} in cycle {CycleId} ({Reason}): {Erased} items erased, receipt {ReceiptSent}",
            input.ParticipantId, input.CycleId, input.Reason, counts.Sum(c => c.Erased), sent);
        return summary;
    }

    /// <summary>Starts the erasure unless it already runs or ran; returns its instance id.</summary>
    public static async Task<string> ScheduleAsync(DurableTaskClient durable, ErasureInput input, CancellationToken cancellationToken = default)
    {
        var instanceId = InstanceId(input.CycleId, input.ParticipantId);
        await DurableStarts.StartOnceAsync(durable, nameof(ErasureOrchestrator), input, instanceId, cancellationToken);
        return instanceId;
    }

    public static string CountsText(IEnumerable<ErasureCount> counts) => string.Join(", ", counts.Select(c => $"{c.Holder}={c.Erased}"));
}

public sealed class ErasureActivities(PersonalDataRegistry registry, ErasureStore store, CycleStore cycles, Mailer mailer, AuditLog audit, ILogger<ErasureActivities> logger)
{
    [Function(nameof(BeginErasure))]
    public async Task<IReadOnlyList<string>> BeginErasure([ActivityTrigger] ErasureInput input)
    {
        await store.BeginAsync(input.CycleId, input.ParticipantId, input.Reason);
        return registry.Names;
    }

    [Function(nameof(EraseFromHolder))]
    public async Task<ErasureCount> EraseFromHolder([ActivityTrigger] ErasureStep step)
    {
        var row = await store.GetAsync(step.CycleId, step.ParticipantId) ?? throw new InvalidOperationException($"No erasure request for {step.ParticipantId} in {step.CycleId}");
        var holder = registry.Find(step.Holder);
        if (holder is null)
        {
            // A holder removed between the start and this step (a redeploy): nothing to do here.
            logger.LogWarning("Erasure holder {Holder} is not registered", step.Holder);
            return new ErasureCount(step.Holder, 0, []);
        }

        return await holder.EraseAsync(ErasureStore.Subject(row), CancellationToken.None);
    }

    [Function(nameof(SendErasureReceipt))]
    public async Task<bool> SendErasureReceipt([ActivityTrigger] ErasureInput input)
    {
        var row = await store.GetAsync(input.CycleId, input.ParticipantId);
        if (row is null || row.ReceiptSentAt is not null)
        {
            return row?.ReceiptSentAt is not null;
        }

        if (row.Email is not { Length: > 0 } email)
        {
            return false;
        }

        var cycle = await cycles.GetAsync(input.CycleId);
        var lang = row.Language == "en" ? "en" : "id";
        var mail = MailTemplates.Render(ErasureWorkflow.ReceiptKind, lang, new Dictionary<string, string>
        {
            ["title"] = cycle?.Entity.Title ?? input.CycleId,
            ["organizer"] = cycle?.Definition.OrganizerName ?? "",
            ["kept"] = Text.Get(lang, nameof(Texts.Privacy_Receipt_Kept)),
        });
        var recipient = new MailRecipient(input.ParticipantId, email, null, new Dictionary<string, string> { ["name"] = "", ["link"] = "", ["number"] = "" });
        var outcome = await mailer.SendAsync(ErasureWorkflow.ReceiptCycleArg, ErasureWorkflow.ReceiptKind, mail, [recipient]);
        if (outcome.Sent.Count == 0)
        {
            logger.LogWarning("Erasure receipt for {ParticipantId} in cycle {CycleId} was rejected", input.ParticipantId, input.CycleId);
            return false;
        }

        await store.MarkReceiptSentAsync(row);
        return true;
    }

    [Function(nameof(FinishErasure))]
    public async Task FinishErasure([ActivityTrigger] ErasureSummary summary)
    {
        var counts = ErasureWorkflow.CountsText(summary.Counts);
        await store.FinishAsync(summary.CycleId, summary.ParticipantId, counts);
        await audit.WriteAsync(summary.CycleId, AuditActor.System, "privacy.erased", summary.ParticipantId,
            $"reason={summary.Reason}; {counts}; receipt={(summary.ReceiptSent ? "sent" : "not sent")}");
    }
}
