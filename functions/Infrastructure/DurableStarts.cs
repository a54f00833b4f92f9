using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace TrainingCycles.Infrastructure;

/// <summary>Starting an orchestration whose instance id is deterministic: a start that finds it already there is success.</summary>
public static class DurableStarts
{
    /// <returns>true when this call started it, false when it already existed.</returns>
    public static async Task<bool> StartOnceAsync(DurableTaskClient durable, string orchestratorName, object input, string instanceId, CancellationToken cancellationToken = default)
    {
        if (await durable.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken) is not null)
        {
            return false;
        }

        try
        {
            await durable.ScheduleNewOrchestrationInstanceAsync(orchestratorName, input, new StartOrchestrationOptions(instanceId), cancellationToken);
            return true;
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // A concurrent start (another app instance, or the retried request) may have won: then it is there.
            if (await durable.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken) is not null)
            {
                return false;
            }

            throw;
        }
    }
}
