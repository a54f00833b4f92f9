using Azure;
using Azure.Data.Tables;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Attendance;

public static class AttendanceStatus
{
    public const string Present = nameof(Present);
    public const string Late = nameof(Late);
    public const string Excused = nameof(Excused);
    public const string Absent = nameof(Absent);

    public static readonly IReadOnlyList<string> All = [Present, Late, Excused, Absent];

    public static string? Normalize(string? value) => All.FirstOrDefault(s => string.Equals(s, value?.Trim(), StringComparison.OrdinalIgnoreCase));

    public static string Label(string status, string lang) => (status, lang) switch
    {
        (Present, "en") => "present",
        (Late, "en") => "late",
        (Excused, "en") => "excused",
        (Absent, "en") => "absent",
        (Present, _) => "hadir",
        (Late, _) => "terlambat",
        (Excused, _) => "izin",
        (Absent, _) => "tidak hadir",
        _ => status,
    };
}

/// <summary>Who wrote an attendance row.</summary>
public static class AttendanceSource
{
    /// <summary>The participant, with the session code (never overwrites anything).</summary>
    public const string Self = "self";

    /// <summary>An organizer through the roster (<c>PUT …/sessions/{sessionId}/attendance</c>).</summary>
    public const string Roster = "roster";

    /// <summary>The workflow: no mark when the session ended → absent.</summary>
    public const string Auto = "auto";
}

/// <summary>Table <c>Attendance</c>: PK = cycle, RK = <c>{sessionId}|{participantId}</c>. Written by HTTP functions, not events.</summary>
public sealed class AttendanceEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string SessionId { get; set; } = "";
    public string ParticipantId { get; set; } = "";
    public string Status { get; set; } = AttendanceStatus.Present;
    public DateTimeOffset? CheckedInAt { get; set; }
    public string Source { get; set; } = "";
    public string? MarkedBy { get; set; }
    public DateTimeOffset MarkedAt { get; set; }
    public string? Note { get; set; }
}

public sealed class AttendanceStore(AppTables tables)
{
    public static string Key(string sessionId, string participantId) => sessionId + "|" + participantId;

    public async Task<IReadOnlyList<AttendanceEntity>> ForCycleAsync(string cycleId, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.Attendance, cancellationToken);
        var result = new List<AttendanceEntity>();
        await foreach (var row in table.QueryAsync<AttendanceEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {cycleId}"), cancellationToken: cancellationToken))
        {
            result.Add(row);
        }

        return result;
    }

    /// <summary>The rows of one session (a key range: <c>{sessionId}|</c> up to <c>{sessionId}}</c>, since '}' follows '|').</summary>
    public async Task<IReadOnlyList<AttendanceEntity>> ForSessionAsync(string cycleId, string sessionId, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.Attendance, cancellationToken);
        var result = new List<AttendanceEntity>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {cycleId} and RowKey ge {sessionId + "|"} and RowKey lt {sessionId + "}"}");
        await foreach (var row in table.QueryAsync<AttendanceEntity>(filter, cancellationToken: cancellationToken))
        {
            result.Add(row);
        }

        return result;
    }

    public async Task<AttendanceEntity?> GetAsync(string cycleId, string sessionId, string participantId, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.Attendance, cancellationToken);
        var row = await table.GetEntityIfExistsAsync<AttendanceEntity>(cycleId, Key(sessionId, participantId), cancellationToken: cancellationToken);
        return row.HasValue ? row.Value : null;
    }

    /// <summary>Inserts a row only if none exists (a check-in never overwrites an organizer's mark). False if one existed.</summary>
    public async Task<bool> TryAddAsync(AttendanceEntity row, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.Attendance, cancellationToken);
        try
        {
            await table.AddEntityAsync(row, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return false;
        }
    }

    public async Task UpsertManyAsync(string cycleId, IReadOnlyList<AttendanceEntity> rows, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.Attendance, cancellationToken);
        foreach (var chunk in rows.Chunk(100))
        {
            await table.SubmitTransactionAsync(chunk.Select(r => new TableTransactionAction(TableTransactionActionType.UpsertReplace, r)), cancellationToken);
        }
    }

    /// <summary>Adds rows that do not exist yet (auto-absent); rows that appear concurrently win.</summary>
    public async Task<int> AddMissingAsync(string cycleId, IReadOnlyList<AttendanceEntity> rows, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.Attendance, cancellationToken);
        var added = 0;
        foreach (var chunk in rows.Chunk(100))
        {
            try
            {
                await table.SubmitTransactionAsync(chunk.Select(r => new TableTransactionAction(TableTransactionActionType.Add, r)), cancellationToken);
                added += chunk.Length;
            }
            catch (TableTransactionFailedException e) when (e.Status == 409)
            {
                foreach (var row in chunk)
                {
                    added += await TryAddAsync(row, cancellationToken) ? 1 : 0;
                }
            }
        }

        return added;
    }
}
