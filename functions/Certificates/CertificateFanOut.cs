using Microsoft.DurableTask;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Certificates;

/// <summary>One batch of the certificate phase: the numbered participants whose id falls in slice <see cref="Index"/> of <see cref="Count"/>.</summary>
public sealed record CertificateBatch(string CycleId, int Index, int Count);

/// <summary>What the certificate phase has to do after numbering: certificates still to render, in how many batches.</summary>
public sealed record CertificatePlan(int Numbered, int Pending, int Batches);

/// <summary>
/// #24: the certificate phase as a bounded fan-out of batch activities. Numbering stays one activity (it advances the
/// cycle's counter in transactions, in order); rendering, storing and recording run as <see cref="CertificatePlan.Batches"/>
/// activities of about <see cref="BatchSize"/> people, at most <see cref="MaxParallel"/> at a time, so N instances
/// share them through the work-item queue. A batch is a stable slice of participant ids (a hash, not a position:
/// the slice does not move as other batches finish), so a failed batch retries alone and idempotently — what it
/// already stored is skipped. Inputs and outputs are ids and counts: history grows with batches, not people.
/// </summary>
public static class CertificateFanOut
{
    public const int BatchSize = 250;

    public const int MaxParallel = 4;

    public static int BatchesFor(int pending) => Math.Max(1, (pending + BatchSize - 1) / BatchSize);

    /// <summary>The batch a participant id belongs to: FNV-1a of the id, the same on every instance and run.</summary>
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

            running.Add(context.CallActivityAsync<StepResult>(nameof(CertificateActivities.IssueCertificateBatch), new CertificateBatch(cycleId, i, plan.Batches), RetryPolicies.Storage));
        }

        foreach (var result in await Task.WhenAll(running))
        {
            issued += result.Affected;
        }

        return issued;
    }
}
