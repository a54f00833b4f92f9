using System.Security.Cryptography;
using System.Text;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using TrainingCycles.Attendance;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;
using TrainingCycles.Reminders;

namespace TrainingCycles.Certificates;

// Wire contracts (orchestration history): ids and counts only, never personal data.
/// <summary><paramref name="Reevaluate"/>: the rule first runs again for the whole cycle (#20, after a roster reopening).</summary>
public sealed record CertificateFollowUpInput(string CycleId, string ChangeKey, bool Reevaluate = false);

public sealed record CertificateFollowUpResult(int Issued, int Mailed, int AlreadyMailed);

/// <summary>
/// The certificate steps that follow an attendance correction after a cycle is Completed: number what is due,
/// render and store the PDFs, then the certificate mail wave — the same activities, mail kind and occurrence
/// the cycle orchestration runs at completion, so a person mailed by either is never mailed twice. It runs as
/// workflow work (retry policies, at-least-once activities that are idempotent), not inside the HTTP request
/// that recorded the change.
/// </summary>
public static class CertificateFollowUpOrchestration
{
    [Function(nameof(CertificateFollowUpOrchestrator))]
    public static async Task<CertificateFollowUpResult> CertificateFollowUpOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context, CertificateFollowUpInput input)
    {
        var log = context.CreateReplaySafeLogger(nameof(CertificateFollowUpOrchestrator));
        if (input.Reevaluate)
        {
            await context.CallActivityAsync<int>(nameof(RosterLock.ReevaluateCompletion), input.CycleId, RetryPolicies.Storage); // #20: after a roster reopening
        }

        var issued = await context.CallActivityAsync<StepResult>(nameof(CertificateActivities.IssueCertificates), input.CycleId, RetryPolicies.Storage);
        await context.CallActivityAsync<StepResult>(nameof(Letters.LetterFunctions.IssueLetters), input.CycleId, RetryPolicies.Storage); // #20: letters follow the same corrections
        var wave = await context.CallActivityAsync<MailWaveResult>(nameof(MailWaveActivity.SendMailWave),
            new MailWave(input.CycleId, MailKinds.CertificateIssued, CompletionFollowUp.CertificateOccurrence), RetryPolicies.SendGrid);
        log.LogInformation("Certificate follow-up {ChangeKey} of cycle {CycleId}: {Issued} issued, {Mailed} mailed, {AlreadyMailed} already mailed",
            input.ChangeKey, input.CycleId, issued.Affected, wave.Sent, wave.AlreadySent);
        return new CertificateFollowUpResult(issued.Affected, wave.Sent, wave.AlreadySent);
    }

    /// <summary>
    /// Instance id per (cycle, change): the same request sent again (a client retry after a lost answer) names the
    /// same instance, and an instance that already exists counts as scheduled. The key is a hash of what was asked,
    /// so it carries no personal data.
    /// </summary>
    public static string InstanceId(string cycleId, string changeKey) => $"{cycleId}:certificates:{changeKey}";

    public static string ChangeKey(params IEnumerable<string> parts)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', parts)));
        return Convert.ToHexStringLower(hash)[..24];
    }

    /// <summary>Starts the follow-up unless it already exists; returns its instance id.</summary>
    public static async Task<string> ScheduleAsync(DurableTaskClient durable, string cycleId, string changeKey, ILogger logger, CancellationToken cancellationToken, bool reevaluate = false)
    {
        var instanceId = InstanceId(cycleId, changeKey);
        var started = await DurableStarts.StartOnceAsync(durable, nameof(CertificateFollowUpOrchestrator), new CertificateFollowUpInput(cycleId, changeKey, reevaluate), instanceId, cancellationToken);
        logger.LogInformation("Certificate follow-up {InstanceId} for cycle {CycleId} {Outcome}", instanceId, cycleId, started ? "scheduled" : "already scheduled");
        return instanceId;
    }
}
