using Azure;
using Azure.Data.Tables;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Nomination;

public enum QuotaChangeOutcome
{
    Saved,
    OverCapacity,
    BelowHeld,
    Closed,
}

public sealed record QuotaChange(QuotaChangeOutcome Outcome, int TotalSeats, IReadOnlyList<QuotaRow> BelowHeld, IReadOnlyList<(QuotaEntity Quota, bool CoordinatorChanged)> Saved);

public enum NominateOutcome
{
    Nominated,
    QuotaFull,
    NipNominated,
    Closed,
    NotFound,
}

public sealed record NominateResult(NominateOutcome Outcome, NomineeEntity? Nominee = null, string? OtherAgency = null);

/// <summary>
/// The table <c>Nominations</c> (see <see cref="QuotaEntity"/>): its one owner. Every seat-changing write is one
/// entity-group transaction in the cycle's partition under the quota row's ETag, so two coordinators submitting the
/// last seat at once cannot both win, a NIP claim row makes a second nomination of the same NIP (by any agency) fail on
/// insert, and the sum row keeps the quotas within the cycle's capacity however many organizers edit them.
/// </summary>
public sealed class NominationStore(AppTables tables, TimeProvider time)
{
    public const string TableName = AppTables.Nominations;
    private const int MaxAttempts = 30;

    public static string NipClaimKey(string cycleId, string nip) => "nip-" + Ids.IndexHash(cycleId, nip);

    private Task<TableClient> TableAsync(CancellationToken ct) => tables.GetAsync(TableName, ct);

    private static string Range(string cycleId, string prefix) =>
        TableClient.CreateQueryFilter($"PartitionKey eq {cycleId} and RowKey ge {prefix} and RowKey lt {prefix[..^1] + (char)(prefix[^1] + 1)}");

    public async Task<IReadOnlyList<QuotaEntity>> QuotasAsync(string cycleId, CancellationToken ct = default)
    {
        var table = await TableAsync(ct);
        var result = new List<QuotaEntity>();
        await foreach (var q in table.QueryAsync<QuotaEntity>(Range(cycleId, "q-"), cancellationToken: ct))
        {
            result.Add(q);
        }

        return [.. result.OrderBy(q => q.Agency, StringComparer.OrdinalIgnoreCase)];
    }

    public async Task<QuotaEntity?> QuotaAsync(string cycleId, string quotaId, CancellationToken ct = default)
    {
        if (!QuotaIds.LooksLikeId(quotaId))
        {
            return null;
        }

        var table = await TableAsync(ct);
        var row = await table.GetEntityIfExistsAsync<QuotaEntity>(cycleId, quotaId, cancellationToken: ct);
        return row.HasValue ? row.Value : null;
    }

    public async Task<IReadOnlyList<NomineeEntity>> NomineesAsync(string cycleId, string? quotaId = null, CancellationToken ct = default)
    {
        var table = await TableAsync(ct);
        var result = new List<NomineeEntity>();
        await foreach (var n in table.QueryAsync<NomineeEntity>(Range(cycleId, "n-"), cancellationToken: ct))
        {
            if (quotaId is null || n.QuotaId == quotaId)
            {
                result.Add(n);
            }
        }

        return [.. result.OrderBy(n => n.NominatedAt)];
    }

    public async Task<NomineeEntity?> NomineeAsync(string cycleId, string nomineeId, CancellationToken ct = default)
    {
        if (!Ids.LooksValid(nomineeId, "n-"))
        {
            return null;
        }

        var table = await TableAsync(ct);
        var row = await table.GetEntityIfExistsAsync<NomineeEntity>(cycleId, nomineeId, cancellationToken: ct);
        return row.HasValue ? row.Value : null;
    }

    public async Task<IReadOnlyList<LetterEntity>> LettersAsync(string cycleId, string? quotaId = null, CancellationToken ct = default)
    {
        var table = await TableAsync(ct);
        var result = new List<LetterEntity>();
        await foreach (var l in table.QueryAsync<LetterEntity>(Range(cycleId, "l-"), cancellationToken: ct))
        {
            if (quotaId is null || l.QuotaId == quotaId)
            {
                result.Add(l);
            }
        }

        return [.. result.OrderBy(l => l.UploadedAt)];
    }

