namespace TrainingCycles.Certificates;

/// <summary>
/// Told whenever certificate rows of a cycle were written or changed (issued, reissued, revoked), so the person's
/// record across cycles (the JP ledger, <c>Records/</c>) follows. Implemented above this capability and registered
/// in the composition root; it reads the stored state itself, so calling it twice is harmless.
/// </summary>
public interface ICertificateLedger
{
    Task CertificatesChangedAsync(string cycleId, IReadOnlyCollection<string> participantIds, CancellationToken cancellationToken);
}
