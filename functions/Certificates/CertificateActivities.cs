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
}