    public async Task<LetterEntity?> LetterAsync(string cycleId, string letterId, CancellationToken ct = default)
    {
        if (!Ids.LooksValid(letterId, "l-"))
        {
            return null;
        }

        var table = await TableAsync(ct);
        var row = await table.GetEntityIfExistsAsync<LetterEntity>(cycleId, letterId, cancellationToken: ct);
        return row.HasValue ? row.Value : null;
    }

    public async Task AddLetterAsync(LetterEntity letter, CancellationToken ct = default) =>
        await (await TableAsync(ct)).AddEntityAsync(letter, ct);

    /// <summary>
    /// Adds or changes the listed agencies' quotas (others stay) in one transaction with the sum row: the sum of all seats
    /// never exceeds <paramref name="capacity"/>, and no quota goes below the seats its nominees hold.
    /// </summary>
    public async Task<QuotaChange> SetQuotasAsync(string cycleId, IReadOnlyList<QuotaRow> rows, int capacity, bool released, CancellationToken ct = default)
    {
        var table = await TableAsync(ct);
        for (var attempt = 0; ; attempt++)
        {
            var sumRow = await table.GetEntityIfExistsAsync<QuotaSumEntity>(cycleId, QuotaSumEntity.Key, cancellationToken: ct);
            var sum = sumRow.HasValue ? sumRow.Value! : new QuotaSumEntity { PartitionKey = cycleId };
            var existing = (await QuotasAsync(cycleId, ct)).ToDictionary(q => q.RowKey, StringComparer.Ordinal);
            if (released)
            {
                return new QuotaChange(QuotaChangeOutcome.Closed, sum.Seats, [], []);
            }

            var below = rows.Where(r => existing.TryGetValue(r.QuotaId, out var q) && r.Seats < q.Held).ToList();
            if (below.Count > 0)
            {
                return new QuotaChange(QuotaChangeOutcome.BelowHeld, sum.Seats, below, []);
            }

            var total = existing.Values.Where(q => !rows.Any(r => r.QuotaId == q.RowKey)).Sum(q => q.Seats) + rows.Sum(r => r.Seats);
            if (total > capacity)
            {
                return new QuotaChange(QuotaChangeOutcome.OverCapacity, total, [], []);
            }

            var now = time.GetUtcNow();
            var actions = new List<TableTransactionAction>();
            var saved = new List<(QuotaEntity, bool)>();
            foreach (var r in rows)
            {
                var had = existing.GetValueOrDefault(r.QuotaId);
                var q = had ?? new QuotaEntity { PartitionKey = cycleId, RowKey = r.QuotaId };
                var coordinatorChanged = had is null || !string.Equals(had.CoordinatorEmail, r.CoordinatorEmail, StringComparison.Ordinal);
                if (had is not null && coordinatorChanged)
                {
                    q.CoordinatorVersion++;
                }

                q.Agency = r.Agency;
                q.AgencyLevel = r.AgencyLevel;
                q.Regency = r.Regency;
                q.Seats = r.Seats;
                q.CoordinatorName = r.CoordinatorName;
                q.CoordinatorEmail = r.CoordinatorEmail;
                q.CoordinatorLanguage = r.Language;
                q.UpdatedAt = now;
                actions.Add(had is null ? new(TableTransactionActionType.Add, q) : new(TableTransactionActionType.UpdateReplace, q, had.ETag));
                saved.Add((q, coordinatorChanged));
            }

            sum.Seats = total;
            actions.Add(sumRow.HasValue ? new(TableTransactionActionType.UpdateReplace, sum, sum.ETag) : new(TableTransactionActionType.Add, sum));
            try
            {
                await table.SubmitTransactionAsync(actions, ct);
                return new QuotaChange(QuotaChangeOutcome.Saved, total, [], saved);
            }
            catch (TableTransactionFailedException e) when (e.Status is 409 or 412 && attempt < MaxAttempts)
            {
                // Another import, a nomination or a replacement changed a row meanwhile: read again.
                await Task.Delay(Random.Shared.Next(5, 40), ct);
            }
        }
    }

