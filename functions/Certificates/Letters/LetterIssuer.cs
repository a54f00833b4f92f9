using System.Security.Cryptography;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TrainingCycles.Attendance;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Certificates.Letters;

public static class LetterStatus
{
    public const string Valid = nameof(Valid);
    public const string Revoked = nameof(Revoked);
}

/// <summary>
/// Table <c>Completion</c>, PK = cycle, RK <c>letter|{participantId}</c>: one letter of participation per person (personal data:
/// the holder's name, copied for the verification page). The number is assigned once, in the same entity-group transaction
/// that advances the partition's counter row (RK <c>~letters</c>).
/// </summary>
public sealed class LetterEntity : ITableEntity
{
    public const string Prefix = "letter|";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string ParticipantId { get; set; } = "";
    public string Number { get; set; } = "";
    public string VerificationCode { get; set; } = "";
    public string Status { get; set; } = LetterStatus.Valid;
    public string BlobName { get; set; } = "";
    public string? Sha256 { get; set; }
    public DateTimeOffset? IssuedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
    public string HolderName { get; set; } = "";
    public string TrainingTitle { get; set; } = "";
    public string TrainingDates { get; set; } = "";
}

public sealed class LetterCounterEntity : ITableEntity
{
    public const string Key = "~letters";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = Key;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public int NextSeq { get; set; } = 1;
}

/// <summary>Table <c>Completion</c>, PK <c>letter-code</c>, RK verification code → the letter's cycle and holder.</summary>
public sealed class LetterCodeEntity : ITableEntity
{
    public const string Partition = "letter-code";

    public string PartitionKey { get; set; } = Partition;
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string CycleId { get; set; } = "";
    public string ParticipantId { get; set; } = "";
}

/// <summary>
/// Issues letters of participation to those whose outcome is <see cref="CompletionOutcome.Letter"/>: number (once), render,
/// store create-only in the private certificates container, record. A person whose outcome is no longer Letter after a
/// correction has the letter revoked; one whose outcome is Letter again has it valid again (same number). Safe to run again.
/// </summary>
public sealed class LetterIssuer(AppTables tables, ParticipantStore participants, CycleStore cycles, StorageAccount storage, IOptions<TrainingCyclesOptions> options, AuditLog audit, TimeProvider time, ILogger<LetterIssuer> logger)
{
    public const string DefaultNumberFormat = "{seq:000}/SKTM/{yyyy}";

    public BlobContainerClient Container => storage.Blobs.GetBlobContainerClient(options.Value.CertificatesContainer);

    public Uri VerificationUri(string code) => new(options.Value.PublicBaseUri, "api/verify/letters/" + code);

