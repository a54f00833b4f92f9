using System.Globalization;
using Azure.Data.Tables;

namespace TrainingCycles.Infrastructure;

/// <summary>One row per state change a person might ask about. PK = cycle, RK = time-ordered.</summary>
public sealed class AuditEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public Azure.ETag ETag { get; set; }
    public DateTimeOffset At { get; set; }
    public string Actor { get; set; } = "";
    public string Action { get; set; } = "";
    public string? ParticipantId { get; set; }
    public string? Details { get; set; }
}

public sealed record AuditEntry(DateTimeOffset At, string Actor, string Action, string? ParticipantId, string? Details);

public sealed class AuditLog(AppTables tables, TimeProvider time)
{
    public const string System = "system";

    public Task WriteAsync(string cycleId, string actor, string action, string? participantId = null, string? details = null, CancellationToken cancellationToken = default) =>
        WriteManyAsync(cycleId, [new AuditEntry(time.GetUtcNow(), actor, action, participantId, details)], cancellationToken);

    public async Task WriteManyAsync(string cycleId, IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.AuditLog, cancellationToken);
        foreach (var chunk in entries.Chunk(100))
        {
            var actions = chunk.Select(e => new TableTransactionAction(TableTransactionActionType.Add, new AuditEntity
            {
                PartitionKey = cycleId,
                RowKey = RowKeyFor(e.At),
                At = e.At,
                Actor = e.Actor,
                Action = e.Action,
                ParticipantId = e.ParticipantId,
                Details = e.Details,
            })).ToList();
            await table.SubmitTransactionAsync(actions, cancellationToken);
        }
    }

    public async Task<IReadOnlyList<AuditEntry>> ReadAsync(string cycleId, string? participantId = null, int max = 1000, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.AuditLog, cancellationToken);
        var filter = participantId is null
            ? TableClient.CreateQueryFilter($"PartitionKey eq {cycleId}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {cycleId} and ParticipantId eq {participantId}");
        var result = new List<AuditEntry>();
        await foreach (var e in table.QueryAsync<AuditEntity>(filter, cancellationToken: cancellationToken))
        {
            result.Add(new AuditEntry(e.At, e.Actor, e.Action, e.ParticipantId, e.Details));
            if (result.Count >= max)
            {
                break;
            }
        }

        return result;
    }

    // Time-ordered and unique even for entries written in the same tick.
    private static string RowKeyFor(DateTimeOffset at) => at.UtcTicks.ToString("D19", CultureInfo.InvariantCulture) + "-" + Ids.RandomString(6);
}
