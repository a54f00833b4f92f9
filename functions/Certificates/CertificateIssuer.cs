using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TrainingCycles.Certificates.Pdf;
using TrainingCycles.Cycles;
using TrainingCycles.Identity;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Certificates;

/// <summary>
/// Issues certificates in two idempotent steps. (1) Numbering: eligible participants get a certificate id,
/// number and verification code in the same entity-group transaction that advances the cycle's counter — a number
/// is assigned once, and a crash either commits a whole batch or none of it. (2) Issuing: for every numbered
/// participant without a stored PDF, render, upload (create-only: a retry that finds the blob keeps it and records
/// the hash of what is stored) and record the hash. Also the register's read side: find a certificate by id or code.
/// </summary>
public sealed partial class CertificateIssuer(
    AppTables tables, ParticipantStore participants, StorageAccount storage, IOptions<TrainingCyclesOptions> options, CycleStore cycles, AuditLog audit, TimeProvider time, ILogger<CertificateIssuer> logger, ICertificateLedger ledger)
    : ICertificateCycleLookup
{
    public const string CertificateIdPrefix = "k";
    public const int VerificationCodeLength = 12;

    /// <summary>Azure Table storage's limit on operations in one entity-group transaction.</summary>
    private const int RowsPerTransaction = 100;

    public BlobContainerClient Container => storage.Blobs.GetBlobContainerClient(options.Value.CertificatesContainer);

    /// <summary>Read links for the stored PDFs. Owned here so one delegation-key cache serves the whole app.</summary>
    public CertificateLinks Links { get; } = new(storage, time);

    public Uri VerificationUri(string verificationCode) => new(options.Value.PublicBaseUri, "api/verify/" + verificationCode);

    /// <summary>True for strings shaped like a verification code (checked before any table lookup).</summary>
    public static bool LooksLikeCode(string? code) => Ids.LooksValid(code, "", VerificationCodeLength);

    public static bool LooksLikeCertificateId(string? certificateId) => Ids.LooksValid(certificateId, CertificateIdPrefix);

    public async Task<CertificateEntity?> GetAsync(string cycleId, string certificateId, CancellationToken cancellationToken = default)
    {
        if (!LooksLikeCertificateId(certificateId))
        {
            return null;
        }

        var certificates = await tables.GetAsync(AppTables.Certificates, cancellationToken);
        var row = await certificates.GetEntityIfExistsAsync<CertificateEntity>(cycleId, certificateId, cancellationToken: cancellationToken);
        return row.HasValue ? row.Value : null;
    }

    /// <summary>The certificate with this id, wherever its cycle; null for anything unknown or malformed.</summary>
    public async Task<CertificateEntity?> FindAsync(string certificateId, CancellationToken cancellationToken = default) =>
        LooksLikeCertificateId(certificateId) && await LookupAsync(LookupEntity.CertificatePartition, certificateId, cancellationToken) is { } lookup
            ? await GetAsync(lookup.CycleId, certificateId, cancellationToken)
            : null;

    /// <summary>The cycle a certificate id belongs to (the access gate scopes certificate routes with it).</summary>
    public async Task<string?> CycleOfAsync(string certificateId, CancellationToken cancellationToken) =>
        LooksLikeCertificateId(certificateId) && await LookupAsync(LookupEntity.CertificatePartition, certificateId, cancellationToken) is { } lookup ? lookup.CycleId : null;

    /// <summary>The certificate with this verification code; null for anything unknown or malformed.</summary>
    public async Task<CertificateEntity?> FindByCodeAsync(string code, CancellationToken cancellationToken = default) =>
        LooksLikeCode(code) && await LookupAsync(LookupEntity.VerifyPartition, code, cancellationToken) is { } lookup
            ? await GetAsync(lookup.CycleId, lookup.CertificateId, cancellationToken)
            : null;

    /// <summary>Writes a changed certificate row under its ETag (412 when someone else changed it first).</summary>
    public async Task ReplaceAsync(CertificateEntity certificate, CancellationToken cancellationToken = default)
    {
        var certificates = await tables.GetAsync(AppTables.Certificates, cancellationToken);
        var response = await certificates.UpdateEntityAsync(certificate, certificate.ETag, TableUpdateMode.Replace, cancellationToken);
        certificate.ETag = response.Headers.ETag ?? certificate.ETag;
    }

    private async Task<LookupEntity?> LookupAsync(string partition, string key, CancellationToken cancellationToken)
    {
        var lookups = await tables.GetAsync(AppTables.Lookups, cancellationToken);
        var row = await lookups.GetEntityIfExistsAsync<LookupEntity>(partition, key, cancellationToken: cancellationToken);
        return row.HasValue ? row.Value : null;
    }

    public static string BlobName(string cycleId, string certificateId) => $"{cycleId}/{certificateId}.pdf";

    /// <summary>The cycle's certificate logo, beside its PDFs in the private container.</summary>
    public static string LogoBlobName(string cycleId) => $"logos/{cycleId}";

    /// <summary>The cycle's uploaded logo (checked when it was uploaded), or null when it has none.</summary>
    public async Task<byte[]?> LogoAsync(string cycleId, CancellationToken cancellationToken = default)
    {
        try
        {
            return (await Container.GetBlobClient(LogoBlobName(cycleId)).DownloadContentAsync(cancellationToken)).Value.Content.ToArray();
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    /// <summary>
    /// Numbers the certificates of everyone eligible and not yet numbered: id, verification code and number, in
    /// the participants' transactions with the counter (<see cref="ParticipantStore.AssignCertificateNumbersAsync"/>).
    /// </summary>
    public async Task<int> AssignNumbersAsync(string cycleId, IReadOnlySet<string>? heldBack = null, CancellationToken cancellationToken = default)
    {
        var cycle = await cycles.GetAsync(cycleId, cancellationToken) ?? throw new InvalidOperationException($"Cycle {cycleId} not found");
        var format = cycle.Definition.Certificate?.NumberFormat ?? new CertificateSettings().NumberFormat;
        return await participants.AssignCertificateNumbersAsync(
            cycleId, seq => new CertificateNumbering(NewCertificateId(), NewVerificationCode(), FormatNumber(format, seq, cycle)), heldBack, cancellationToken);
    }

    /// <summary>Renders and stores every numbered certificate that has no stored PDF yet. Safe to run again.</summary>
    public Task<int> IssuePendingAsync(string cycleId, CancellationToken cancellationToken = default) => IssuePendingAsync(cycleId, null, cancellationToken);

    /// <summary>#24: the numbered participants without a certificate row yet (what the batches have to issue), in id order.</summary>
    public async Task<IReadOnlyList<string>> PendingAsync(string cycleId, CancellationToken cancellationToken = default)
    {
        var certificatesTable = await tables.GetAsync(AppTables.Certificates, cancellationToken);
        var existing = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var c in certificatesTable.QueryAsync<CertificateEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {cycleId}"), select: ["RowKey"], cancellationToken: cancellationToken))
        {
            existing.Add(c.RowKey);
        }

        return [.. (await participants.ListAsync(cycleId, cancellationToken)).Where(p => p.CertificateId is not null && !existing.Contains(p.CertificateId)).Select(p => p.RowKey).Order(StringComparer.Ordinal)];
    }

    /// <summary>#24: how many numbered participants have no certificate row yet.</summary>
    public async Task<int> CountPendingAsync(string cycleId, CancellationToken cancellationToken = default) => (await PendingAsync(cycleId, cancellationToken)).Count;

    /// <summary>
    /// Renders and stores the numbered certificates without a stored PDF, of the whole cycle (<paramref name="batch"/>
    /// null) or of one batch of the fan-out (<see cref="CertificateFanOut"/>): a range of participant ids, read by key,
    /// so a batch reads its own rows and not the cycle's. Safe to run again.
    /// </summary>
    public async Task<int> IssuePendingAsync(string cycleId, CertificateBatch? batch, CancellationToken cancellationToken = default)
    {
        var cycle = await cycles.GetAsync(cycleId, cancellationToken) ?? throw new InvalidOperationException($"Cycle {cycleId} not found");
        var certificatesTable = await tables.GetAsync(AppTables.Certificates, cancellationToken);
        await Container.CreateIfNotExistsAsync(PublicAccessType.None, cancellationToken: cancellationToken);

        var (from, to) = (batch?.From ?? ParticipantStore.FirstId, batch?.To ?? ParticipantStore.AfterLastId);
        var inBatch = batch is { From: null, To: null, Count: > 1 } hashed ? (Func<string, bool>)(id => CertificateFanOut.BatchOf(id, hashed.Count) == hashed.Index) : (_ => true);

        var logo = await LogoAsync(cycleId, cancellationToken);
        var existing = new HashSet<string>(StringComparer.Ordinal);
        var latest = new Dictionary<string, (int Version, string Id)>(StringComparer.Ordinal);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {cycleId} and ParticipantId ge {from} and ParticipantId lt {to}");
        await foreach (var c in certificatesTable.QueryAsync<CertificateEntity>(filter, select: ["RowKey", nameof(CertificateEntity.ParticipantId), nameof(CertificateEntity.Version)], cancellationToken: cancellationToken))
        {
            existing.Add(c.RowKey);
            if (!latest.TryGetValue(c.ParticipantId, out var known) || c.Version > known.Version)
            {
                latest[c.ParticipantId] = (c.Version, c.RowKey);
            }
        }

        var numbered = (await participants.ListRangeAsync(cycleId, from, to, cancellationToken)).Where(p => p.CertificateId is not null && inBatch(p.RowKey)).ToList();
        var pending = numbered.Where(p => !existing.Contains(p.CertificateId!)).ToList();

        // Certificates an earlier attempt recorded: that attempt may have failed before the ledger heard of them.
        await ledger.CertificatesRecordedBeforeAsync(cycleId, [.. numbered.Where(p => existing.Contains(p.CertificateId!)).Select(p => p.RowKey)], cancellationToken);

        // Render and upload in parallel; one writer records the finished ones in transactions of up to 100 rows
        // per partition (lookups by code, lookups by id, certificate rows), so the rows cost 3 requests per 100
        // certificates instead of 3 per certificate. A row is only written after its PDF is stored.
        var issued = 0;
        var finished = Channel.CreateUnbounded<IssuedCertificate>(); // not SingleReader: that variant cannot report Count
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var recorder = Task.Run(async () =>
        {
            var buffer = new List<IssuedCertificate>(RowsPerTransaction);
            try
            {
                await foreach (var entity in finished.Reader.ReadAllAsync(stop.Token))
                {
                    buffer.Add(entity);
                    if (buffer.Count == RowsPerTransaction || finished.Reader.Count == 0 && buffer.Count >= RowsPerTransaction / 4)
                    {
                        await RecordAsync(buffer, stop.Token);
                        issued += buffer.Count;
                        buffer.Clear();
                    }
                }

                await RecordAsync(buffer, stop.Token);
                issued += buffer.Count;
            }
            catch
            {
                await stop.CancelAsync(); // no point rendering what cannot be recorded
                throw;
            }
        }, CancellationToken.None);

        ExceptionDispatchInfo? renderFailure = null;
        try
        {
            await Parallel.ForEachAsync(pending, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(2, Environment.ProcessorCount * 2), CancellationToken = stop.Token }, async (p, ct) =>
            {
                // Normally version 1; a participant who already has a row is in the middle of a reissue.
                var previous = latest.TryGetValue(p.RowKey, out var row) ? row : ((int Version, string? Id))(0, null);
                await finished.Writer.WriteAsync(new IssuedCertificate(p, await RenderAndStoreAsync(cycle, p, previous.Version + 1, previous.Id, logo, ct)), ct);
            });
        }
        catch (OperationCanceledException) when (recorder.IsFaulted && !cancellationToken.IsCancellationRequested)
        {
            // The recorder failed and stopped the renders: its exception is the one to report (below).
        }
        catch (Exception e)
        {
            // A render or upload failed (storage away): record the PDFs already stored, then fail for a retry.
            renderFailure = ExceptionDispatchInfo.Capture(e);
        }
        finally
        {
            finished.Writer.TryComplete();
        }

        await recorder;
        renderFailure?.Throw();

        if (issued > 0)
        {
            await audit.WriteManyAsync(cycleId, [.. pending.Select(p => new AuditEntry(time.GetUtcNow(), AuditLog.System, "certificate.issued", p.RowKey, p.CertificateNumber))], cancellationToken);
        }

        logger.LogInformation("Issued {Count} certificates for cycle {CycleId}", issued, cycleId);
        return issued;
    }

    /// <summary>Renders, uploads and records one certificate version (idempotent for the same id).</summary>
    public async Task<CertificateEntity> IssueOneAsync(CycleRecord cycle, ParticipantEntity p, int version, string? supersedes = null, CancellationToken cancellationToken = default)
    {
        var entity = await RenderAndStoreAsync(cycle, p, version, supersedes, await LogoAsync(cycle.CycleId, cancellationToken), cancellationToken);
        await RecordAsync([new IssuedCertificate(p, entity)], cancellationToken);
        return entity;
    }

    /// <summary>What the certificate of this numbered participant says, in their language (the bench renders this too).</summary>
    public CertificateDocument DocumentFor(CycleRecord cycle, ParticipantEntity p) => DocumentFor(cycle, p, time.GetUtcNow(), logo: null);

    /// <summary>
    /// What the certificate says when issued at <paramref name="issuedAt"/>: the signing line reads "Palangka Raya,
    /// 2 Desember 2026" — the place, then the issue date in the cycle's time zone.
    /// </summary>
    public CertificateDocument DocumentFor(CycleRecord cycle, ParticipantEntity p, DateTimeOffset issuedAt, byte[]? logo)
    {
        var language = p.Language == "en" ? "en" : "id";
        var certificate = cycle.Definition.Certificate ?? new CertificateSettings();
        return new CertificateDocument(
            Heading: certificate.Heading ?? (language == "en" ? "CERTIFICATE" : "SERTIFIKAT"),
            HolderName: p.FullName ?? p.Email,
            HolderNip: p.Nip ?? "",
            HolderAgency: p.Agency ?? "",
            TrainingTitle: cycle.Entity.Title,
            DatesText: Formatting.DateRange(cycle.Schedule, language),
            Venue: cycle.Definition.Venue ?? "",
            TrainingHours: CertificateJp(cycle, p),
            OrganizerName: cycle.Definition.OrganizerName ?? "",
            SignatoryName: certificate.SignatoryName ?? "",
            SignatoryTitle: certificate.SignatoryTitle ?? "",
            SignatoryNip: certificate.SignatoryNip,
            CertificateNumber: p.CertificateNumber!,
            VerificationUrl: VerificationUri(p.VerificationCode!).ToString(),
            Language: language,
            Template: new CertificateTemplate(AccentColor: certificate.AccentColor ?? CertificateTemplate.DefaultAccentColor, Heading: certificate.Heading, LogoPng: logo),
            SigningPlace: SigningPlace(cycle.Definition),
            SigningDate: Formatting.Date(issuedAt, cycle.Schedule.TimeZone, language),
            Identity: Identity(certificate, p, language, DateOnly.FromDateTime(issuedAt.UtcDateTime)),
            Qualification: Text.Get(language, Qualification(cycle.Definition, p)),
            Institution: FirstNonBlank(cycle.Definition.Records?.Institution, cycle.Definition.OrganizerName),
            Subjects: [.. cycle.Schedule.Sessions.Select(s => new CertificateSubject(s.Title, s.Instructor, cycle.Schedule.TotalJp > 0 ? s.Jp : null))]);
    }

    /// <summary>
    /// #22: the identity rows in the order of <see cref="CertificateSettings.FieldsToPrint"/>. Place and date of birth
    /// read "Palangka Raya, 12 Maret 1985"; without a recorded date of birth, the one the NIP encodes.
    /// </summary>
    public static IReadOnlyList<CertificateField> Identity(CertificateSettings certificate, ParticipantEntity p, string language, DateOnly today)
    {
        var rows = new List<CertificateField>(5);
        foreach (var field in certificate.FieldsToPrint)
        {
            var (label, value) = field switch
            {
                "nip" => (nameof(Texts.Cert_Sttp_Nip), p.Nip),
                "birth" => (nameof(Texts.Cert_Sttp_Birth), Birth(p, language, today)),
                "rank" => (nameof(Texts.Cert_Sttp_Rank), p.Rank),
                "position" => (nameof(Texts.Cert_Sttp_Position), p.Position),
                "agency" => (nameof(Texts.Cert_Sttp_Agency), p.Agency),
                _ => ("", null),
            };
            if (!string.IsNullOrWhiteSpace(value))
            {
                rows.Add(new CertificateField(Text.Get(language, label), value.Trim()));
            }
        }

        return rows;
    }

    private static string? Birth(ParticipantEntity p, string language, DateOnly today)
    {
        DateOnly? born = DateOnly.TryParseExact(p.BirthDate, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d
            : Nip.Validate(p.Nip, today) is { IsValid: true, BirthDate: { } fromNip } ? fromNip : null;
        var date = born?.ToString("d MMMM yyyy", Formatting.Culture(language));
        var place = string.IsNullOrWhiteSpace(p.BirthPlace) ? null : p.BirthPlace.Trim();
        return place is null ? date : date is null ? place : $"{place}, {date}";
    }

    /// <summary>
    /// #22: "LULUS" when the certificate was earned against a post-test score (a rule that can be failed), else
    /// "TELAH MENGIKUTI" (attendance alone, or an organizer's decision without a test).
    /// </summary>
    public static string Qualification(CycleDefinition definition, ParticipantEntity p) =>
        p.CompletionOutcome == Attendance.CompletionOutcome.Certificate && definition.Completion?.MinimumPostTestScore is not null
            ? nameof(Texts.Cert_Sttp_Passed)
            : nameof(Texts.Cert_Sttp_Attended);

    private static string? FirstNonBlank(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v))?.Trim();

    /// <summary>
    /// #20: the JP printed: the person's counted JP when the rule says so (<see cref="CompletionRule.CertificateShowsEarnedJp"/>),
    /// else the certificate's hours, else the sum of the sessions' JP.
    /// </summary>
    public static int CertificateJp(CycleRecord cycle, ParticipantEntity p) =>
        cycle.Definition.Completion?.CertificateShowsEarnedJp == true && p.EarnedJp is { } earned ? earned
        : cycle.Definition.Certificate?.TrainingHours is int hours and > 0 ? hours
        : cycle.Schedule.TotalJp;

    /// <summary>
    /// The definition's <c>certificate.signingPlace</c>; else the venue's last part when it names one of the
    /// cycle's cities or regencies ("Aula BPSDM, Jl. Tjilik Riwut Km 5, Palangka Raya" → "Palangka Raya"); else none.
    /// </summary>
    public static string? SigningPlace(CycleDefinition definition)
    {
        if (definition.Certificate?.SigningPlace is { } place && !string.IsNullOrWhiteSpace(place))
        {
            return place.Trim();
        }

        var last = definition.Venue?.Split(',').LastOrDefault()?.Trim();
        if (string.IsNullOrEmpty(last))
        {
            return null;
        }

        static string Bare(string name)
        {
            foreach (var prefix in new[] { "Kota ", "Kabupaten ", "Kab. " })
            {
                if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                {
                    return name[prefix.Length..].Trim();
                }
            }

            return name.Trim();
        }

        var places = definition.Regencies is { Count: > 0 } list ? list : CycleDefinitionValidator.CentralKalimantanRegencies;
        return places.Select(Bare).FirstOrDefault(name => string.Equals(name, Bare(last), StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Renders and uploads one certificate version; the row that describes it is not written yet.</summary>
    private async Task<CertificateEntity> RenderAndStoreAsync(CycleRecord cycle, ParticipantEntity p, int version, string? supersedes, byte[]? logo, CancellationToken cancellationToken)
    {
        var issuedAt = time.GetUtcNow();
        var document = DocumentFor(cycle, p, issuedAt, logo);
        var pdf = CertificateRenderer.Render(document);

        var blobName = BlobName(cycle.CycleId, p.CertificateId!);
        pdf = await StoreOnceAsync(Container.GetBlobClient(blobName), pdf, p.CertificateNumber!, cancellationToken);

        var entity = new CertificateEntity
        {
            PartitionKey = cycle.CycleId,
            RowKey = p.CertificateId!,
            ParticipantId = p.RowKey,
            Number = p.CertificateNumber!,
            VerificationCode = p.VerificationCode!,
            Version = version,
            Supersedes = supersedes,
            BlobName = blobName,
            Sha256 = Convert.ToHexString(SHA256.HashData(pdf)).ToLowerInvariant(),
            Bytes = pdf.Length,
            IssuedAt = issuedAt,
            HolderName = p.FullName ?? "",
            SourceRowAt = p.Timestamp,
            TrainingTitle = cycle.Entity.Title,
            TrainingDates = document.DatesText,
            Language = document.Language,
        };
        return entity;
    }

    /// <summary>
    /// Writes the lookups and then the certificate rows for stored PDFs, in transactions of up to 100 per
    /// partition. Upserts, so a retry rewrites the same rows. The certificate row goes last: its presence means
    /// "PDF stored and findable".
    /// </summary>
    private async Task RecordAsync(IReadOnlyList<IssuedCertificate> stored, CancellationToken cancellationToken)
    {
        if (stored.Count == 0)
        {
            return;
        }

        var certificates = await tables.GetAsync(AppTables.Certificates, cancellationToken);
        var lookups = await tables.GetAsync(AppTables.Lookups, cancellationToken);
        foreach (var chunk in stored.Chunk(RowsPerTransaction))
        {
            await Task.WhenAll(
                lookups.SubmitTransactionAsync([.. chunk.Select(i => new TableTransactionAction(TableTransactionActionType.UpsertReplace,
                    new LookupEntity { PartitionKey = LookupEntity.VerifyPartition, RowKey = i.Certificate.VerificationCode, CycleId = i.Certificate.PartitionKey, CertificateId = i.Certificate.RowKey }))], cancellationToken),
                lookups.SubmitTransactionAsync([.. chunk.Select(i => new TableTransactionAction(TableTransactionActionType.UpsertReplace,
                    new LookupEntity { PartitionKey = LookupEntity.CertificatePartition, RowKey = i.Certificate.RowKey, CycleId = i.Certificate.PartitionKey, CertificateId = i.Certificate.RowKey }))], cancellationToken));
            foreach (var cycleRows in chunk.GroupBy(i => i.Certificate.PartitionKey, StringComparer.Ordinal))
            {
                await certificates.SubmitTransactionAsync([.. cycleRows.Select(i => new TableTransactionAction(TableTransactionActionType.UpsertReplace, i.Certificate))], cancellationToken);
                await ledger.CertificatesIssuedAsync(cycleRows.Key, [.. cycleRows], cancellationToken);
            }
        }
    }

    public static string NewCertificateId() => Ids.New(CertificateIdPrefix);

    public static string NewVerificationCode() => Ids.RandomString(VerificationCodeLength);

    /// <summary>
    /// Uploads the PDF unless the blob exists, and returns the bytes that are stored. PDFsharp stamps each render
    /// with its own time and document id, so a retry's render differs from the first: keeping the first and hashing
    /// what is stored keeps the recorded SHA-256 true even when two runs race.
    /// </summary>
    private static async Task<byte[]> StoreOnceAsync(BlobClient blob, byte[] pdf, string number, CancellationToken cancellationToken)
    {
        try
        {
            await blob.UploadAsync(new BinaryData(pdf), new BlobUploadOptions
            {
                HttpHeaders = new BlobHttpHeaders { ContentType = "application/pdf", ContentDisposition = $"attachment; filename=\"sertifikat-{Safe(number)}.pdf\"" },
                Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
            }, cancellationToken);
            return pdf;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return (await blob.DownloadContentAsync(cancellationToken)).Value.Content.ToArray();
        }
    }

    public static string FormatNumber(string format, int seq, CycleRecord cycle)
    {
        var end = CycleSchedule.ToLocal(cycle.Schedule.LastSessionEndsAt, cycle.Schedule.TimeZone);
        var result = SeqToken().Replace(format, m => seq.ToString(m.Groups[1].Success ? m.Groups[1].Value : "0", CultureInfo.InvariantCulture));
        return result
            .Replace("{yyyy}", end.Year.ToString("0000", CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{MM}", end.Month.ToString("00", CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{code}", cycle.CycleId[1..7].ToUpperInvariant(), StringComparison.Ordinal);
    }

    private static string Safe(string number) => NotFileSafe().Replace(number, "-");

    [GeneratedRegex(@"\{seq(?::(0+))?\}")]
    private static partial Regex SeqToken();

    [GeneratedRegex("[^A-Za-z0-9._-]")]
    private static partial Regex NotFileSafe();
}
