using Azure;
using Azure.Data.Tables;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Attendance;

/// <summary>Why a participant asks to be excused (izin): sakit, dinas, keperluan pribadi.</summary>
public static class AbsenceReason
{
    public const string Sick = nameof(Sick);
    public const string OfficialDuty = nameof(OfficialDuty);
    public const string Personal = nameof(Personal);

    public static readonly IReadOnlyList<string> All = [Sick, OfficialDuty, Personal];

    public static string? Normalize(string? value) => All.FirstOrDefault(r => string.Equals(r, value?.Trim(), StringComparison.OrdinalIgnoreCase));

    public static string Label(string reason, string lang) => reason switch
    {
        Sick => Text.Get(lang, nameof(Texts.Absence_Reason_Sick)),
        OfficialDuty => Text.Get(lang, nameof(Texts.Absence_Reason_OfficialDuty)),
        _ => Text.Get(lang, nameof(Texts.Absence_Reason_Personal)),
    };
}

public static class AbsenceStatus
{
    public const string Pending = nameof(Pending);
    public const string Approved = nameof(Approved);
    public const string Rejected = nameof(Rejected);
}

/// <summary>
/// Table <c>Attendance</c>, PK = <c>{cycleId}~absence</c>, RK = <c>{sessionId}|{participantId}</c>: one excused-absence
/// request per person per session (a rejected one may be asked again, replacing it). The same partition holds the roster
/// lock row (RK <see cref="RosterLockEntity.Key"/>), so a request and the lock decide against each other in storage.
/// </summary>
public sealed class AbsenceRequestEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string SessionId { get; set; } = "";
    public string ParticipantId { get; set; } = "";
    public string Reason { get; set; } = AbsenceReason.Personal;
    public string? Note { get; set; }
    public string? EvidenceContentType { get; set; }
    public long EvidenceBytes { get; set; }
    public DateTimeOffset RequestedAt { get; set; }
    public string Status { get; set; } = AbsenceStatus.Pending;
    public string? DecidedBy { get; set; }
    public DateTimeOffset? DecidedAt { get; set; }
    public string? DecisionNote { get; set; }

    /// <summary>How many times it was asked (a new request after a rejection is a new decision mail occurrence).</summary>
    public int Round { get; set; } = 1;

    public string Id => RowKey.Replace('|', '~');
}

/// <summary>The roster lock of a cycle (see <see cref="AbsenceRequestEntity"/> for where it lives).</summary>
public sealed class RosterLockEntity : ITableEntity
{
    public const string Key = "~lock";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = Key;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public bool Locked { get; set; }
    public string? ChangedBy { get; set; }
    public DateTimeOffset? ChangedAt { get; set; }
    public string? ReopenReason { get; set; }
    public int Reopened { get; set; }
}

public sealed class AbsenceStore(AppTables tables, StorageAccount storage)
{
    /// <summary>Private container of evidence files; read only through the organizer's evidence route.</summary>
    public const string EvidenceContainer = "absence-evidence";

    public static string Partition(string cycleId) => cycleId + "~absence";

    public static string Key(string sessionId, string participantId) => sessionId + "|" + participantId;

    /// <summary>The id in routes (<c>{sessionId}~{participantId}</c>) back to a row key; null when it is not one.</summary>
    public static string? KeyOfId(string? id) => id is { Length: > 2 and <= 200 } && id.Count(c => c == '~') == 1 && !id.Contains('|') ? id.Replace('~', '|') : null;

    public static string EvidenceBlobName(string cycleId, string sessionId, string participantId) => $"{cycleId}/{sessionId}/{participantId}";

    public Azure.Storage.Blobs.BlobContainerClient Evidence => storage.Blobs.GetBlobContainerClient(EvidenceContainer);

    public async Task<TableClient> TableAsync(CancellationToken cancellationToken) => await tables.GetAsync(AppTables.Attendance, cancellationToken);

    public async Task<AbsenceRequestEntity?> GetAsync(string cycleId, string rowKey, CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken);
        var row = await table.GetEntityIfExistsAsync<AbsenceRequestEntity>(Partition(cycleId), rowKey, cancellationToken: cancellationToken);
        return row.HasValue ? row.Value : null;
    }

    public async Task<IReadOnlyList<AbsenceRequestEntity>> ListAsync(string cycleId, CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken);
        var result = new List<AbsenceRequestEntity>();
        var partition = Partition(cycleId);
        await foreach (var row in table.QueryAsync<AbsenceRequestEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ne {RosterLockEntity.Key}"), cancellationToken: cancellationToken))
        {
            result.Add(row);
        }

        return result;
    }

    public async Task<RosterLockEntity?> LockAsync(string cycleId, CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken);
        var row = await table.GetEntityIfExistsAsync<RosterLockEntity>(Partition(cycleId), RosterLockEntity.Key, cancellationToken: cancellationToken);
        return row.HasValue ? row.Value : null;
    }

    public async Task<bool> IsLockedAsync(string cycleId, CancellationToken cancellationToken) => (await LockAsync(cycleId, cancellationToken))?.Locked == true;
}
