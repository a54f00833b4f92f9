using TrainingCycles.Attendance;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Privacy;

/// <summary>
/// #20 excused-absence requests (reason, note, the organizer's decision) and their evidence files: exported, and on
/// erasure the rows and files deleted. The Excused mark an approval wrote is the attendance holder's.
/// </summary>
public sealed class AbsenceHolder(AppTables tables, AbsenceStore store) : IPersonalDataHolder
{
    public string Name => "absence";

    public IReadOnlyList<string> Places => ["table:" + AppTables.Attendance + " (" + AbsenceStore.Partition("{cycleId}") + ")", "blob:" + AbsenceStore.EvidenceContainer];

    public async Task<PersonalDataSection> ExportAsync(PersonalDataSubject subject, CancellationToken cancellationToken)
    {
        var rows = await HolderRows.OfParticipantAsync(await tables.GetAsync(AppTables.Attendance, cancellationToken), AbsenceStore.Partition(subject.CycleId), subject.ParticipantId, cancellationToken);
        return new PersonalDataSection(Name, Places, [.. rows.Select(r => HolderRows.Fields(r,
            nameof(AbsenceRequestEntity.SessionId), nameof(AbsenceRequestEntity.Reason), nameof(AbsenceRequestEntity.Note), nameof(AbsenceRequestEntity.EvidenceContentType),
            nameof(AbsenceRequestEntity.RequestedAt), nameof(AbsenceRequestEntity.Status), nameof(AbsenceRequestEntity.DecidedBy), nameof(AbsenceRequestEntity.DecidedAt),
            nameof(AbsenceRequestEntity.DecisionNote)))]);
    }

    public async Task<ErasureCount> EraseAsync(PersonalDataSubject subject, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.Attendance, cancellationToken);
        var rows = await HolderRows.OfParticipantAsync(table, AbsenceStore.Partition(subject.CycleId), subject.ParticipantId, cancellationToken);
        var erased = 0;
        foreach (var row in rows.Where(r => r.GetString(nameof(AbsenceRequestEntity.EvidenceContentType)) is { Length: > 0 }))
        {
            var blob = store.Evidence.GetBlobClient(AbsenceStore.EvidenceBlobName(subject.CycleId, row.GetString(nameof(AbsenceRequestEntity.SessionId)), subject.ParticipantId));
            if (await BlobErasure.DeleteWithVersionsAsync(blob, cancellationToken))
            {
                erased++;
            }
        }

        return new ErasureCount(Name, erased + await HolderRows.DeleteAsync(table, rows, cancellationToken), []);
    }
}