    /// <summary>Replaces an agency's coordinator (the quota row under its ETag); null when the quota is gone.</summary>
    public async Task<QuotaEntity?> ReplaceCoordinatorAsync(string cycleId, string quotaId, string name, string email, string language, CancellationToken ct = default)
    {
        var table = await TableAsync(ct);
        for (var attempt = 0; ; attempt++)
        {
            if (await QuotaAsync(cycleId, quotaId, ct) is not { } q)
            {
                return null;
            }

            q.CoordinatorName = name;
            q.CoordinatorEmail = email;
            q.CoordinatorLanguage = language;
            q.CoordinatorVersion++;
            q.UpdatedAt = time.GetUtcNow();
            try
            {
                await table.UpdateEntityAsync(q, q.ETag, TableUpdateMode.Replace, ct);
                return q;
            }
            catch (RequestFailedException e) when (e.Status == 412 && attempt < MaxAttempts)
            {
                await Task.Delay(Random.Shared.Next(5, 40), ct);
            }
        }
    }

    /// <summary>
    /// Nominates one person for the quota (and, with <paramref name="replaces"/>, withdraws that nominee in the same
    /// transaction, so a replacement never needs a free seat): quota row under its ETag, the nominee row and the NIP claim
    /// inserted. Of two requests for the last seat exactly one commits; the other reads again and hears "quota full".
    /// </summary>
    public async Task<NominateResult> NominateAsync(string cycleId, string quotaId, NomineeEntity nominee, DateTimeOffset deadline, string? replaces, CancellationToken ct = default)
    {
        var table = await TableAsync(ct);
        var claimKey = NipClaimKey(cycleId, nominee.Nip);
        for (var attempt = 0; ; attempt++)
        {
            if (await QuotaAsync(cycleId, quotaId, ct) is not { } q)
            {
                return new NominateResult(NominateOutcome.NotFound);
            }

            if (q.Released || time.GetUtcNow() >= deadline)
            {
                return new NominateResult(NominateOutcome.Closed);
            }

            NomineeEntity? old = null;
            if (replaces is not null)
            {
                old = await NomineeAsync(cycleId, replaces, ct);
                if (old is null || old.QuotaId != quotaId || old.Status != NomineeStatus.Nominated)
                {
                    return new NominateResult(NominateOutcome.NotFound);
                }
            }

            var claim = await table.GetEntityIfExistsAsync<NipClaimEntity>(cycleId, claimKey, cancellationToken: ct);
            if (claim.HasValue && claim.Value!.NomineeId != old?.RowKey)
            {
                var other = await QuotaAsync(cycleId, claim.Value.QuotaId, ct);
                return new NominateResult(NominateOutcome.NipNominated, OtherAgency: other?.Agency);
            }

            if (old is null && q.Held >= q.Seats)
            {
                return new NominateResult(NominateOutcome.QuotaFull);
            }

            var actions = new List<TableTransactionAction>();
            if (old is null)
            {
                q.Held++;
            }
            else
            {
                q.Withdrawn++;
                old.Status = NomineeStatus.Withdrawn;
                old.ReplacedBy = nominee.RowKey;
                old.DecidedAt = time.GetUtcNow();
                actions.Add(new(TableTransactionActionType.UpdateReplace, old, old.ETag));
                var oldClaimKey = NipClaimKey(cycleId, old.Nip);
                if (oldClaimKey != claimKey)
                {
                    actions.Add(new(TableTransactionActionType.Delete, new TableEntity(cycleId, oldClaimKey), ETag.All));
                }
            }

            q.UpdatedAt = time.GetUtcNow();
            actions.Insert(0, new(TableTransactionActionType.UpdateReplace, q, q.ETag));
            actions.Add(new(TableTransactionActionType.Add, nominee));
            var newClaim = new NipClaimEntity { PartitionKey = cycleId, RowKey = claimKey, NomineeId = nominee.RowKey, QuotaId = quotaId };
            actions.Add(claim.HasValue ? new(TableTransactionActionType.UpdateReplace, newClaim, claim.Value!.ETag) : new(TableTransactionActionType.Add, newClaim));
            try
            {
                await table.SubmitTransactionAsync(actions, ct);
                return new NominateResult(NominateOutcome.Nominated, nominee);
            }
            catch (TableTransactionFailedException e) when (e.Status is 404 or 409 or 412 && attempt < MaxAttempts)
            {
                // The quota row (another nomination), the old nominee or the NIP claim changed: read again and decide anew.
                await Task.Delay(Random.Shared.Next(1, 20), ct);
            }
        }
    }

