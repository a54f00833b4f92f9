using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Records;

/// <summary>The fields a participant confirms before documents are issued, in the order the page shows them.</summary>
public static class BiodataFields
{
    public const string FullName = "fullName";
    public const string Nip = "nip";
    public const string BirthPlace = "birthPlace";
    public const string BirthDate = "birthDate";
    public const string Rank = "rank";
    public const string Position = "position";
    public const string Agency = "agency";

    public static readonly IReadOnlyList<string> All = [FullName, Nip, BirthPlace, BirthDate, Rank, Position, Agency];
}

public static class BiodataStatus
{
    public const string Pending = nameof(Pending);
    public const string Accepted = nameof(Accepted);
    public const string Rejected = nameof(Rejected);
}

/// <summary>
/// Table <c>Biodata</c>, PK = cycle id. RK <c>c-{participantId}</c>: the person confirmed "as printed" (insert-only, the
/// first confirmation's time stays). RK <c>r-{participantId}-{nnn}</c>: a correction request — the values on file when
/// asked and the values asked for (personal data: Privacy/BiodataHolder exports and erases the rows),
/// then the organizer's decision and, for an accepted one, when it was applied and which certificate it reissued.
/// </summary>
public sealed class BiodataEntity : ITableEntity
{
    public const string ConfirmationPrefix = "c-";
    public const string RequestPrefix = "r-";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string ParticipantId { get; set; } = "";
    public DateTimeOffset? ConfirmedAt { get; set; }

    public string? Status { get; set; }

    /// <summary>JSON object field → value asked for (only the fields that change).</summary>
    public string? RequestedJson { get; set; }

    /// <summary>JSON object field → value on file when the request was made.</summary>
    public string? PreviousJson { get; set; }
    public DateTimeOffset? RequestedAt { get; set; }
    public DateTimeOffset? DecidedAt { get; set; }
    public string? DecidedBy { get; set; }
    public string? DecisionReason { get; set; }
    public DateTimeOffset? AppliedAt { get; set; }

    /// <summary>The participant row's Timestamp right after the correction was written: a certificate rendered from an
    /// older version of the row (<c>CertificateEntity.SourceRowAt</c> before this) still prints the old data.</summary>
    public DateTimeOffset? AppliedRowAt { get; set; }

    /// <summary>Applied, Unchanged or NipTaken (what the accepted correction did to the participant row).</summary>
    public string? ApplyOutcome { get; set; }

    /// <summary>The certificate in force when an accepted correction came after issue: the one the reissue replaces.</summary>
    public string? ReissueOf { get; set; }

    public IReadOnlyDictionary<string, string?> RequestedValues() => Parse(RequestedJson);

    public IReadOnlyDictionary<string, string?> PreviousValues() => Parse(PreviousJson);

    public static string Json(IReadOnlyDictionary<string, string?> values) => JsonSerializer.Serialize(values);

    private static Dictionary<string, string?> Parse(string? json) =>
        string.IsNullOrEmpty(json) ? [] : JsonSerializer.Deserialize<Dictionary<string, string?>>(json) ?? [];
}

/// <summary>The biodata table's reads and writes: storage decides (insert-only confirmations, request keys that a
/// double submit collides on, decisions under the row's ETag).</summary>
public sealed class BiodataStore(AppTables tables)
{
    public const string Table = AppTables.Biodata;
    public const int MaxRequestsPerPerson = 20;

    public static string ConfirmationKey(string participantId) => BiodataEntity.ConfirmationPrefix + participantId;

    public static string RequestKey(string participantId, int seq) => BiodataEntity.RequestPrefix + participantId + "-" + seq.ToString("D3", CultureInfo.InvariantCulture);

    /// <summary>True for a string that can be a request's row key (route values are checked before any read).</summary>
    public static bool LooksLikeRequestKey(string? key) =>
        key is { Length: > 6 and < 80 } && key.StartsWith(BiodataEntity.RequestPrefix, StringComparison.Ordinal) && key.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    private Task<TableClient> TableAsync(CancellationToken ct) => tables.GetAsync(Table, ct);

