using System.Collections.Concurrent;
using System.Globalization;
using Azure;
using Azure.Data.Tables;
using TrainingCycles.Certificates;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Records;

/// <summary>
/// Table <c>Ledger</c>: the person's record across cycles. PK = NIP, RK = cycle id: one row per completed
/// participation (a NIP is unique within a cycle), naming the certificate in force, its number and the JP earned.
/// A revoked certificate keeps its row with <see cref="Status"/> Revoked (the history shows it, the JP total does not).
/// Personal data (name, email, NIP): findable by NIP, and by cycle + participant through <see cref="LedgerIndexEntity"/>.
/// </summary>
public sealed class LedgerEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string ParticipantId { get; set; } = "";
    public string FullName { get; set; } = "";
    public string Email { get; set; } = "";
    public string? Agency { get; set; }
    public string? AgencyLevel { get; set; }
    public string? Regency { get; set; }
    public string TrainingTitle { get; set; } = "";
    public string? Institution { get; set; }

    /// <summary>Local dates (yyyy-MM-dd) of the first session's start and the last session's end.</summary>
    public string StartDate { get; set; } = "";
    public string EndDate { get; set; } = "";

    /// <summary>The year the JP count for: the year the training ended, in the cycle's time zone.</summary>
    public int Year { get; set; }
    public int Jp { get; set; }
    public string CertificateId { get; set; } = "";
    public string CertificateNumber { get; set; } = "";
    public int CertificateVersion { get; set; }
    public string Status { get; set; } = CertificateStatus.Valid;
    public DateTimeOffset RecordedAt { get; set; }

    public bool Counts => Status == CertificateStatus.Valid;
}

/// <summary>Same table, PK <c>c-{cycleId}</c>, RK = participant id → the NIP their ledger row is under (so a corrected
/// NIP moves the row instead of leaving a copy behind). A NIP is 18 digits, so the two kinds of partition never meet.</summary>
public sealed class LedgerIndexEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string Nip { get; set; } = "";
}

/// <summary>One year of a person's record against the yearly requirement (PP 11/2017 Pasal 203(4) as amended by PP 17/2020).</summary>
public sealed record LedgerYear(int Year, int Jp, int Required, bool Met);

/// <summary>
/// The only writer of the <c>Ledger</c> table. It never trusts what a caller says happened: told that certificates of
/// a cycle changed, it reads the participant and certificate rows and writes what they say, so a retry, a repeat or a
/// late call converges on the same row. Concurrent writers are ordered by the certificate's life (a higher version,
/// then revoked after valid, wins) and the write is conditional on the row read, so a stale view never overwrites a
/// newer one.
/// </summary>
public sealed class Ledger(AppTables tables, CycleStore cycles, ParticipantStore participants, TimeProvider time) : ICertificateLedger
{
    public const string Table = AppTables.Ledger;
    public const int RequiredJpPerYear = 20;
    private const string IndexPrefix = "c-";
    private const int Attempts = 5;
    private const int RowsPerTransaction = 100;

    public static string IndexPartition(string cycleId) => IndexPrefix + cycleId;

    public async Task CertificatesChangedAsync(string cycleId, IReadOnlyCollection<string> participantIds, CancellationToken cancellationToken)
    {
        if (participantIds.Count == 0 || await cycles.GetAsync(cycleId, cancellationToken) is not { } cycle)
        {
            return;
        }

        var wanted = participantIds.ToHashSet(StringComparer.Ordinal);

        // Each person's own rows, read by key (see LoadOneAsync). The view may be a moment old: the write below never
        // lets an older certificate state replace a newer one, so that is safe.
        await Parallel.ForEachAsync(wanted, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (id, ct) =>
        {
            for (var attempt = 0; attempt < Attempts; attempt++)
            {
                try
                {
                    var (p, versions) = await LoadOneAsync(cycle.CycleId, id, ct);
                    await SyncOneAsync(cycle, id, p, versions, ct);
                    return;
                }
                catch (RequestFailedException e) when (e.Status is 404 or 409 or 412)
                {
                    // Someone else wrote the row meanwhile: read again and decide again.
                }
            }

            throw new InvalidOperationException($"Ledger row of participant {id} in cycle {cycleId} kept changing");
        });
    }

