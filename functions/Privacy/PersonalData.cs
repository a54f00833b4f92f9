namespace TrainingCycles.Privacy;

/// <summary>
/// The person whose data is exported or erased: one participation (cycle + participant id), with the identifying
/// values read once at the start of an erasure (kept in the erasure request row until it finishes, never in the
/// workflow's history) so that holders keyed by email or NIP can find their rows after the participant row is gone.
/// </summary>
public sealed record PersonalDataSubject(string CycleId, string ParticipantId, string? Email, string? Nip, string? FullName, string? Phone);

/// <summary>What one holder keeps about the person: JSON-able records of name → value, and where they live.</summary>
/// <param name="Holder">The holder's <see cref="IPersonalDataHolder.Name"/>.</param>
/// <param name="Places">The tables/containers the records come from (<c>table:Participants</c>, <c>blob:certificates</c>, …).</param>
/// <param name="Records">One dictionary per row or file.</param>
public sealed record PersonalDataSection(string Holder, IReadOnlyList<string> Places, IReadOnlyList<IReadOnlyDictionary<string, string?>> Records);

/// <summary>What an erasure left in place on purpose, and why (stated to the person and in docs/privacy.md).</summary>
/// <param name="WhatKey">Catalog key of what is kept.</param>
/// <param name="WhyKey">Catalog key of why.</param>
public sealed record KeptRecord(string Holder, string WhatKey, string WhyKey);

/// <summary>The outcome of one holder's erasure: how many rows/files it removed or anonymised (a retry finds 0).</summary>
public sealed record ErasureCount(string Holder, int Erased, IReadOnlyList<KeptRecord> Kept);

/// <summary>
/// A place that holds personal data (UU PDP 27/2022: access, erasure). One implementation per store, registered in
/// DI as <c>IPersonalDataHolder</c>; the export and the erasure workflow ask every registered holder, so a new
/// store (nomination letters, evaluation answers…) plugs in with one registration. Both methods are idempotent:
/// erasing twice changes nothing the second time, and exporting never changes anything.
/// </summary>
public interface IPersonalDataHolder
{
    /// <summary>Stable id (used by the workflow to call this holder by name: no personal data).</summary>
    string Name { get; }

    /// <summary>The tables/containers this holder covers (the privacy scan checks each is covered by some holder).</summary>
    IReadOnlyList<string> Places { get; }

    Task<PersonalDataSection> ExportAsync(PersonalDataSubject subject, CancellationToken cancellationToken);

    Task<ErasureCount> EraseAsync(PersonalDataSubject subject, CancellationToken cancellationToken);
}

/// <summary>The registered holders, by name.</summary>
public sealed class PersonalDataRegistry(IEnumerable<IPersonalDataHolder> holders)
{
    /// <summary>The participant row goes first (no mail or link reaches the person after it), the rest by name.</summary>
    private readonly IReadOnlyList<IPersonalDataHolder> _holders = [.. holders.OrderBy(h => h.Name != ParticipantRecordHolder.HolderName).ThenBy(h => h.Name, StringComparer.Ordinal)];

    public IReadOnlyList<IPersonalDataHolder> Holders => _holders;

    public IReadOnlyList<string> Names => [.. _holders.Select(h => h.Name)];

    public IPersonalDataHolder? Find(string name) => _holders.FirstOrDefault(h => h.Name == name);

    public async Task<IReadOnlyList<PersonalDataSection>> ExportAsync(PersonalDataSubject subject, CancellationToken cancellationToken)
    {
        var sections = new List<PersonalDataSection>();
        foreach (var holder in _holders)
        {
            sections.Add(await holder.ExportAsync(subject, cancellationToken));
        }

        return sections;
    }
}
