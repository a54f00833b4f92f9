using Azure;
using Azure.Data.Tables;

namespace TrainingCycles.Cycles;

/// <summary>Table <c>Cycles</c>: PK <c>cycle</c>, RK = cycle id. One small row per cycle; the list is one partition.</summary>
public sealed class CycleEntity : ITableEntity
{
    public const string Partition = "cycle";

    public string PartitionKey { get; set; } = Partition;
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Title { get; set; } = "";
    public string TimeZone { get; set; } = "";
    public string DefinitionJson { get; set; } = "";
    public string ScheduleJson { get; set; } = "";
    public int ScheduleVersion { get; set; }
    public string Phase { get; set; } = nameof(CyclePhase.Inviting);
    public bool InviteOnly { get; set; }
    public int Capacity { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? RegistrationClosedAt { get; set; }
    public DateTimeOffset? TrainingEndedAt { get; set; }
    public DateTimeOffset? CancelledAt { get; set; }
    public string? CancelReason { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>Per-cycle secret (base64) from which session check-in codes are derived.</summary>
    public string CheckInSecret { get; set; } = "";

    /// <summary>Hash of the create request's body when it came with an Idempotency-Key: a retry with the same key and another body is refused.</summary>
    public string? CreateRequestHash { get; set; }
}

/// <summary>Participant status. Invited: on the list, not registered. Unconfirmed: registered through the open form,
/// email address not confirmed yet — no seat, no NIP/email index rows, removed when its confirmation window ends.
/// Confirmed: has a seat.</summary>
public static class ParticipantStatus
{
    public const string Unconfirmed = nameof(Unconfirmed);
    public const string Invited = nameof(Invited);
    public const string Confirmed = nameof(Confirmed);
    public const string Waitlisted = nameof(Waitlisted);
    public const string Withdrawn = nameof(Withdrawn);
}

/// <summary>
/// Table <c>Participants</c>, PK = cycle id. RK <c>p…</c> = a participant (invitee or registrant);
/// RK <c>ix-…</c> = unique index rows (email, NIP hash → participant); RK <c>~counters</c> = the cycle's counts,
/// updated in the same entity-group transaction as the rows they count, so they never drift.
/// </summary>
public sealed class ParticipantEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Email { get; set; } = "";
    public string? FullName { get; set; }
    public string? Nip { get; set; }
    public string? Phone { get; set; }
    public string? Agency { get; set; }
    public string? AgencyLevel { get; set; }
    public string? Regency { get; set; }
    public string? Position { get; set; }
    public string? Rank { get; set; }

    /// <summary>Place of birth as printed on documents (#22 identity block); written through ParticipantStore only.</summary>
    public string? BirthPlace { get; set; }

    /// <summary>Date of birth, <c>yyyy-MM-dd</c> (#22 identity block).</summary>
    public string? BirthDate { get; set; }

    /// <summary>#21: the direct superior (atasan langsung) the follow-up survey asks; optional, personal data.</summary>
    public string? SuperiorName { get; set; }

    /// <summary>#21: the superior's email address (lower case), where their follow-up survey goes.</summary>
    public string? SuperiorEmail { get; set; }
    public string Language { get; set; } = "id";
    public string Status { get; set; } = ParticipantStatus.Invited;
    public bool Invited { get; set; }
    public DateTimeOffset? InvitedAt { get; set; }
    public DateTimeOffset? RegisteredAt { get; set; }
    public DateTimeOffset? UpdatedAt { get; set; }
    public string? RegistrationNumber { get; set; }
    public long WaitlistSeq { get; set; }
    public DateTimeOffset? WithdrawnAt { get; set; }
    public DateTimeOffset? ConsentAt { get; set; }

    /// <summary>#23: the version of the privacy notice consented to (<see cref="ConsentNotice.Version"/>) at <see cref="ConsentAt"/>.</summary>
    public string? ConsentVersion { get; set; }
    public string? EmailStatus { get; set; }
    public DateTimeOffset? EmailStatusAt { get; set; }
    public bool? Eligible { get; set; }
    public string? EligibilityExplanation { get; set; }

    /// <summary>#20: the rule's explanation in Bahasa Indonesia (<see cref="EligibilityExplanation"/> is the English one).</summary>
    public string? EligibilityExplanationId { get; set; }

    /// <summary>#20: Certificate, Letter (of participation) or None; null before the rule ran.</summary>
    public string? CompletionOutcome { get; set; }

    /// <summary>#20: the JP the rule counted for this person (null without session JP or before the rule ran).</summary>
    public int? EarnedJp { get; set; }
    public string? CertificateId { get; set; }
    public string? CertificateNumber { get; set; }
    public string? VerificationCode { get; set; }

    /// <summary>Signed into every personal link; bumped on withdrawal and email change so older links stop working.</summary>
    public int TokenVersion { get; set; }

    /// <summary>Unconfirmed rows only: when the confirmation link stops working and the row is removed.</summary>
    public DateTimeOffset? ConfirmBy { get; set; }
}

public sealed class IndexEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string ParticipantId { get; set; } = "";
}

public sealed class CountersEntity : ITableEntity
{
    public const string Key = "~counters";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = Key;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public int Invited { get; set; }
    public int Confirmed { get; set; }
    public int Waitlisted { get; set; }
    public int Withdrawn { get; set; }
    public int NextRegistrationSeq { get; set; } = 1;
    public long NextWaitlistSeq { get; set; } = 1;

    /// <summary>Next certificate sequence number: assigned in the same transaction as the participants it numbers,
    /// so a number is never reused and a retry never skips one.</summary>
    public int NextCertificateSeq { get; set; } = 1;
}

/// <summary>Counts for status and custom status: numbers only, never who.</summary>
public sealed record CycleCounts(int Invited, int Confirmed, int Waitlisted, int Withdrawn, int Eligible = 0, int Certified = 0)
{
    public static readonly CycleCounts Zero = new(0, 0, 0, 0);
}
