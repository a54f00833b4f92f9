using TrainingCycles.Cycles;
using TrainingCycles.Registration;

namespace TrainingCycles.Nomination;

/// <summary>
/// The seats agency quotas keep from the open form, invitations and waitlist promotions (#19). While a quota is not
/// released, all of its seats not yet taken by an approved nominee (who then counts as a confirmed participant); after
/// the deadline released it, only the seats of its nominees still awaiting a decision. A cycle without nomination
/// holds nothing and costs no read.
/// </summary>
public sealed class NominationSeatHolds(NominationStore store) : ISeatHolds
{
    public async Task<int> HeldAsync(CycleRecord cycle, CancellationToken cancellationToken = default) =>
        cycle.Definition.Nomination is null ? 0 : Held(await store.QuotasAsync(cycle.CycleId, cancellationToken));

    public static int Held(IEnumerable<QuotaEntity> quotas) =>
        quotas.Sum(q => Math.Max(0, (q.Released ? q.Held : q.Seats) - q.Approved));
}
