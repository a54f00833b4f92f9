using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;

namespace TrainingCycles.Infrastructure;

/// <summary>One row per state change a person might ask about, and per look at personal data. PK = cycle (or
/// <see cref="AuditLog.GlobalPartition"/> for actions outside a cycle, such as role grants), RK = time-ordered.
/// Rows are only ever inserted: nothing in the app updates or deletes them.</summary>
public sealed class AuditEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public DateTimeOffset At { get; set; }

    /// <summary>The name shown for who acted (a person's display name, a service identity, "system", "participant").</summary>
    public string Actor { get; set; } = "";

    /// <summary>The stable id of who acted (<c>aad:…</c>, <c>email:…</c>, <c>service:…</c>, <c>system</c>, <c>participant</c>).</summary>
    public string? ActorId { get; set; }

    /// <summary>How they proved it: <c>easyauth</c>, <c>email</c>, <c>service</c>, <c>link</c> (a participant's signed link), <c>system</c>.</summary>
    public string? ActorMethod { get; set; }

    /// <summary>Where the request came from (the client address the host saw); empty for the workflow.</summary>
    public string? From { get; set; }

    public string Action { get; set; } = "";
    public string? ParticipantId { get; set; }
    public string? Details { get; set; }

    /// <summary>JSON of the changed fields before and after the change, where the action changes a record.</summary>
    public string? Before { get; set; }

    public string? After { get; set; }
}

/// <summary>Who acted, as the audit trail records it.</summary>
/// <param name="Id">Stable id (see <see cref="AuditEntity.ActorId"/>).</param>
/// <param name="Name">Display name.</param>
/// <param name="Method">How they proved who they are.</param>
/// <param name="From">Client address, when the action came through HTTP.</param>
public sealed record AuditActor(string Id, string Name, string Method, string? From = null)
{
    /// <summary>The workflow and timers: nobody in particular.</summary>
    public static readonly AuditActor System = new(AuditLog.System, AuditLog.System, AuditLog.System);

    /// <summary>A participant acting through their own signed link or the open form.</summary>
    public static AuditActor Participant(string? from = null) => new(AuditLog.Participant, AuditLog.Participant, "link", from);
}

public sealed record AuditEntry(DateTimeOffset At, string Actor, string Action, string? ParticipantId, string? Details)
{
    public string? ActorId { get; init; }
    public string? ActorMethod { get; init; }
    public string? From { get; init; }
    public string? Before { get; init; }
    public string? After { get; init; }

    /// <summary>The cycle the entry belongs to (null for entries outside a cycle).</summary>
    public string? CycleId { get; init; }

    public static AuditEntry By(AuditActor actor, DateTimeOffset at, string action, string? participantId = null, string? details = null, object? before = null, object? after = null) =>
        new(at, actor.Name, action, participantId, details)
        {
            ActorId = actor.Id,
            ActorMethod = actor.Method,
            From = actor.From,
            Before = before is null ? null : JsonSerializer.Serialize(before, AuditLog.Json),
            After = after is null ? null : JsonSerializer.Serialize(after, AuditLog.Json),
        };
}

/// <summary>Filters for the administrators' view of the trail.</summary>
public sealed record AuditQuery(string? CycleId = null, string? ActorId = null, string? ParticipantId = null, string? ActionPrefix = null, int Max = 500);

public sealed class AuditLog(AppTables tables, TimeProvider time)
{
    public const string System = "system";
    public const string Participant = "participant";

    /// <summary>Partition of entries that belong to no cycle (role grants, sign-ins refused…).</summary>
    public const string GlobalPartition = "_global";

