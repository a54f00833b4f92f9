using Azure;
using Azure.Data.Tables;

namespace TrainingCycles.Nomination;

/// <summary>Nominee status. Nominated (holds one of the agency's seats, awaits the organizer), Approved (a registered
/// participant now), Rejected, Withdrawn (by the coordinator, or replaced). Only Nominated and Approved hold a seat.</summary>
public static class NomineeStatus
{
    public const string Nominated = nameof(Nominated);
    public const string Approved = nameof(Approved);
    public const string Rejected = nameof(Rejected);
    public const string Withdrawn = nameof(Withdrawn);

    /// <summary>The nominee declined through their own link (cycles with <c>nomineeMustAccept</c>); the seat went back.</summary>
    public const string Declined = nameof(Declined);

    public static bool HoldsSeat(string status) => status is Nominated or Approved;
}

/// <summary>
/// Table <c>Nominations</c>, PK = cycle id (one partition per cycle, so a nomination is one entity-group transaction):
/// RK <c>q-…</c> an agency's quota (<see cref="QuotaEntity"/>), <c>~quotas</c> the sum of the seats
/// (<see cref="QuotaSumEntity"/>), <c>n-…</c> a nominee, <c>nip-…</c> a NIP claim (one nomination per NIP per cycle,
/// whichever agency), <c>l-…</c> a surat tugas (its PDF in the private blob container <c>nomination-letters</c>).
/// Holds personal data (nominees, coordinators): findable by cycle id + nominee id, NIP claim by NIP hash.
/// </summary>
public sealed class QuotaEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string Agency { get; set; } = "";
    public string AgencyLevel { get; set; } = "";
    public string? Regency { get; set; }
    public int Seats { get; set; }
    public string CoordinatorName { get; set; } = "";
    public string CoordinatorEmail { get; set; } = "";
    public string CoordinatorLanguage { get; set; } = "id";

    /// <summary>Bumped when the coordinator changes: the invitation mail's occurrence, so a new coordinator gets one.</summary>
    public int CoordinatorVersion { get; set; } = 1;

    /// <summary>Nominees holding a seat (Nominated + Approved): never above <see cref="Seats"/>, changed in the same
    /// transaction as the nominee rows it counts (the quota row's ETag decides the last seat).</summary>
    public int Held { get; set; }
    public int Approved { get; set; }
    public int Rejected { get; set; }
    public int Withdrawn { get; set; }

    /// <summary>Set once at the nomination deadline: the seats nobody held were released (how many).</summary>
    public bool Released { get; set; }
    public int ReleasedSeats { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

public sealed class QuotaSumEntity : ITableEntity
{
    public const string Key = "~quotas";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = Key;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public int Seats { get; set; }
}

public sealed class NomineeEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string QuotaId { get; set; } = "";
    public string Agency { get; set; } = "";
    public string FullName { get; set; } = "";
    public string Nip { get; set; } = "";
    public string Email { get; set; } = "";
    public string Phone { get; set; } = "";
    public string Position { get; set; } = "";
    public string? Rank { get; set; }

    /// <summary>yyyy-MM-dd, checked against the NIP when nominated; goes into the registration on approval.</summary>
    public string? BirthDate { get; set; }
    public string? BirthPlace { get; set; }
    public string Language { get; set; } = "id";

    /// <summary>#21: the nominee's direct superior, passed on to the registration at approval (personal data).</summary>
    public string? SuperiorName { get; set; }

    public string? SuperiorEmail { get; set; }
    public string LetterId { get; set; } = "";
    public string Status { get; set; } = NomineeStatus.Nominated;
    public string? Reason { get; set; }
    public string? ReplacedBy { get; set; }
    public string? ParticipantId { get; set; }
    public DateTimeOffset NominatedAt { get; set; }
    public string NominatedBy { get; set; } = "";
    public DateTimeOffset? DecidedAt { get; set; }

    /// <summary>When the nominee accepted through their own link (cycles with <c>nomineeMustAccept</c>).</summary>
    public DateTimeOffset? AcceptedAt { get; set; }
    public string? DecidedBy { get; set; }
}

public sealed class NipClaimEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string NomineeId { get; set; } = "";
    public string QuotaId { get; set; } = "";
}

public sealed class LetterEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string QuotaId { get; set; } = "";
    public string FileName { get; set; } = "";
    public long Size { get; set; }
    public int Pages { get; set; }
    public string Sha256 { get; set; } = "";
    public DateTimeOffset UploadedAt { get; set; }
    public string UploadedBy { get; set; } = "";
}