    /// <summary>
    /// Moves a nominee out of <see cref="NomineeStatus.Nominated"/>: withdrawn by the coordinator, or rejected by the
    /// organizer (the seat goes back to the quota and the NIP claim is released in the same transaction), or approved
    /// (the seat stays held; <paramref name="participantId"/> names the registration). False when it was no longer nominated.
    /// </summary>
    public async Task<NomineeEntity?> SettleAsync(string cycleId, string nomineeId, string status, string? reason, string? participantId, string actorName, CancellationToken ct = default)
    {
        var table = await TableAsync(ct);
        for (var attempt = 0; ; attempt++)
        {
            var n = await NomineeAsync(cycleId, nomineeId, ct);
            if (n is null || n.Status != NomineeStatus.Nominated || await QuotaAsync(cycleId, n.QuotaId, ct) is not { } q)
            {
                return null;
            }

            n.Status = status;
            n.Reason = reason;
            n.ParticipantId = participantId;
            n.DecidedAt = time.GetUtcNow();
            n.DecidedBy = actorName;
            var actions = new List<TableTransactionAction> { new(TableTransactionActionType.UpdateReplace, n, n.ETag) };
            switch (status)
            {
                case NomineeStatus.Approved:
                    q.Approved++;
                    break;
                case NomineeStatus.Rejected:
                    q.Held--;
                    q.Rejected++;
                    actions.Add(new(TableTransactionActionType.Delete, new TableEntity(cycleId, NipClaimKey(cycleId, n.Nip)), ETag.All));
                    break;
                default:
                    q.Held--;
                    q.Withdrawn++;
                    actions.Add(new(TableTransactionActionType.Delete, new TableEntity(cycleId, NipClaimKey(cycleId, n.Nip)), ETag.All));
                    break;
            }

            q.UpdatedAt = n.DecidedAt.Value;
            actions.Add(new(TableTransactionActionType.UpdateReplace, q, q.ETag));
            try
            {
                await table.SubmitTransactionAsync(actions, ct);
                return n;
            }
            catch (TableTransactionFailedException e) when (e.Status is 404 or 409 or 412 && attempt < MaxAttempts)
            {
                await Task.Delay(Random.Shared.Next(1, 20), ct);
            }
        }
    }

    /// <summary>The nominee accepted through their own link: the row under its ETag, while still nominated. Null when not.</summary>
    public async Task<NomineeEntity?> AcceptAsync(string cycleId, string nomineeId, CancellationToken ct = default)
    {
        var table = await TableAsync(ct);
        for (var attempt = 0; ; attempt++)
        {
            if (await NomineeAsync(cycleId, nomineeId, ct) is not { Status: NomineeStatus.Nominated } n)
            {
                return null;
            }

            if (n.AcceptedAt is not null)
            {
                return n;
            }

            n.AcceptedAt = time.GetUtcNow();
            try
            {
                await table.UpdateEntityAsync(n, n.ETag, TableUpdateMode.Replace, ct);
                return n;
            }
            catch (RequestFailedException e) when (e.Status == 412 && attempt < MaxAttempts)
            {
                await Task.Delay(Random.Shared.Next(1, 20), ct);
            }
        }
    }

    /// <summary>Marks the quota released at the deadline, once: the seats nobody held. Null when it was released already.</summary>
    public async Task<QuotaEntity?> ReleaseAsync(string cycleId, string quotaId, CancellationToken ct = default)
    {
        var table = await TableAsync(ct);
        for (var attempt = 0; ; attempt++)
        {
            if (await QuotaAsync(cycleId, quotaId, ct) is not { Released: false } q)
            {
                return null;
            }

            q.Released = true;
            q.ReleasedSeats = Math.Max(0, q.Seats - q.Held);
            q.UpdatedAt = time.GetUtcNow();
            try
            {
                await table.UpdateEntityAsync(q, q.ETag, TableUpdateMode.Replace, ct);
                return q;
            }
            catch (RequestFailedException e) when (e.Status == 412 && attempt < MaxAttempts)
            {
                await Task.Delay(Random.Shared.Next(1, 20), ct);
            }
        }
    }
}
