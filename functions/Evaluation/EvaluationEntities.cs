using Azure;
using Azure.Data.Tables;

namespace TrainingCycles.Evaluation;

/// <summary>The two tests of a cycle: before the first session and after the last.</summary>
public static class TestKinds
{
    public const string Pre = "pre";
    public const string Post = "post";

    public static bool IsKnown(string? kind) => kind is Pre or Post;
}

/// <summary>A question's type: one of several options, or true/false (options "Benar"/"Salah", answer 0 or 1).</summary>
public static class QuestionTypes
{
    public const string Choice = "choice";
    public const string TrueFalse = "truefalse";
}

/// <summary>One question as the organizer defines it. <see cref="Answer"/> is the 0-based index of the correct option.</summary>
public sealed record TestQuestion(string Id, string Type, string Text, IReadOnlyList<string> Options, int Answer, int Points);

/// <summary>What an organizer sends (JSON) for a test; times ISO-8601 (offset, or the cycle's zone when omitted).</summary>
public sealed record TestDefinitionRequest
{
    public string? OpensAt { get; init; }
    public string? ClosesAt { get; init; }
    public int? TimeLimitMinutes { get; init; }
    public IReadOnlyList<TestQuestionRequest>? Questions { get; init; }
}

public sealed record TestQuestionRequest
{
    public string? Id { get; init; }
    public string? Type { get; init; }
    public string? Text { get; init; }
    public IReadOnlyList<string>? Options { get; init; }

    /// <summary>0-based index of the correct option; for true/false also "true"/"false" through <see cref="Correct"/>.</summary>
    public int? Answer { get; init; }
    public bool? Correct { get; init; }
    public int? Points { get; init; }
}

/// <summary>A validated test: window in UTC and its questions.</summary>
public sealed record TestDefinition(string Kind, DateTimeOffset OpensAt, DateTimeOffset ClosesAt, int? TimeLimitMinutes, IReadOnlyList<TestQuestion> Questions)
{
    public int MaxPoints => Questions.Sum(q => q.Points);

    public bool IsOpenAt(DateTimeOffset now) => now >= OpensAt && now < ClosesAt;
}

/// <summary>Table <c>Evaluation</c>, PK = cycle id, RK <c>test-{kind}</c>: one test definition (no personal data).</summary>
public sealed class TestEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Kind { get; set; } = "";
    public string DefinitionJson { get; set; } = "";
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>
/// RK <c>attempt-{kind}-{participantId}</c>: one person's attempt. Inserted when they first open the test (the time
/// limit counts from <see cref="StartedAt"/>), answers saved with the row's ETag, submitted once: the submit is an
/// If-Match replace, so of two concurrent submits storage lets exactly one through.
/// </summary>
public sealed class AttemptEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Kind { get; set; } = "";
    public string ParticipantId { get; set; } = "";
    public DateTimeOffset StartedAt { get; set; }

    /// <summary>JSON object question id → chosen option index.</summary>
    public string AnswersJson { get; set; } = "{}";
    public DateTimeOffset? SubmittedAt { get; set; }
    public int Points { get; set; }
    public int MaxPoints { get; set; }

    /// <summary>0–100, two decimals (stored as double: Table storage has no decimal).</summary>
    public double Percent { get; set; }

    /// <summary>Question ids answered correctly, comma-separated (the per-question results).</summary>
    public string CorrectIds { get; set; } = "";

    /// <summary>#23: the version of the cycle's privacy notice the form showed when the attempt began (server-decided).</summary>
    public string? NoticeVersion { get; set; }
}

/// <summary>
/// RK <c>rating-{target}-{participantId}</c>: one person's rating of a session (target = session id) or of the
/// organisation (target <c>org</c>). Insert-only: a second rating is refused by storage.
/// </summary>
public sealed class RatingEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Target { get; set; } = "";
    public string ParticipantId { get; set; } = "";

    /// <summary>The scores 1–5 of the fixed items, in item order, comma-separated.</summary>
    public string Scores { get; set; } = "";

    /// <summary>Plain text, bounded (<see cref="Ratings.MaxCommentLength"/>).</summary>
    public string Comment { get; set; } = "";
    public DateTimeOffset SubmittedAt { get; set; }

    /// <summary>#23: the version of the cycle's privacy notice the form showed (server-decided).</summary>
    public string? NoticeVersion { get; set; }
}
