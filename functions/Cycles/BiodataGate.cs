using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Cycles;

/// <summary>Wire contract (orchestration history): the cycle's biodata confirmation deadline, if it has one.</summary>
public sealed record BiodataDeadlineAt(DateTimeOffset? At);

/// <summary>
/// #22: the wait for the biodata confirmation deadline, just before the certificate phase (docs/biodata.md). With a
/// deadline set it asks everyone with a seat who has not answered (one mail each, through the email log), waits on a
/// durable timer until the deadline (read again after each wait, so a moved deadline is honoured) and returns; the
/// certificate phase then issues what is on file. The activities live in Records/BiodataWorkflow.cs and are called
/// by name. Inline in the cycle orchestration, not a sub-orchestration: the dev host's sidecar cannot start
/// sub-orchestrations on the Azure Storage backend (docs/biodata.md).
/// </summary>
public static class BiodataGate
{
    public const string LoadDeadlineActivity = "LoadBiodataDeadline";
    public const string SendRequestsActivity = "SendBiodataRequests";

    /// <returns>true when it waited for a deadline still ahead.</returns>
    public static async Task<bool> WaitAsync(TaskOrchestrationContext context, string cycleId)
    {
        var deadline = await context.CallActivityAsync<BiodataDeadlineAt>(LoadDeadlineActivity, cycleId, RetryPolicies.Storage);
        if (deadline.At is null)
        {
            return false;
        }

        await context.CallActivityAsync<int>(SendRequestsActivity, cycleId, RetryPolicies.SendGrid);
        var waited = false;
        while (deadline.At is { } at && at.UtcDateTime > context.CurrentUtcDateTime)
        {
            context.CreateReplaySafeLogger(nameof(BiodataGate)).LogInformation("Cycle {CycleId} waits for the biodata deadline {Deadline}", cycleId, at);
            await context.CreateTimer(at.UtcDateTime, CancellationToken.None);
            waited = true;
            deadline = await context.CallActivityAsync<BiodataDeadlineAt>(LoadDeadlineActivity, cycleId, RetryPolicies.Storage);
        }

        return waited;
    }
}
