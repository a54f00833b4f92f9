using Azure;
using Azure.Data.Tables;

namespace TrainingCycles.Certificates;

public static class CertificateStatus
{
    public const string Valid = nameof(Valid);
    public const string Revoked = nameof(Revoked);
    public const string Superseded = nameof(Superseded);
}

/// <summary>
/// Table <c>Certificates</c>: PK = cycle, RK = certificate id. One row per issued version: a reissue adds a row
/// (new id, new verification code, same number, Version + 1) and marks the previous one Superseded.
/// </summary>
public sealed class CertificateEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string ParticipantId { get; set; } = "";
    public string Number { get; set; } = "";
    public string VerificationCode { get; set; } = "";
    public int Version { get; set; } = 1;
    public string Status { get; set; } = CertificateStatus.Valid;
    public string? RevokedReason { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
    public string? SupersededBy { get; set; }
    public DateTimeOffset? SupersededAt { get; set; }

    /// <summary>The certificate id this version replaces (null for version 1).</summary>
    public string? Supersedes { get; set; }
    public string BlobName { get; set; } = "";
    public string Sha256 { get; set; } = "";
    public long Bytes { get; set; }
    public DateTimeOffset IssuedAt { get; set; }

    // What the public verification page shows: the holder and the training, copied at issue time.
    public string HolderName { get; set; } = "";

    /// <summary>
    /// The version (table Timestamp) of the participant row the document was rendered from: a correction applied to
    /// that row afterwards (Records' biodata reconciliation) knows by storage, not by timing, that the document predates it.
    /// </summary>
    public DateTimeOffset? SourceRowAt { get; set; }
    public string TrainingTitle { get; set; } = "";
    public string TrainingDates { get; set; } = "";
    public string Language { get; set; } = "id";
}

/// <summary>Table <c>Lookups</c>: global keys to a cycle. PK <c>verify</c>/RK code, PK <c>cert</c>/RK certificate id.</summary>
public sealed class LookupEntity : ITableEntity
{
    public const string VerifyPartition = "verify";
    public const string CertificatePartition = "cert";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string CycleId { get; set; } = "";
    public string CertificateId { get; set; } = "";
}
