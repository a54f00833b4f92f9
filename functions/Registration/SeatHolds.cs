using TrainingCycles.Cycles;

namespace TrainingCycles.Registration;

/// <summary>
/// Seats of a cycle that registrations through the open form, invitations and waitlist promotions may not take now:
/// the seats held for agency quotas while nomination runs (#19, implemented in Nomination/). The figure is read from
/// storage on every seat decision, never cached.
/// </summary>
public interface ISeatHolds
{
    Task<int> HeldAsync(CycleRecord cycle, CancellationToken cancellationToken = default);
}
