using TrainingCycles.Cycles;

namespace TrainingCycles.Certificates;

/// <summary>
/// Told whenever certificate rows of a cycle were written or changed (issued, reissued, revoked), so the person's
/// record across cycles (the JP ledger, <c>Records/</c>) follows. Implemented above this capability and registered
/// in the composition root; it reads the stored state itself, so calling it twice is harmless.
/// </summary>
public interface ICertificateLedger
{
    Task CertificatesChangedAsync(string cycleId, IReadOnlyCollection<string> participantIds, CancellationToken cancellationToken);

    /// <summary>
    /// #24: certificates just recorded, with the participant rows they were rendered from. A ledger may use these rows
    /// instead of reading them again, as long as it never lets them replace a newer state (insert-only writes, and
    /// <see cref="CertificatesChangedAsync"/> for whatever is not a plain first issue). By default it is exactly that call.
    /// </summary>
    Task CertificatesIssuedAsync(string cycleId, IReadOnlyList<IssuedCertificate> issued, CancellationToken cancellationToken) =>
        CertificatesChangedAsync(cycleId, [.. issued.Select(i => i.Participant.RowKey)], cancellationToken);

    /// <summary>
    /// #24: certificates an earlier attempt of a batch recorded, which may have failed before telling the ledger. A
    /// ledger that can tell cheaply whom it already knows may skip them; by default it is <see cref="CertificatesChangedAsync"/>.
    /// </summary>
    Task CertificatesRecordedBeforeAsync(string cycleId, IReadOnlyCollection<string> participantIds, CancellationToken cancellationToken) =>
        CertificatesChangedAsync(cycleId, participantIds, cancellationToken);
}

/// <summary>A certificate row just written, and the participant row it was rendered from.</summary>
public sealed record IssuedCertificate(ParticipantEntity Participant, CertificateEntity Certificate);