    /// <summary>A look at the same personal data by the same person is recorded once per this window (the dashboard
    /// re-reads lists as people work; one row per refresh would bury the changes).</summary>
    public static readonly TimeSpan ViewWindow = TimeSpan.FromMinutes(10);

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = false };

    public Task WriteAsync(string cycleId, AuditActor actor, string action, string? participantId = null, string? details = null, CancellationToken cancellationToken = default) =>
        WriteManyAsync(cycleId, [AuditEntry.By(actor, time.GetUtcNow(), action, participantId, details)], cancellationToken);

    /// <summary>A change to a record: the fields it changed, before and after (either may be null: created, removed).</summary>
    public Task WriteChangeAsync(string cycleId, AuditActor actor, string action, string? participantId, string? details, object? before, object? after, CancellationToken cancellationToken = default) =>
        WriteManyAsync(cycleId, [AuditEntry.By(actor, time.GetUtcNow(), action, participantId, details, before, after)], cancellationToken);

    /// <summary>Entries by the workflow (<see cref="System"/>) or a participant (<see cref="Participant"/>).</summary>
    public Task WriteAsync(string cycleId, string actor, string action, string? participantId = null, string? details = null, CancellationToken cancellationToken = default) =>
        WriteAsync(cycleId, actor == System ? AuditActor.System : actor == Participant ? AuditActor.Participant() : new AuditActor(actor, actor, "unknown"), action, participantId, details, cancellationToken);

    public async Task WriteManyAsync(string cycleId, IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.AuditLog, cancellationToken);
        foreach (var chunk in entries.Chunk(100))
        {
            var actions = chunk.Select(e => new TableTransactionAction(TableTransactionActionType.Add, ToEntity(cycleId, RowKeyFor(e.At), e))).ToList();
            await table.SubmitTransactionAsync(actions, cancellationToken);
        }
    }

    /// <summary>
    /// Records that <paramref name="actor"/> looked at personal data (UU PDP: who saw whose data). One row per
    /// person, cycle, kind of view and subject per <see cref="ViewWindow"/>: the row key is derived from those, so
    /// a repeated look inside the window is an insert that conflicts and is dropped — decided by storage, on any
    /// instance.
    /// </summary>
    public async Task ViewedAsync(string cycleId, AuditActor actor, string what, string? participantId = null, string? details = null, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var window = now.UtcTicks / ViewWindow.Ticks;
        var key = $"{window * ViewWindow.Ticks:D19}-view-{Ids.IndexHash(cycleId, $"{actor.Id}|{what}|{participantId}")}";
        var table = await tables.GetAsync(AppTables.AuditLog, cancellationToken);
        try
        {
            await table.AddEntityAsync(ToEntity(cycleId, key, AuditEntry.By(actor, now, "view." + what, participantId, details)), cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            // Already recorded in this window.
        }
    }

    public async Task<IReadOnlyList<AuditEntry>> ReadAsync(string cycleId, string? participantId = null, int max = 1000, CancellationToken cancellationToken = default) =>
        await QueryAsync(new AuditQuery(cycleId, ParticipantId: participantId, Max: max), cancellationToken);

    /// <summary>The trail for administrators, newest last: by cycle (one partition), by who acted and/or by whose
    /// record. Without a cycle the query scans the table's partitions — fine for an agency's volume, bounded by Max.</summary>
    public async Task<IReadOnlyList<AuditEntry>> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.AuditLog, cancellationToken);
        var filters = new List<string>();
        if (query.CycleId is { } cycleId)
        {
            filters.Add(TableClient.CreateQueryFilter($"PartitionKey eq {cycleId}"));
        }

        if (query.ActorId is { } actorId)
        {
            filters.Add(TableClient.CreateQueryFilter($"ActorId eq {actorId}"));
        }

        if (query.ParticipantId is { } participantId)
        {
            filters.Add(TableClient.CreateQueryFilter($"ParticipantId eq {participantId}"));
        }

        if (query.ActionPrefix is { Length: > 0 } prefix)
        {
            // Range on the string: every action that starts with the prefix.
            filters.Add(TableClient.CreateQueryFilter($"Action ge {prefix} and Action lt {prefix + '\uffff'}"));
        }

        var filter = filters.Count == 0 ? null : string.Join(" and ", filters.Select(f => "(" + f + ")"));
        var result = new List<AuditEntry>();
        await foreach (var e in table.QueryAsync<AuditEntity>(filter, cancellationToken: cancellationToken))
        {
            result.Add(new AuditEntry(e.At, e.Actor, e.Action, e.ParticipantId, e.Details)
            {
                ActorId = e.ActorId ?? e.Actor,
                ActorMethod = e.ActorMethod,
                From = e.From,
                Before = e.Before,
                After = e.After,
                CycleId = e.PartitionKey == GlobalPartition ? null : e.PartitionKey,
            });
            if (result.Count >= Math.Clamp(query.Max, 1, 5000))
            {
                break;
            }
        }

        return result;
    }

    private static AuditEntity ToEntity(string partition, string rowKey, AuditEntry e) => new()
    {
        PartitionKey = partition,
        RowKey = rowKey,
        At = e.At,
        Actor = e.Actor,
        ActorId = e.ActorId ?? e.Actor,
        ActorMethod = e.ActorMethod,
        From = e.From,
        Action = e.Action,
        ParticipantId = e.ParticipantId,
        Details = e.Details,
        Before = e.Before,
        After = e.After,
    };

    // Time-ordered and unique even for entries written in the same tick.
    private static string RowKeyFor(DateTimeOffset at) => at.UtcTicks.ToString("D19", CultureInfo.InvariantCulture) + "-" + Ids.RandomString(6);
}
