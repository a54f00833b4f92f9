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

    /// <summary>
    /// A check-in with the shared session code while the session requires presence at the door: held for an
    /// organizer to confirm or reject, and never counted by the completion rule until then. Not a mark an organizer
    /// sets (it is not in <see cref="All"/>).
    /// </summary>
    public const string Pending = nameof(Pending);

    public static readonly IReadOnlyList<string> All = [Present, Late, Excused, Absent];

    public static string? Normalize(string? value) => All.FirstOrDefault(s => string.Equals(s, value?.Trim(), StringComparison.OrdinalIgnoreCase));

    public static string Label(string status, string lang) => status switch
    {
        Present => Text.Get(lang, nameof(Texts.Att_Status_Present)),
        Late => Text.Get(lang, nameof(Texts.Att_Status_Late)),
        Excused => Text.Get(lang, nameof(Texts.Att_Status_Excused)),
        Absent => Text.Get(lang, nameof(Texts.Att_Status_Absent)),
        Pending => Text.Get(lang, nameof(Texts.Att_Status_Pending)),
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

    /// <summary>An organizer at the door scanned the participant's personal QR (presence-bound check-in).</summary>
    public const string Door = "door";
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

/// <summary>
/// Table <c>Attendance</c>, PK = <c>{cycleId}~modes</c> (its own partition, like the throttle's), RK = session id:
/// whether check-in for the session needs presence at the door. No row = the shared session code alone is enough.
/// </summary>
public sealed class CheckInModeEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public bool PresenceRequired { get; set; }
    public string ChangedBy { get; set; } = "";
    public DateTimeOffset ChangedAt { get; set; }
}

public sealed class AttendanceStore(AppTables tables)
{
    public static string ModePartition(string cycleId) => cycleId + "~modes";

    /// <summary>The session's check-in mode as stored now (read on every check-in, so every instance sees a switch at once).</summary>
    public async Task<CheckInModeEntity?> ModeAsync(string cycleId, string sessionId, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.Attendance, cancellationToken);
        var row = await table.GetEntityIfExistsAsync<CheckInModeEntity>(ModePartition(cycleId), sessionId, cancellationToken: cancellationToken);
        return row.HasValue ? row.Value : null;
    }

    public async Task<IReadOnlyDictionary<string, CheckInModeEntity>> ModesAsync(string cycleId, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.Attendance, cancellationToken);
        var result = new Dictionary<string, CheckInModeEntity>(StringComparer.Ordinal);
        await foreach (var row in table.QueryAsync<CheckInModeEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {ModePartition(cycleId)}"), cancellationToken: cancellationToken))
        {
            result[row.RowKey] = row;
        }

        return result;
    }

    /// <summary>Writes the mode; false (nothing written) when it already was that.</summary>
    public async Task<bool> SetModeAsync(string cycleId, string sessionId, bool presenceRequired, string changedBy, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.Attendance, cancellationToken);
        for (var attempt = 0; ; attempt++)
        {
            var current = await ModeAsync(cycleId, sessionId, cancellationToken);
            if ((current?.PresenceRequired ?? false) == presenceRequired)
            {
                return false;
            }

            var row = new CheckInModeEntity { PartitionKey = ModePartition(cycleId), RowKey = sessionId, PresenceRequired = presenceRequired, ChangedBy = changedBy, ChangedAt = now };
            try
            {
                if (current is null)
                {
                    await table.AddEntityAsync(row, cancellationToken);
                }
                else
                {
                    await table.UpdateEntityAsync(row, current.ETag, TableUpdateMode.Replace, cancellationToken);
                }

                return true;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412 && attempt < 5)
            {
                // Another organizer switched it meanwhile: look again (it may already be what we want).
            }
        }
    }

    /// <summary>Replaces a row under its ETag; false when it changed since it was read (412).</summary>
    public async Task<bool> TryReplaceAsync(AttendanceEntity row, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.Attendance, cancellationToken);
        try
        {
            await table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            return false;
        }
    }

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
