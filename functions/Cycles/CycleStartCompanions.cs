using Microsoft.DurableTask.Client;

namespace TrainingCycles.Cycles;

/// <summary>
/// Work a higher layer starts alongside a cycle's first workflow start (e.g. the retention workflow, #23a): the
/// Cycles layer calls every registered companion without knowing it. A companion never throws.
/// </summary>
public interface ICycleStartCompanion
{
    Task CycleWorkflowStartedAsync(DurableTaskClient durable, string cycleId, CancellationToken cancellationToken);
}
