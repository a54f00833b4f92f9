using Azure;
using Azure.Data.Tables;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Reminders;

public static class EmailStatus
{
    public const string Sent = nameof(Sent);
    public const string Rejected = nameof(Rejected);
}

/// <summary>Table <c>EmailLog</c>: PK = cycle, RK = <c>{kind}|{occurrence}|{participantId}</c> — the idempotency key of every email.</summary>
public sealed class EmailLogEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string Kind { get; set; } = "";
    public string Occurrence { get; set; } = "";
    public string ParticipantId { get; set; } = "";
    public string Status { get; set; } = "";
    public DateTimeOffset At { get; set; }
    public string? MessageId { get; set; }
    public string? Error { get; set; }
}

public sealed record EmailLogRecord(string ParticipantId, string Status, string? MessageId, string? Error);

public sealed class EmailLog(AppTables tables, TimeProvider time)
{
    public static string Key(string kind, string occurrence, string participantId) => $"{kind}|{occurrence}|{participantId}";

    /// <summary>Participants for whom this (kind, occurrence) is already settled: sent, or permanently rejected.</summary>
    public async Task<HashSet<string>> HandledAsync(string cycleId, string kind, string occurrence, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.EmailLog, cancellationToken);
        var prefix = $"{kind}|{occurrence}|";
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {cycleId} and RowKey ge {prefix} and RowKey lt {prefix + "\uffff"}");
        var handled = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var row in table.QueryAsync<EmailLogEntity>(filter, select: [nameof(EmailLogEntity.ParticipantId)], cancellationToken: cancellationToken))
        {
            handled.Add(row.ParticipantId);
        }

        return handled;
    }

    /// <summary>The keys (see <see cref="Key"/>) among these that are already settled: point reads, 16 at a time.</summary>
    public async Task<HashSet<string>> HandledKeysAsync(string cycleId, IEnumerable<string> keys, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.EmailLog, cancellationToken);
        var handled = new System.Collections.Concurrent.ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(keys.Distinct(StringComparer.Ordinal), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (key, ct) =>
        {
            if ((await table.GetEntityIfExistsAsync<EmailLogEntity>(cycleId, key, select: [nameof(EmailLogEntity.ParticipantId)], cancellationToken: ct)).HasValue)
            {
                handled[key] = true;
            }
        });
        return [.. handled.Keys];
    }

    public Task RecordAsync(string cycleId, string kind, string occurrence, IReadOnlyList<EmailLogRecord> records, CancellationToken cancellationToken = default) =>
        RecordAsync(cycleId, kind, [.. records.Select(r => (occurrence, r))], cancellationToken);

    /// <summary>Records outcomes that may each belong to a different occurrence (one-person mails sent together).</summary>
    public async Task RecordAsync(string cycleId, string kind, IReadOnlyList<(string Occurrence, EmailLogRecord Record)> records, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.EmailLog, cancellationToken);
        var now = time.GetUtcNow();
        foreach (var chunk in records.Chunk(100))
        {
            var actions = chunk.Select(x => (x.Occurrence, R: x.Record)).Select(x => new TableTransactionAction(TableTransactionActionType.UpsertReplace, new EmailLogEntity
            {
                PartitionKey = cycleId,
                RowKey = Key(kind, x.Occurrence, x.R.ParticipantId),
                Kind = kind,
                Occurrence = x.Occurrence,
                ParticipantId = x.R.ParticipantId,
                Status = x.R.Status,
                At = now,
                MessageId = x.R.MessageId,
                Error = x.R.Error,
            })).ToList();
            await table.SubmitTransactionAsync(actions, cancellationToken);
        }
    }

    public async Task<IReadOnlyList<EmailLogEntity>> ForCycleAsync(string cycleId, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.EmailLog, cancellationToken);
        var result = new List<EmailLogEntity>();
        // Not the wave leases and send intents ("~lease|…", "~batch|…"): only mails.
        await foreach (var row in table.QueryAsync<EmailLogEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {cycleId} and RowKey lt {"~"}"), cancellationToken: cancellationToken))
        {
            result.Add(row);
        }

        return result;
    }
}
