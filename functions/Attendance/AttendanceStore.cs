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

/// <summary>What a fenced mark write did: committed, refused because the roster is locked, or raced another write (read again).</summary>
public enum FencedWrite
{
    Written,
    Locked,
    Conflict,
}

/// <summary>
/// Table <c>Attendance</c>, PK = cycle (the marks' own partition), RK = <c>~fence|{sessionId}</c>: the roster lock as the
/// marks see it (#20). The lock row itself lives with the absence requests (<see cref="RosterLockEntity"/>), a different
/// partition, so a transaction cannot read it with a mark; this row is its stand-in next to the marks.
/// </summary>
public sealed class RosterFenceEntity : ITableEntity
{
    public const string Prefix = "~fence|";

    public static string Key(string sessionId) => Prefix + sessionId;

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string SessionId { get; set; } = "";
    public bool Locked { get; set; }

    /// <summary>The lock attempt that set it.</summary>
    public string? Owner { get; set; }

    public DateTimeOffset? ChangedAt { get; set; }
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
        // The roster fence rows (RK "~fence|…") share the partition; every mark key sorts before '~'.
        await foreach (var row in table.QueryAsync<AttendanceEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {cycleId} and RowKey lt {RosterFenceEntity.Prefix}"), cancellationToken: cancellationToken))
        {
            result.Add(row);
        }

        return result;
    }

    /// <summary>The fence row of a session as stored now (null: never written — not locked).</summary>
    public async Task<RosterFenceEntity?> FenceAsync(string cycleId, string sessionId, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.Attendance, cancellationToken);
        var row = await table.GetEntityIfExistsAsync<RosterFenceEntity>(cycleId, RosterFenceEntity.Key(sessionId), cancellationToken: cancellationToken);
        return row.HasValue ? row.Value : null;
    }

    /// <summary>The fence rows of a cycle, by session id.</summary>
    public async Task<IReadOnlyDictionary<string, RosterFenceEntity>> FencesAsync(string cycleId, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.Attendance, cancellationToken);
        var result = new Dictionary<string, RosterFenceEntity>(StringComparer.Ordinal);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {cycleId} and RowKey ge {RosterFenceEntity.Prefix} and RowKey lt {"~fence}"}");
        await foreach (var row in table.QueryAsync<RosterFenceEntity>(filter, cancellationToken: cancellationToken))
        {
            result[row.SessionId] = row;
        }

        return result;
    }

    /// <summary>
    /// Sets the fence of every listed session (the roster lock's first step, and the reopening's): written without a
    /// condition, so from this write on every fenced mark transaction that read the fence before fails (its ETag moved)
    /// and every later one reads it. <paramref name="owner"/> names the lock attempt, so a refused attempt lifts only its own.
    /// </summary>
    public async Task SetFencesAsync(string cycleId, IEnumerable<string> sessionIds, bool locked, string owner, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.Attendance, cancellationToken);
        foreach (var chunk in sessionIds.Chunk(100))
        {
            await table.SubmitTransactionAsync(chunk.Select(s => new TableTransactionAction(TableTransactionActionType.UpsertReplace,
                new RosterFenceEntity { PartitionKey = cycleId, RowKey = RosterFenceEntity.Key(s), SessionId = s, Locked = locked, Owner = owner, ChangedAt = now })), cancellationToken);
        }
    }

    /// <summary>Lifts the fences a refused lock attempt set, each only if nobody wrote it since (another attempt's lock stays).</summary>
    public async Task LiftOwnFencesAsync(string cycleId, string owner, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.Attendance, cancellationToken);
        foreach (var fence in (await FencesAsync(cycleId, cancellationToken)).Values.Where(f => f.Locked && f.Owner == owner))
        {
            fence.Locked = false;
            fence.ChangedAt = now;
            try
            {
                await table.UpdateEntityAsync(fence, fence.ETag, TableUpdateMode.Replace, cancellationToken);
            }
            catch (RequestFailedException e) when (e.Status is 404 or 412)
            {
                // Another lock attempt (or a reopening) wrote it after us: theirs stands.
            }
        }
    }

    /// <summary>
    /// Commits mark writes of one session (at most <see cref="MaxFencedActions"/>, all in the cycle's partition) in one
    /// entity-group transaction together with a merge of the session's fence row under the ETag read here — after the
    /// caller read the rows it replaces. A lock sets the fence first and only then reads the marks, so storage orders
    /// every mark against it: committed before the fence (the lock sees it), or refused (the ETag moved, or the fence
    /// now says locked). See docs/attendance.md, "Locked roster".
    /// </summary>
    public async Task<FencedWrite> SubmitFencedAsync(string cycleId, string sessionId, IReadOnlyList<TableTransactionAction> actions, CancellationToken cancellationToken = default)
    {
        var fence = await FenceAsync(cycleId, sessionId, cancellationToken);
        return await SubmitFencedAsync(cycleId, sessionId, fence, actions, cancellationToken);
    }

    /// <summary>The commit of <see cref="SubmitFencedAsync(string, string, IReadOnlyList{TableTransactionAction}, CancellationToken)"/> under a fence read earlier.</summary>
    public async Task<FencedWrite> SubmitFencedAsync(string cycleId, string sessionId, RosterFenceEntity? fence, IReadOnlyList<TableTransactionAction> actions, CancellationToken cancellationToken = default)
    {
        if (actions.Count is 0 or > MaxFencedActions)
        {
            throw new ArgumentOutOfRangeException(nameof(actions), actions.Count, "1 to 99 actions");
        }

        if (fence?.Locked == true)
        {
            return FencedWrite.Locked;
        }

        var touch = new TableEntity(cycleId, RosterFenceEntity.Key(sessionId)) { [nameof(RosterFenceEntity.SessionId)] = sessionId, [nameof(RosterFenceEntity.Locked)] = false };
        var table = await tables.GetAsync(AppTables.Attendance, cancellationToken);
        try
        {
            await table.SubmitTransactionAsync([.. actions, fence is null
                ? new TableTransactionAction(TableTransactionActionType.Add, touch)
                : new TableTransactionAction(TableTransactionActionType.UpdateMerge, touch, fence.ETag)], cancellationToken);
            return FencedWrite.Written;
        }
        catch (TableTransactionFailedException e) when (e.Status is 404 or 409 or 412)
        {
            return FencedWrite.Conflict;
        }
    }

    /// <summary>One row: added (it must not exist) or replaced under its ETag, fenced like a batch.</summary>
    public Task<FencedWrite> WriteFencedAsync(AttendanceEntity row, bool add, CancellationToken cancellationToken = default) =>
        SubmitFencedAsync(row.PartitionKey, row.SessionId, [add ? new TableTransactionAction(TableTransactionActionType.Add, row) : new TableTransactionAction(TableTransactionActionType.UpdateReplace, row, row.ETag)], cancellationToken);

    public const int MaxFencedActions = 99;

    /// <summary>
    /// How many times a fenced writer tries before it answers "busy": every mark of a session also touches the
    /// session's fence row, so a door rush or several organizers on one session conflict on it (not on each other's
    /// rows) and take turns; with <see cref="BackoffAsync"/>, sixteen tries span a few seconds of contention.
    /// </summary>
    public const int FencedAttempts = 16;

    /// <summary>A short random wait after a fenced write lost the race, growing with the attempt (5 ms to ~0.3 s).</summary>
    public static Task BackoffAsync(int attempt, CancellationToken cancellationToken) =>
        Task.Delay(Random.Shared.Next(5, 20 << Math.Min(attempt, 4)), cancellationToken);

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