    /// <summary>Stores the confirmation once; a repeat keeps the first time. Returns the stored row.</summary>
    public async Task<BiodataEntity> ConfirmAsync(string cycleId, string participantId, DateTimeOffset now, CancellationToken ct)
    {
        var table = await TableAsync(ct);
        var row = new BiodataEntity { PartitionKey = cycleId, RowKey = ConfirmationKey(participantId), ParticipantId = participantId, ConfirmedAt = now };
        try
        {
            await table.AddEntityAsync(row, ct);
            return row;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return (await table.GetEntityAsync<BiodataEntity>(cycleId, row.RowKey, cancellationToken: ct)).Value;
        }
    }

    public async Task<IReadOnlyList<BiodataEntity>> ListAsync(string cycleId, CancellationToken ct)
    {
        var table = await TableAsync(ct);
        var rows = new List<BiodataEntity>();
        await foreach (var row in table.QueryAsync<BiodataEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {cycleId}"), cancellationToken: ct))
        {
            rows.Add(row);
        }

        return rows;
    }

    /// <summary>The person's confirmation (if any) and their requests, oldest first.</summary>
    public async Task<(BiodataEntity? Confirmation, IReadOnlyList<BiodataEntity> Requests)> ForParticipantAsync(string cycleId, string participantId, CancellationToken ct)
    {
        var table = await TableAsync(ct);
        var confirmation = await table.GetEntityIfExistsAsync<BiodataEntity>(cycleId, ConfirmationKey(participantId), cancellationToken: ct);
        var prefix = BiodataEntity.RequestPrefix + participantId + "-";
        var requests = new List<BiodataEntity>();
        await foreach (var row in table.QueryAsync<BiodataEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {cycleId} and RowKey ge {prefix} and RowKey lt {prefix[..^1] + "."}"), cancellationToken: ct))
        {
            requests.Add(row);
        }

        return (confirmation.HasValue ? confirmation.Value : null, [.. requests.OrderBy(r => r.RowKey, StringComparer.Ordinal)]);
    }

    public async Task<BiodataEntity?> GetAsync(string cycleId, string rowKey, CancellationToken ct)
    {
        if (!LooksLikeRequestKey(rowKey))
        {
            return null;
        }

        var response = await (await TableAsync(ct)).GetEntityIfExistsAsync<BiodataEntity>(cycleId, rowKey, cancellationToken: ct);
        return response.HasValue ? response.Value : null;
    }

    /// <summary>
    /// Adds a pending request under the next key. Two submits at once race for the same key: the insert decides, and
    /// the loser gets null (as does a person whose last request is still pending).
    /// </summary>
    public async Task<BiodataEntity?> AddRequestAsync(string cycleId, string participantId, IReadOnlyDictionary<string, string?> requested, IReadOnlyDictionary<string, string?> previous, DateTimeOffset now, CancellationToken ct)
    {
        var (_, existing) = await ForParticipantAsync(cycleId, participantId, ct);
        if (existing.Any(r => r.Status == BiodataStatus.Pending) || existing.Count >= MaxRequestsPerPerson)
        {
            return null;
        }

        var row = new BiodataEntity
        {
            PartitionKey = cycleId,
            RowKey = RequestKey(participantId, existing.Count + 1),
            ParticipantId = participantId,
            Status = BiodataStatus.Pending,
            RequestedJson = BiodataEntity.Json(requested),
            PreviousJson = BiodataEntity.Json(previous),
            RequestedAt = now,
        };
        try
        {
            await (await TableAsync(ct)).AddEntityAsync(row, ct);
            return row;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return null;
        }
    }

    /// <summary>Replaces the row under its ETag; false when someone changed it first.</summary>
    public async Task<bool> TryReplaceAsync(BiodataEntity row, CancellationToken ct)
    {
        try
        {
            var response = await (await TableAsync(ct)).UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, ct);
            row.ETag = response.Headers.ETag ?? row.ETag;
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return false;
        }
    }
}