    /// <summary>
    /// #24: the certificate phase's path. A first issue (version 1, superseding nothing, valid) of a participant with a
    /// NIP needs no reads: the index rows are inserted in transactions of 100 (one partition per cycle) and then each
    /// ledger row is inserted. Both are insert-only, so they can never replace what another writer stored first: a chunk
    /// whose index insert fails, or a person whose ledger row already exists, goes through
    /// <see cref="CertificatesChangedAsync"/>, which reads everything and decides as always. The index goes first, so
    /// a failure between the two leaves an index row for a retry's general path to converge on, never a ledger row
    /// the index does not know. About 1.01 requests per person instead of 6 (#24 measured the phase's ledger at ~6).
    /// </summary>
    public async Task CertificatesIssuedAsync(string cycleId, IReadOnlyList<IssuedCertificate> issued, CancellationToken cancellationToken)
    {
        if (issued.Count == 0 || await cycles.GetAsync(cycleId, cancellationToken) is not { } cycle)
        {
            return;
        }

        var general = new ConcurrentBag<string>();
        var plain = new List<IssuedCertificate>(issued.Count);
        foreach (var item in issued)
        {
            if (item.Certificate is { Version: 1, Supersedes: null, Status: CertificateStatus.Valid } && item.Participant.Nip is { Length: > 0 }
                && item.Certificate.ParticipantId == item.Participant.RowKey && item.Certificate.PartitionKey == cycleId)
            {
                plain.Add(item);
            }
            else
            {
                general.Add(item.Participant.RowKey);
            }
        }

        var table = await tables.GetAsync(Table, cancellationToken);
        var indexed = new List<IssuedCertificate>(plain.Count);
        foreach (var chunk in plain.Chunk(RowsPerTransaction))
        {
            try
            {
                await table.SubmitTransactionAsync([.. chunk.Select(i => new TableTransactionAction(TableTransactionActionType.Add,
                    new LedgerIndexEntity { PartitionKey = IndexPartition(cycleId), RowKey = i.Participant.RowKey, Nip = i.Participant.Nip! }))], cancellationToken);
                indexed.AddRange(chunk);
            }
            catch (RequestFailedException e) when (e.Status == 409)
            {
                // Someone already has an index row here (a retry, a reissue): let the general path decide for the chunk.
                foreach (var i in chunk)
                {
                    general.Add(i.Participant.RowKey);
                }
            }
        }

        var now = time.GetUtcNow();
        await Parallel.ForEachAsync(indexed, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (item, ct) =>
        {
            try
            {
                await table.AddEntityAsync(Build(cycle, item.Participant, [item.Certificate], now)!, ct);
            }
            catch (RequestFailedException e) when (e.Status == 409)
            {
                general.Add(item.Participant.RowKey);
            }
        });

        if (!general.IsEmpty)
        {
            await CertificatesChangedAsync(cycleId, [.. general.Distinct(StringComparer.Ordinal)], cancellationToken);
        }
    }