    public async Task<LetterEntity?> GetAsync(string cycleId, string participantId, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.Completion, cancellationToken);
        var row = await table.GetEntityIfExistsAsync<LetterEntity>(cycleId, LetterEntity.Prefix + participantId, cancellationToken: cancellationToken);
        return row.HasValue ? row.Value : null;
    }

    public async Task<LetterEntity?> FindByCodeAsync(string code, CancellationToken cancellationToken = default)
    {
        if (!CertificateIssuer.LooksLikeCode(code))
        {
            return null;
        }

        var table = await tables.GetAsync(AppTables.Completion, cancellationToken);
        var lookup = await table.GetEntityIfExistsAsync<LetterCodeEntity>(LetterCodeEntity.Partition, code, cancellationToken: cancellationToken);
        return lookup.HasValue ? await GetAsync(lookup.Value!.CycleId, lookup.Value.ParticipantId, cancellationToken) : null;
    }

    public async Task<IReadOnlyList<LetterEntity>> ListAsync(string cycleId, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.Completion, cancellationToken);
        var result = new List<LetterEntity>();
        await foreach (var row in table.QueryAsync<LetterEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {cycleId} and RowKey ge {LetterEntity.Prefix} and RowKey lt {"letter}"}"), cancellationToken: cancellationToken))
        {
            result.Add(row);
        }

        return result;
    }

    /// <summary>Numbers, renders and stores what is due, and revokes/restores after corrections. Returns how many letters were stored now.</summary>
    public async Task<int> IssueAsync(string cycleId, CancellationToken cancellationToken = default)
    {
        var cycle = await cycles.GetAsync(cycleId, cancellationToken) ?? throw new InvalidOperationException($"Cycle {cycleId} not found");
        var people = (await participants.ListAsync(cycleId, cancellationToken)).ToDictionary(p => p.RowKey, StringComparer.Ordinal);
        var due = people.Values.Where(p => p.Status == ParticipantStatus.Confirmed && p.CompletionOutcome == CompletionOutcome.Letter).ToList();
        await NumberAsync(cycle, due, cancellationToken);

        var table = await tables.GetAsync(AppTables.Completion, cancellationToken);
        await Container.CreateIfNotExistsAsync(PublicAccessType.None, cancellationToken: cancellationToken);
        var stored = 0;
        var audits = new List<AuditEntry>();
        foreach (var letter in await ListAsync(cycleId, cancellationToken))
        {
            var p = people.GetValueOrDefault(letter.ParticipantId);
            var wanted = p is { Status: ParticipantStatus.Confirmed, CompletionOutcome: CompletionOutcome.Letter };
            if (!wanted && letter.Status == LetterStatus.Valid)
            {
                letter.Status = LetterStatus.Revoked;
                letter.RevokedAt = time.GetUtcNow();
                await table.UpdateEntityAsync(letter, letter.ETag, TableUpdateMode.Replace, cancellationToken);
                audits.Add(new AuditEntry(time.GetUtcNow(), AuditLog.System, "letter.revoked", letter.ParticipantId, letter.Number));
                continue;
            }

            if (!wanted)
            {
                continue;
            }

            if (letter.Status == LetterStatus.Revoked)
            {
                letter.Status = LetterStatus.Valid;
                letter.RevokedAt = null;
                audits.Add(new AuditEntry(time.GetUtcNow(), AuditLog.System, "letter.restored", letter.ParticipantId, letter.Number));
            }
            else if (letter.Sha256 is not null)
            {
                continue;
            }

            if (letter.Sha256 is null)
            {
                var issuedAt = time.GetUtcNow();
                var pdf = await StoreOnceAsync(Container.GetBlobClient(letter.BlobName), LetterRenderer.Render(DocumentFor(cycle, p!, letter, issuedAt)), cancellationToken);
                await table.UpsertEntityAsync(new LetterCodeEntity { RowKey = letter.VerificationCode, CycleId = cycleId, ParticipantId = letter.ParticipantId }, TableUpdateMode.Replace, cancellationToken);
                letter.Sha256 = Convert.ToHexStringLower(SHA256.HashData(pdf));
                letter.IssuedAt = issuedAt;
                letter.HolderName = p!.FullName ?? "";
                letter.TrainingTitle = cycle.Entity.Title;
                letter.TrainingDates = Formatting.DateRange(cycle.Schedule, "id");
                stored++;
                audits.Add(new AuditEntry(issuedAt, AuditLog.System, "letter.issued", letter.ParticipantId, letter.Number));
            }

            await table.UpdateEntityAsync(letter, letter.ETag, TableUpdateMode.Replace, cancellationToken);
        }

        await audit.WriteManyAsync(cycleId, audits, cancellationToken);
        logger.LogInformation("Letters of participation of cycle {CycleId}: {Stored} stored, {Changes} changes", cycleId, stored, audits.Count);
        return stored;
    }

    /// <summary>What the letter says, in the holder's language; attendance from the rule's counted JP (sessions without JP).</summary>
    public LetterDocument DocumentFor(CycleRecord cycle, ParticipantEntity p, LetterEntity letter, DateTimeOffset issuedAt)
    {
        var lang = p.Language == "en" ? "en" : "id";
        var settings = cycle.Definition.Certificate ?? new CertificateSettings();
        var total = cycle.Schedule.TotalJp;
        var attendance = total > 0
            ? Text.Get(lang, nameof(Texts.Cert_Letter_AttendanceJp), p.EarnedJp ?? 0, total)
            : Text.Get(lang, nameof(Texts.Cert_Letter_AttendanceSessions), AttendedSessions(p), cycle.Schedule.Sessions.Count);
        return new LetterDocument(p.FullName ?? p.Email, p.Nip ?? "", p.Agency ?? "", cycle.Entity.Title, cycle.Definition.OrganizerName ?? "",
            Formatting.DateRange(cycle.Schedule, lang), cycle.Definition.Venue ?? "", attendance, letter.Number, VerificationUri(letter.VerificationCode).ToString(), lang,
            CertificateIssuer.SigningPlace(cycle.Definition), Formatting.Date(issuedAt, cycle.Schedule.TimeZone, lang),
            settings.SignatoryName ?? "", settings.SignatoryTitle ?? "", settings.SignatoryNip);
    }

    // Without JP the explanation's first number is the sessions counted ("attended 1 of 2 sessions …").
    private static int AttendedSessions(ParticipantEntity p) =>
        p.EligibilityExplanation is { } e && e.Split(' ') is [_, var n, ..] && int.TryParse(n, out var value) ? value : 0;

    private async Task NumberAsync(CycleRecord cycle, IReadOnlyList<ParticipantEntity> due, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.Completion, cancellationToken);
        var format = cycle.Definition.Completion?.LetterNumberFormat ?? DefaultNumberFormat;
        for (var attempt = 0; ; attempt++)
        {
            var have = (await ListAsync(cycle.CycleId, cancellationToken)).Select(l => l.ParticipantId).ToHashSet(StringComparer.Ordinal);
            var missing = due.Where(p => !have.Contains(p.RowKey)).OrderBy(p => p.RegistrationNumber, StringComparer.Ordinal).ThenBy(p => p.RowKey, StringComparer.Ordinal).Take(99).ToList();
            if (missing.Count == 0)
            {
                return;
            }

            var counter = await table.GetEntityIfExistsAsync<LetterCounterEntity>(cycle.CycleId, LetterCounterEntity.Key, cancellationToken: cancellationToken);
            var next = counter.HasValue ? counter.Value!.NextSeq : 1;
            var actions = missing.Select((p, i) => new TableTransactionAction(TableTransactionActionType.Add, new LetterEntity
            {
                PartitionKey = cycle.CycleId,
                RowKey = LetterEntity.Prefix + p.RowKey,
                ParticipantId = p.RowKey,
                Number = CertificateIssuer.FormatNumber(format, next + i, cycle),
                VerificationCode = CertificateIssuer.NewVerificationCode(),
                BlobName = $"letters/{cycle.CycleId}/{p.RowKey}.pdf",
            })).ToList();
            var counterRow = new LetterCounterEntity { PartitionKey = cycle.CycleId, NextSeq = next + missing.Count };
            actions.Add(counter.HasValue
                ? new TableTransactionAction(TableTransactionActionType.UpdateReplace, counterRow, counter.Value!.ETag)
                : new TableTransactionAction(TableTransactionActionType.Add, counterRow));
            try
            {
                await table.SubmitTransactionAsync(actions, cancellationToken);
            }
            catch (TableTransactionFailedException e) when (e.Status is 409 or 412 && attempt < 10)
            {
                // Another run numbered meanwhile: read again.
            }
        }
    }

    private static async Task<byte[]> StoreOnceAsync(BlobClient blob, byte[] pdf, CancellationToken cancellationToken)
    {
        try
        {
            await blob.UploadAsync(new BinaryData(pdf), new BlobUploadOptions
            {
                HttpHeaders = new BlobHttpHeaders { ContentType = "application/pdf", ContentDisposition = "attachment; filename=\"surat-keterangan.pdf\"" },
                Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
            }, cancellationToken);
            return pdf;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return (await blob.DownloadContentAsync(cancellationToken)).Value.Content.ToArray();
        }
    }
}
