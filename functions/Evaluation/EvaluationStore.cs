using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Evaluation;

/// <summary>
/// The <c>Evaluation</c> table's only writer. PK = cycle id, so one cycle's tests, attempts and ratings are one
/// partition (rows findable by cycle id + participant id). Correctness is storage's: attempts are inserted once and
/// changed with If-Match, ratings are insert-only.
/// </summary>
public sealed class EvaluationStore(AppTables tables)
{
    public const string Table = AppTables.Evaluation;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static string TestKey(string kind) => "test-" + kind;

    public static string AttemptKey(string kind, string participantId) => $"attempt-{kind}-{participantId}";

    public static string RatingKey(string target, string participantId) => $"rating-{target}-{participantId}";

    public async Task<TestDefinition?> GetTestAsync(string cycleId, string kind, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table, cancellationToken);
        var row = await table.GetEntityIfExistsAsync<TestEntity>(cycleId, TestKey(kind), cancellationToken: cancellationToken);
        return row.HasValue && row.Value is { } entity ? JsonSerializer.Deserialize<TestDefinition>(entity.DefinitionJson, Json) : null;
    }

    /// <summary>Saves the test unless someone has already submitted it (then false: the scores would no longer match the questions).</summary>
    public async Task<bool> SaveTestAsync(string cycleId, TestDefinition test, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        if ((await ListAttemptsAsync(cycleId, test.Kind, cancellationToken)).Any(a => a.SubmittedAt is not null))
        {
            return false;
        }

        var table = await tables.GetAsync(Table, cancellationToken);
        await table.UpsertEntityAsync(new TestEntity
        {
            PartitionKey = cycleId,
            RowKey = TestKey(test.Kind),
            Kind = test.Kind,
            DefinitionJson = JsonSerializer.Serialize(test, Json),
            UpdatedAt = now,
        }, TableUpdateMode.Replace, cancellationToken);
        return true;
    }

    public async Task<AttemptEntity?> GetAttemptAsync(string cycleId, string kind, string participantId, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table, cancellationToken);
        var row = await table.GetEntityIfExistsAsync<AttemptEntity>(cycleId, AttemptKey(kind, participantId), cancellationToken: cancellationToken);
        return row.HasValue ? row.Value : null;
    }

    /// <summary>The person's attempt, inserted on first open (insert-only: of two first opens one inserts, both read the same row).</summary>
    public async Task<AttemptEntity> StartAsync(string cycleId, string kind, string participantId, DateTimeOffset now, CancellationToken cancellationToken = default, string? noticeVersion = null)
    {
        if (await GetAttemptAsync(cycleId, kind, participantId, cancellationToken) is { } existing)
        {
            return existing;
        }

        var table = await tables.GetAsync(Table, cancellationToken);
        var entity = new AttemptEntity { PartitionKey = cycleId, RowKey = AttemptKey(kind, participantId), Kind = kind, ParticipantId = participantId, StartedAt = now, NoticeVersion = noticeVersion };
        try
        {
            var response = await table.AddEntityAsync(entity, cancellationToken);
            entity.ETag = response.Headers.ETag ?? default;
            return entity;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return (await GetAttemptAsync(cycleId, kind, participantId, cancellationToken))!;
        }
    }

    /// <summary>Writes the attempt back if nobody changed it since it was read; false when storage refused (412).</summary>
    public async Task<bool> ReplaceAsync(AttemptEntity attempt, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table, cancellationToken);
        try
        {
            var response = await table.UpdateEntityAsync(attempt, attempt.ETag, TableUpdateMode.Replace, cancellationToken);
            attempt.ETag = response.Headers.ETag ?? default;
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 412 or 404)
        {
            return false;
        }
    }

    public async Task<IReadOnlyList<AttemptEntity>> ListAttemptsAsync(string cycleId, string kind, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table, cancellationToken);
        var from = $"attempt-{kind}-";
        var to = $"attempt-{kind}.";
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {cycleId} and RowKey ge {from} and RowKey lt {to}");
        var list = new List<AttemptEntity>();
        await foreach (var row in table.QueryAsync<AttemptEntity>(filter, cancellationToken: cancellationToken))
        {
            list.Add(row);
        }

        return list;
    }

    /// <summary>Inserts a rating; false when this person has already rated this target (storage's 409 decides).</summary>
    public async Task<bool> AddRatingAsync(RatingEntity rating, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table, cancellationToken);
        try
        {
            await table.AddEntityAsync(rating, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return false;
        }
    }

    public async Task<RatingEntity?> GetRatingAsync(string cycleId, string target, string participantId, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table, cancellationToken);
        var row = await table.GetEntityIfExistsAsync<RatingEntity>(cycleId, RatingKey(target, participantId), cancellationToken: cancellationToken);
        return row.HasValue ? row.Value : null;
    }

    public async Task<IReadOnlyList<RatingEntity>> ListRatingsAsync(string cycleId, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table, cancellationToken);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {cycleId} and RowKey ge {"rating-"} and RowKey lt {"rating."}");
        var list = new List<RatingEntity>();
        await foreach (var row in table.QueryAsync<RatingEntity>(filter, cancellationToken: cancellationToken))
        {
            list.Add(row);
        }

        return list;
    }

    public static Dictionary<string, int> Answers(AttemptEntity attempt) =>
        JsonSerializer.Deserialize<Dictionary<string, int>>(attempt.AnswersJson, Json) ?? [];

    public static string AnswersJson(IReadOnlyDictionary<string, int> answers) => JsonSerializer.Serialize(answers, Json);
}

/// <summary>Post-test scores for the completion rule (contract with #20: the lead wires these into the rule).</summary>
public sealed class EvaluationScores(EvaluationStore store)
{
    /// <summary>Participant id → post-test score 0–100 of everyone who submitted the post-test.</summary>
    public async Task<IReadOnlyDictionary<string, decimal>> PostTestScoresAsync(string cycleId, CancellationToken ct)
    {
        var attempts = await store.ListAttemptsAsync(cycleId, TestKinds.Post, ct);
        return attempts.Where(a => a.SubmittedAt is not null).ToDictionary(a => a.ParticipantId, a => (decimal)a.Percent, StringComparer.Ordinal);
    }
}
