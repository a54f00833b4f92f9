using Azure.Data.Tables;
using TrainingCycles.Infrastructure;
using TrainingCycles.Records;

namespace TrainingCycles.Privacy;

/// <summary>
/// #22 biodata confirmations and correction requests (the values on file and the values asked for, the organizer's
/// decision): exported, and on erasure deleted. What an accepted correction wrote is the participant row's.
/// </summary>
public sealed class BiodataHolder(AppTables tables) : IPersonalDataHolder
{
    public string Name => "biodata";

    public IReadOnlyList<string> Places => ["table:" + BiodataStore.Table];

    public async Task<PersonalDataSection> ExportAsync(PersonalDataSubject subject, CancellationToken cancellationToken)
    {
        var rows = await HolderRows.OfParticipantAsync(await tables.GetAsync(BiodataStore.Table, cancellationToken), subject.CycleId, subject.ParticipantId, cancellationToken);
        return new PersonalDataSection(Name, Places, [.. rows.Select(r => HolderRows.Fields(r, nameof(TableEntity.RowKey),
            nameof(BiodataEntity.ConfirmedAt), nameof(BiodataEntity.Status), nameof(BiodataEntity.PreviousJson), nameof(BiodataEntity.RequestedJson),
            nameof(BiodataEntity.RequestedAt), nameof(BiodataEntity.DecidedAt), nameof(BiodataEntity.DecidedBy), nameof(BiodataEntity.DecisionReason), nameof(BiodataEntity.AppliedAt)))]);
    }

    public async Task<ErasureCount> EraseAsync(PersonalDataSubject subject, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(BiodataStore.Table, cancellationToken);
        return new ErasureCount(Name, await HolderRows.DeleteAsync(table, await HolderRows.OfParticipantAsync(table, subject.CycleId, subject.ParticipantId, cancellationToken), cancellationToken), []);
    }
}
