using Microsoft.DurableTask;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Certificates;

/// <summary>
/// One batch of the certificate phase: the numbered participants whose id is in [<see cref="From"/>, <see cref="To"/>)
/// (null: open at that end). Ids only: no personal data in history. A batch of an orchestration planned before #24's
/// ranges has neither and takes slice <see cref="Index"/> of <see cref="Count"/> by hash (<see cref="CertificateFanOut.BatchOf"/>).
/// </summary>
public sealed record CertificateBatch(string CycleId, int Index, int Count, string? From = null, string? To = null);

/// <summary>
/// What the certificate phase has to do after numbering: certificates still to render, in how many batches, and where
/// each batch's range of participant ids starts (the first batch's start is open; null in plans made before the ranges).
/// </summary>
public sealed record CertificatePlan(int Numbered, int Pending, int Batches, IReadOnlyList<string>? Starts = null);

/// <summary>
/// #24: the certificate phase as a bounded fan-out of batch activities. Numbering stays one activity (it advances the
/// cycle's counter in transactions, in order); rendering, storing and recording run as <see cref="CertificatePlan.Batches"/>
/// activities of about <see cref="BatchSize"/> people, at most <see cref="MaxParallel"/> at a time, so N instances
/// share them through the work-item queue. A batch is a range of participant ids fixed in the plan (it does not
/// move as other batches finish), read by key, so a batch reads its 250 rows and not the cycle's 10,000 (before, each
/// batch read the whole cycle and kept its hash slice); a failed batch retries alone and idempotently — what it
/// already stored is skipped. Inputs and outputs are ids and counts: history grows with batches, not people.
/// </summary>
public static class CertificateFanOut
{
    public const int BatchSize = 250;

    public const int MaxParallel = 4;

    public static int BatchesFor(int pending) => Math.Max(1, (pending + BatchSize - 1) / BatchSize);

    /// <summary>
    /// The first id of each batch of <paramref name="pendingInOrder"/> (ordinal order, as the table keeps them), the
    /// batches as even as whole people allow. Batch 0 is open at its start, so its entry is only there to keep the count.
    /// </summary>
    public static IReadOnlyList<string> StartsOf(IReadOnlyList<string> pendingInOrder)
    {
        var n = pendingInOrder.Count;
        var batches = BatchesFor(n);
        return n == 0 ? [""] : [.. Enumerable.Range(0, batches).Select(i => pendingInOrder[(int)((long)i * n / batches)])];
    }

    /// <summary>Batch <paramref name="index"/> of <paramref name="plan"/>: its id range when the plan has one.</summary>
    public static CertificateBatch Batch(string cycleId, CertificatePlan plan, int index) =>
        plan.Starts is { } starts && starts.Count == plan.Batches
            ? new CertificateBatch(cycleId, index, plan.Batches, index == 0 ? null : starts[index], index + 1 < starts.Count ? starts[index + 1] : null)
            : new CertificateBatch(cycleId, index, plan.Batches);

    /// <summary>The batch a participant id belonged to before the ranges (kept for orchestrations planned then): FNV-1a of the id, the same on every instance and run.</summary>
    public static int BatchOf(string participantId, int count)
    {
        var hash = 2166136261u;
        foreach (var c in participantId)
        {
            hash = unchecked((hash ^ c) * 16777619u);
        }

        return (int)(hash % (uint)Math.Max(1, count));
    }

    /// <summary>Called from the cycle orchestration's certificate phase (after the gates of #20/#21/#22): numbers, then the batches.</summary>
    public static async Task<int> IssueAsync(TaskOrchestrationContext context, string cycleId)
    {
        var plan = await context.CallActivityAsync<CertificatePlan>(nameof(CertificateActivities.PrepareCertificates), cycleId, RetryPolicies.Storage);
        var running = new List<Task<StepResult>>();
        var issued = 0;
        for (var i = 0; i < plan.Batches; i++)
        {
            if (running.Count >= MaxParallel)
            {
                var done = await Task.WhenAny(running);
                running.Remove(done);
                issued += (await done).Affected;
            }

            running.Add(context.CallActivityAsync<StepResult>(nameof(CertificateActivities.IssueCertificateBatch), Batch(cycleId, plan, i), RetryPolicies.Storage));
        }

        foreach (var result in await Task.WhenAll(running))
        {
            issued += result.Affected;
        }

        return issued;
    }
}
