using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using TrainingCycles.Cycles;
using TrainingCycles.Evaluation;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Certificates;

/// <summary>The cycle workflow's certificate step, in the capability it belongs to (called by name from the
/// orchestration). Safe to run twice: numbers are assigned once and uploads are overwrite-safe.</summary>
public sealed class CertificateActivities(CertificateIssuer certificates, EvaluationGate evaluationGate, ILogger<CertificateActivities> logger)
{
    [Function(nameof(IssueCertificates))]
    public async Task<StepResult> IssueCertificates([ActivityTrigger] string cycleId)
    {
        var heldBack = await evaluationGate.HoldBackAsync(cycleId); // #21: no number (so no PDF, no mail) before the final evaluation
        var numbered = await certificates.AssignNumbersAsync(cycleId, heldBack);
        var issued = await certificates.IssuePendingAsync(cycleId);
        Telemetry.CertificatesIssued.Add(issued);
        logger.LogInformation("Certificates of cycle {CycleId}: {Numbered} numbered, {Issued} issued", cycleId, numbered, issued);
        return new StepResult(issued);
    }

    /// <summary>#24: the fan-out's first step: the evaluation gate, numbering, and how many batches the rest takes.</summary>
    [Function(nameof(PrepareCertificates))]
    public async Task<CertificatePlan> PrepareCertificates([ActivityTrigger] string cycleId)
    {
        var heldBack = await evaluationGate.HoldBackAsync(cycleId); // #21: no number (so no PDF, no mail) before the final evaluation
        var numbered = await certificates.AssignNumbersAsync(cycleId, heldBack);
        var pending = await certificates.PendingAsync(cycleId);
        var plan = new CertificatePlan(numbered, pending.Count, CertificateFanOut.BatchesFor(pending.Count), CertificateFanOut.StartsOf(pending));
        logger.LogInformation("Certificates of cycle {CycleId}: {Numbered} numbered, {Pending} to issue in {Batches} batch(es)", cycleId, numbered, pending.Count, plan.Batches);
        return plan;
    }

    /// <summary>#24: one batch: renders, stores and records the pending certificates of its slice. Safe to run again.</summary>
    [Function(nameof(IssueCertificateBatch))]
    public async Task<StepResult> IssueCertificateBatch([ActivityTrigger] CertificateBatch batch)
    {
        var issued = await certificates.IssuePendingAsync(batch.CycleId, batch);
        Telemetry.CertificatesIssued.Add(issued);
        return new StepResult(issued);
    }
}
