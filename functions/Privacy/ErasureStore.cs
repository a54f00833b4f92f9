using Azure;
using Azure.Data.Tables;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Privacy;

/// <summary>
/// Table <c>ErasureRequests</c>: PK = cycle, RK = participant id. While an erasure runs, the row holds the values
/// the holders need to find the person (email, NIP, name, phone — read from the participant row at the start) and
/// the receipt address; when it finishes they are cleared and the row keeps only ids, times and counts: the proof
/// that the erasure was done, and when.
/// </summary>
public sealed class ErasureRequestEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string? Email { get; set; }
    public string? Nip { get; set; }
    public string? FullName { get; set; }
    public string? Phone { get; set; }
    public string Language { get; set; } = "id";
    public string Reason { get; set; } = "";
    public string Status { get; set; } = ErasureStatus.Running;
    public DateTimeOffset RequestedAt { get; set; }
    public DateTimeOffset? ReceiptSentAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    public string? Counts { get; set; }
}

public static class ErasureStatus
{
    public const string Running = nameof(Running);
    public const string Done = nameof(Done);
}

/// <summary>Why an erasure runs (a code, never free text: it is in the workflow's input).</summary>
public static class ErasureReason
{
    public const string Request = "request";
    public const string ConsentWithdrawn = "consent-withdrawn";
    public const string Retention = "retention";

    public static readonly IReadOnlyList<string> All = [Request, ConsentWithdrawn, Retention];
}

public sealed class ErasureStore(AppTables tables, ParticipantStore participants, TimeProvider time)
{
    public async Task<ErasureRequestEntity?> GetAsync(string cycleId, string participantId, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.ErasureRequests, cancellationToken);
        var row = await table.GetEntityIfExistsAsync<ErasureRequestEntity>(cycleId, participantId, cancellationToken: cancellationToken);
        return row.HasValue ? row.Value : null;
    }

    /// <summary>Writes the request row from the participant row unless it exists (a retry keeps the first).</summary>
    public async Task<ErasureRequestEntity> BeginAsync(string cycleId, string participantId, string reason, CancellationToken cancellationToken = default)
    {
        if (await GetAsync(cycleId, participantId, cancellationToken) is { } existing)
        {
            return existing;
        }

        var p = await participants.GetAsync(cycleId, participantId, cancellationToken);
        var row = new ErasureRequestEntity
        {
            PartitionKey = cycleId,
            RowKey = participantId,
            Email = p?.Email is { Length: > 0 } email ? email : null,
            Nip = p?.Nip,
            FullName = p?.FullName,
            Phone = p?.Phone,
            Language = p?.Language ?? "id",
            Reason = reason,
            RequestedAt = time.GetUtcNow(),
        };
        var table = await tables.GetAsync(AppTables.ErasureRequests, cancellationToken);
        try
        {
            await table.AddEntityAsync(row, cancellationToken);
            return row;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return (await GetAsync(cycleId, participantId, cancellationToken))!;
        }
    }

    public static PersonalDataSubject Subject(ErasureRequestEntity row) => new(row.PartitionKey, row.RowKey, row.Email, row.Nip, row.FullName, row.Phone);

    public async Task MarkReceiptSentAsync(ErasureRequestEntity row, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.ErasureRequests, cancellationToken);
        await table.UpdateEntityAsync(new TableEntity(row.PartitionKey, row.RowKey) { [nameof(ErasureRequestEntity.ReceiptSentAt)] = time.GetUtcNow() }, ETag.All, TableUpdateMode.Merge, cancellationToken);
    }

    /// <summary>Clears the identifying values: the row keeps ids, times and counts only.</summary>
    public async Task FinishAsync(string cycleId, string participantId, string counts, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.ErasureRequests, cancellationToken);
        var row = await GetAsync(cycleId, participantId, cancellationToken);
        if (row is null)
        {
            return;
        }

        row.Email = null;
        row.Nip = null;
        row.FullName = null;
        row.Phone = null;
        row.Status = ErasureStatus.Done;
        row.CompletedAt ??= time.GetUtcNow();
        row.Counts = counts;
        await table.UpsertEntityAsync(row, TableUpdateMode.Replace, cancellationToken);
    }
}