    /// <summary>
    /// #24: participants whose certificate rows an earlier attempt recorded. Its ledger write may not have happened (the
    /// attempt failed in between), so those without an index row in this cycle go through the general path; one query
    /// of the cycle's index partition finds them. People without a NIP never get an index row and are read each time,
    /// which costs three point reads and writes nothing.
    /// </summary>
    public async Task CertificatesRecordedBeforeAsync(string cycleId, IReadOnlyCollection<string> participantIds, CancellationToken cancellationToken)
    {
        if (participantIds.Count == 0)
        {
            return;
        }

        var table = await tables.GetAsync(Table, cancellationToken);
        var missing = participantIds.ToHashSet(StringComparer.Ordinal);
        await foreach (var row in table.QueryAsync<LedgerIndexEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {IndexPartition(cycleId)}"), select: ["RowKey"], cancellationToken: cancellationToken))
        {
            missing.Remove(row.RowKey);
        }

        await CertificatesChangedAsync(cycleId, missing, cancellationToken);
    }

    /// <summary>
    /// One person's rows, by key: the participant row, then the certificate row it names. Only when that one is missing
    /// or superseded (a reissue under way) are the participant's versions queried. Scanning the cycle's participants and
    /// certificates instead (as this did for batches) read the whole cycle per chunk of 100 — 2 million rows for a
    /// 10,000-person phase (#24 measured the phase at 344 s with it).
    /// </summary>
    private async Task<(ParticipantEntity?, List<CertificateEntity>)> LoadOneAsync(string cycleId, string participantId, CancellationToken cancellationToken)
    {
        var p = await participants.GetAsync(cycleId, participantId, cancellationToken);
        var certificatesTable = await tables.GetAsync(AppTables.Certificates, cancellationToken);
        if (p?.CertificateId is { Length: > 0 } certificateId
            && await certificatesTable.GetEntityIfExistsAsync<CertificateEntity>(cycleId, certificateId, cancellationToken: cancellationToken) is { HasValue: true } named
            && named.Value!.Status != CertificateStatus.Superseded)
        {
            return (p, [named.Value]);
        }

        var versions = new List<CertificateEntity>();
        await foreach (var c in certificatesTable.QueryAsync<CertificateEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {cycleId} and ParticipantId eq {participantId}"), cancellationToken: cancellationToken))
        {
            versions.Add(c);
        }

        return (p, versions);
    }

    /// <summary>Rewrites every participant's ledger row of the cycle from its stored state (repair, or a cycle issued before the ledger existed).</summary>
    public async Task SyncCycleAsync(string cycleId, CancellationToken cancellationToken = default) =>
        await CertificatesChangedAsync(cycleId, [.. (await participants.ListAsync(cycleId, cancellationToken)).Where(p => p.CertificateId is not null).Select(p => p.RowKey)], cancellationToken);

    private async Task SyncOneAsync(CycleRecord cycle, string participantId, ParticipantEntity? p, IReadOnlyList<CertificateEntity> versions, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(Table, cancellationToken);
        var indexRow = await table.GetEntityIfExistsAsync<LedgerIndexEntity>(IndexPartition(cycle.CycleId), participantId, cancellationToken: cancellationToken);
        var index = indexRow.HasValue ? indexRow.Value : null;
        var nip = p?.Nip;
        LedgerEntity? existing = null;
        if (nip is not null)
        {
            var row = await table.GetEntityIfExistsAsync<LedgerEntity>(nip, cycle.CycleId, cancellationToken: cancellationToken);
            existing = row.HasValue ? row.Value : null;
        }

        var desired = p is null || nip is null ? null : Build(cycle, p, versions, time.GetUtcNow());

        // A NIP corrected since the last write: the row under the old NIP goes (only if it is this participation's).
        if (index is not null && index.Nip != nip)
        {
            var old = await table.GetEntityIfExistsAsync<LedgerEntity>(index.Nip, cycle.CycleId, cancellationToken: cancellationToken);
            if (old.HasValue && old.Value!.ParticipantId == participantId)
            {
                await table.DeleteEntityAsync(old.Value, old.Value.ETag, cancellationToken);
            }
        }

        if (desired is null)
        {
            if (existing is not null && existing.ParticipantId == participantId)
            {
                await table.DeleteEntityAsync(existing, existing.ETag, cancellationToken);
            }
        }
        else if (existing is null)
        {
            await table.AddEntityAsync(desired, cancellationToken);
        }
        else if (IsNewer(desired, existing) || (Rank(desired) == Rank(existing) && !SameContent(desired, existing)))
        {
            await table.UpdateEntityAsync(desired, existing.ETag, TableUpdateMode.Replace, cancellationToken);
        }

        if (nip is null)
        {
            if (index is not null)
            {
                await table.DeleteEntityAsync(index, index.ETag, cancellationToken);
            }
        }
        else if (index?.Nip != nip)
        {
            await table.UpsertEntityAsync(new LedgerIndexEntity { PartitionKey = IndexPartition(cycle.CycleId), RowKey = participantId, Nip = nip }, TableUpdateMode.Replace, cancellationToken);
        }
    }

    /// <summary>
    /// What the ledger says about one participation, from the stored certificate versions: the newest version that
    /// is not superseded (a reissue in progress still shows the old one), Revoked when that one was revoked; null when
    /// nothing was issued.
    /// </summary>
    public static LedgerEntity? Build(CycleRecord cycle, ParticipantEntity p, IReadOnlyList<CertificateEntity> versions, DateTimeOffset now)
    {
        var current = versions.Where(v => v.Status != CertificateStatus.Superseded).MaxBy(v => v.Version) ?? versions.MaxBy(v => v.Version);
        if (current is null || p.Nip is null)
        {
            return null;
        }

        var start = cycle.Schedule.ToLocal(cycle.Schedule.TrainingStartsAt);
        var end = cycle.Schedule.ToLocal(cycle.Schedule.LastSessionEndsAt);
        return new LedgerEntity
        {
            PartitionKey = p.Nip,
            RowKey = cycle.CycleId,
            ParticipantId = p.RowKey,
            FullName = current.HolderName is { Length: > 0 } holder ? holder : p.FullName ?? "",
            Email = p.Email,
            Agency = p.Agency,
            AgencyLevel = p.AgencyLevel,
            Regency = p.Regency,
            TrainingTitle = cycle.Entity.Title,
            Institution = SiasnExport.Institution(cycle.Definition),
            StartDate = start.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            EndDate = end.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            Year = end.Year,
            Jp = JpOf(cycle, p),
            CertificateId = current.RowKey,
            CertificateNumber = current.Number,
            CertificateVersion = current.Version,
            Status = current.Status == CertificateStatus.Revoked ? CertificateStatus.Revoked : CertificateStatus.Valid,
            RecordedAt = now,
        };
    }

    /// <summary>
    /// The JP a completed participation earns: what the certificate prints (the person's earned JP where the rule says
    /// so, else the certificate's hours, else the sum of the sessions' JP), so the ledger, the SIASN row and the PDF agree.
    /// </summary>
    public static int JpOf(CycleRecord cycle, ParticipantEntity participant) => CertificateIssuer.CertificateJp(cycle, participant);

    private static (int Version, int Status) Rank(LedgerEntity e) => (e.CertificateVersion, e.Status == CertificateStatus.Revoked ? 1 : 0);

    private static bool IsNewer(LedgerEntity a, LedgerEntity b) => Rank(a).CompareTo(Rank(b)) > 0;

    private static bool SameContent(LedgerEntity a, LedgerEntity b) =>
        a.CertificateId == b.CertificateId && a.FullName == b.FullName && a.Email == b.Email && a.Agency == b.Agency && a.Jp == b.Jp &&
        a.Year == b.Year && a.StartDate == b.StartDate && a.EndDate == b.EndDate && a.TrainingTitle == b.TrainingTitle && a.Institution == b.Institution &&
        a.AgencyLevel == b.AgencyLevel && a.Regency == b.Regency && a.CertificateNumber == b.CertificateNumber;

    /// <summary>Every participation recorded under this NIP, newest first.</summary>
    public async Task<IReadOnlyList<LedgerEntity>> ForNipAsync(string nip, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table, cancellationToken);
        var rows = new List<LedgerEntity>();
        await foreach (var row in table.QueryAsync<LedgerEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {nip}"), cancellationToken: cancellationToken))
        {
            rows.Add(row);
        }

        return [.. rows.OrderByDescending(r => r.EndDate, StringComparer.Ordinal).ThenBy(r => r.RowKey, StringComparer.Ordinal)];
    }

    /// <summary>JP per year from the valid certificates, against the yearly requirement; years with only revoked ones show 0.</summary>
    public static IReadOnlyList<LedgerYear> Years(IEnumerable<LedgerEntity> rows) =>
        [.. rows.GroupBy(r => r.Year).OrderByDescending(g => g.Key).Select(g =>
        {
            var jp = g.Where(r => r.Counts).Sum(r => r.Jp);
            return new LedgerYear(g.Key, jp, RequiredJpPerYear, jp >= RequiredJpPerYear);
        })];

    /// <summary>A ledger row as the JSON routes show it.</summary>
    public static object View(LedgerEntity r) => new
    {
        cycleId = r.RowKey,
        participantId = r.ParticipantId,
        fullName = r.FullName,
        agency = r.Agency,
        trainingTitle = r.TrainingTitle,
        institution = r.Institution,
        startDate = r.StartDate,
        endDate = r.EndDate,
        year = r.Year,
        jp = r.Jp,
        certificateId = r.CertificateId,
        certificateNumber = r.CertificateNumber,
        certificateVersion = r.CertificateVersion,
        status = r.Status,
        counts = r.Counts,
    };
}
