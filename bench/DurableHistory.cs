using System.Text.Json.Nodes;
using Azure.Data.Tables;

namespace TrainingCycles.Bench;

/// <summary>One activity call seen in orchestration history: name, when it was scheduled and when it completed.</summary>
public sealed record ActivityCall(string ExecutionId, string Name, DateTimeOffset ScheduledAt, DateTimeOffset? CompletedAt)
{
    public double? Seconds => CompletedAt is { } done ? (done - ScheduledAt).TotalSeconds : null;
}

/// <summary>Rows and bytes of orchestration history in the task hub's History table (<c>&lt;hub&gt;History</c>, PartitionKey = instance id).</summary>
public sealed record HistoryFigures(int Instances, int Rows, long Bytes, int Executions)
{
    public JsonObject ToJson() => new() { ["instances"] = Instances, ["rows"] = Rows, ["bytes"] = Bytes, ["executions"] = Executions };
}

/// <summary>Reads the Durable engine's own tables (Azure Storage provider) with the bench's client.</summary>
public sealed class DurableHistory(BenchWorld world)
{
    private readonly TableClient _history = world.Tables.GetTableClient(world.TaskHub + "History");

    /// <summary>The history rows of one instance (ContinueAsNew keeps the instance id).</summary>
    public Task<List<TableEntity>> RowsAsync(string instanceId) =>
        QueryAsync(TableClient.CreateQueryFilter($"PartitionKey eq {instanceId}"));

    /// <summary>The history rows of every instance whose id starts with <paramref name="prefix"/> (e.g. the participant-mail orchestrations <c>mail-{cycleId}-…</c>).</summary>
    public Task<List<TableEntity>> RowsWithPrefixAsync(string prefix) =>
        QueryAsync(TableClient.CreateQueryFilter($"PartitionKey ge {prefix} and PartitionKey lt {prefix + "~"}"));

    public static HistoryFigures Figures(IReadOnlyList<TableEntity> rows) => new(
        rows.Select(r => r.PartitionKey).Distinct(StringComparer.Ordinal).Count(),
        rows.Count,
        rows.Sum(EntitySize),
        rows.Select(r => r.GetString("ExecutionId")).Where(e => e is not null).Distinct(StringComparer.Ordinal).Count());

    /// <summary>Activity calls found in history rows: TaskScheduled matched with TaskCompleted/TaskFailed in the same execution.</summary>
    public static IEnumerable<ActivityCall> Activities(IEnumerable<TableEntity> rows)
    {
        foreach (var execution in rows.GroupBy(r => r.GetString("ExecutionId") ?? ""))
        {
            var done = execution
                .Where(r => r.GetString("EventType") is "TaskCompleted" or "TaskFailed")
                .GroupBy(r => r.GetInt32("TaskScheduledId") ?? -1)
                .ToDictionary(g => g.Key, g => EventTime(g.First()));
            foreach (var scheduled in execution.Where(r => r.GetString("EventType") == "TaskScheduled"))
            {
                var id = scheduled.GetInt32("EventId") ?? -2;
                yield return new ActivityCall(execution.Key, scheduled.GetString("Name") ?? "", EventTime(scheduled) ?? DateTimeOffset.MinValue, done.GetValueOrDefault(id));
            }
        }
    }

    /// <summary>Billable entity size (Azure Table storage's formula): 4 + 2·len(PK+RK) + Σ(8 + 2·len(name) + size of value).</summary>
    public static long EntitySize(TableEntity entity)
    {
        long size = 4 + (2L * (entity.PartitionKey.Length + entity.RowKey.Length));
        foreach (var (name, value) in entity)
        {
            if (name is "PartitionKey" or "RowKey" || name.StartsWith("odata.", StringComparison.Ordinal))
            {
                continue;
            }

            size += 8 + (2L * name.Length) + value switch
            {
                string s => (2L * s.Length) + 4,
                byte[] b => b.Length + 4L,
                BinaryData d => d.ToMemory().Length + 4L,
                bool => 1,
                int => 4,
                Guid => 16,
                _ => 8, // long, double, DateTimeOffset
            };
        }

        return size;
    }

    private static DateTimeOffset? EventTime(TableEntity row) => row.GetDateTimeOffset("_Timestamp") ?? row.GetDateTimeOffset("Timestamp");

    private async Task<List<TableEntity>> QueryAsync(string filter)
    {
        var rows = new List<TableEntity>();
        try
        {
            await foreach (var row in _history.QueryAsync<TableEntity>(filter))
            {
                rows.Add(row);
            }
        }
        catch (Azure.RequestFailedException e) when (e.Status == 404)
        {
            // No history table (the in-memory engine): no rows.
        }

        return rows;
    }
}
