using Azure;
using Azure.Data.Tables;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Attendance;

/// <summary>
/// Table <c>Completion</c>, PK = cycle: the organizer's inputs to the completion rule other than attendance marks.
/// RK <c>override|{participantId}</c>: an outcome decided by an organizer, with the reason; RK <c>score|{participantId}</c>:
/// an imported post-test score. Personal data by cycle id + participant id (the score; the reason may name the person).
/// </summary>
public sealed class CompletionOverrideEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string ParticipantId { get; set; } = "";
    public string Outcome { get; set; } = "";
    public string Reason { get; set; } = "";
    public string By { get; set; } = "";
    public DateTimeOffset At { get; set; }
}

public sealed class PostTestScoreEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string ParticipantId { get; set; } = "";

    /// <summary>0-100, stored as a double (Table storage has no decimal); read back rounded to 2 places.</summary>
    public double Score { get; set; }
    public string By { get; set; } = "";
    public DateTimeOffset At { get; set; }
}

/// <summary>Where post-test scores come from. The CSV import is one; the evaluation capability's tests are another (wired at merge; its score wins).</summary>
public interface IPostTestScoreSource
{
    Task<IReadOnlyDictionary<string, decimal>> PostTestScoresAsync(string cycleId, CancellationToken cancellationToken);
}

public sealed class CompletionStore(AppTables tables) : IPostTestScoreSource
{
    public const string OverridePrefix = "override|";
    public const string ScorePrefix = "score|";

    public async Task<IReadOnlyDictionary<string, CompletionOverrideEntity>> OverridesAsync(string cycleId, CancellationToken cancellationToken = default)
    {
        var result = new Dictionary<string, CompletionOverrideEntity>(StringComparer.Ordinal);
        await foreach (var row in RangeAsync<CompletionOverrideEntity>(cycleId, OverridePrefix, cancellationToken))
        {
            result[row.ParticipantId] = row;
        }

        return result;
    }

    public async Task<CompletionOverrideEntity?> OverrideAsync(string cycleId, string participantId, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.Completion, cancellationToken);
        var row = await table.GetEntityIfExistsAsync<CompletionOverrideEntity>(cycleId, OverridePrefix + participantId, cancellationToken: cancellationToken);
        return row.HasValue ? row.Value : null;
    }

    public async Task SetOverrideAsync(string cycleId, string participantId, string outcome, string reason, string by, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.Completion, cancellationToken);
        await table.UpsertEntityAsync(new CompletionOverrideEntity
        {
            PartitionKey = cycleId, RowKey = OverridePrefix + participantId, ParticipantId = participantId, Outcome = outcome, Reason = reason, By = by, At = at,
        }, TableUpdateMode.Replace, cancellationToken);
    }

    /// <summary>Removes the override; false when there was none.</summary>
    public async Task<bool> RemoveOverrideAsync(string cycleId, string participantId, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.Completion, cancellationToken);
        try
        {
            await table.DeleteEntityAsync(cycleId, OverridePrefix + participantId, ETag.All, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return false;
        }
    }

    public async Task<IReadOnlyDictionary<string, decimal>> PostTestScoresAsync(string cycleId, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, decimal>(StringComparer.Ordinal);
        await foreach (var row in RangeAsync<PostTestScoreEntity>(cycleId, ScorePrefix, cancellationToken))
        {
            result[row.ParticipantId] = Math.Round((decimal)row.Score, 2);
        }

        return result;
    }

    /// <summary>Writes imported scores (upserts, in transactions of up to 100): importing the same file again changes nothing.</summary>
    public async Task SaveScoresAsync(string cycleId, IReadOnlyList<(string ParticipantId, decimal Score)> scores, string by, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.Completion, cancellationToken);
        foreach (var chunk in scores.Chunk(100))
        {
            await table.SubmitTransactionAsync(chunk.Select(s => new TableTransactionAction(TableTransactionActionType.UpsertReplace, new PostTestScoreEntity
            {
                PartitionKey = cycleId, RowKey = ScorePrefix + s.ParticipantId, ParticipantId = s.ParticipantId, Score = (double)s.Score, By = by, At = at,
            })), cancellationToken);
        }
    }

    private async IAsyncEnumerable<T> RangeAsync<T>(string cycleId, string prefix, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        where T : class, ITableEntity
    {
        var table = await tables.GetAsync(AppTables.Completion, cancellationToken);
        // '|' + 1 is '}': the key range of one prefix.
        var end = prefix[..^1] + "}";
        await foreach (var row in table.QueryAsync<T>(TableClient.CreateQueryFilter($"PartitionKey eq {cycleId} and RowKey ge {prefix} and RowKey lt {end}"), cancellationToken: cancellationToken))
        {
            yield return row;
        }
    }
}
