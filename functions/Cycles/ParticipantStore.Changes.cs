using System.Globalization;
using Azure;
using Azure.Data.Tables;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Cycles;

/// <summary>A person's details as a registration form (or an organizer's correction) gives them.</summary>
public sealed record RegistrantDetails(string FullName, string Nip, string Email, string Phone, string Agency, string AgencyLevel, string? Regency, string Position, string? Rank, string Language, string? BirthPlace = null, string? BirthDate = null, string? ConsentVersion = null, string? SuperiorName = null, string? SuperiorEmail = null);

/// <summary>The completion rule's verdict for one participant, as recorded on the row.</summary>
/// <summary>The completion rule's verdict; #20 adds the outcome (Certificate/Letter/None), the JP counted and the Indonesian explanation.</summary>
public sealed record EligibilityVerdict(string ParticipantId, bool Eligible, string Explanation, string? Outcome = null, int? EarnedJp = null, string? ExplanationId = null);

/// <summary>What a certificate number assignment records on the participant row.</summary>
public sealed record CertificateNumbering(string CertificateId, string VerificationCode, string Number);

// The named writes and the transactions the store hands out (the reads and the invitee import are in ParticipantStore.cs).
public sealed partial class ParticipantStore
{
    /// <summary>Azure Table storage's limit on operations in one entity-group transaction.</summary>
    public const int MaxActionsPerTransaction = 100;

    /// <summary>The index row (NIP or email, see <see cref="NipIndexKey"/>, <see cref="EmailIndexKey"/>) under this key, if any.</summary>
    public async Task<IndexEntity?> FindIndexAsync(string cycleId, string key, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.Participants, cancellationToken);
        var row = await table.GetEntityIfExistsAsync<IndexEntity>(cycleId, key, cancellationToken: cancellationToken);
        return row.HasValue ? row.Value : null;
    }

    /// <summary>The cycle's counters row (with its ETag, for a transaction that changes it).</summary>
    public async Task<CountersEntity> CountersAsync(string cycleId, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.Participants, cancellationToken);
        return (await table.GetEntityAsync<CountersEntity>(cycleId, CountersEntity.Key, cancellationToken: cancellationToken)).Value;
    }

    /// <summary>The cycle's counters row, or null for a cycle that has none.</summary>
    public async Task<CountersEntity?> FindCountersAsync(string cycleId, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.Participants, cancellationToken);
        var row = await table.GetEntityIfExistsAsync<CountersEntity>(cycleId, CountersEntity.Key, cancellationToken: cancellationToken);
        return row.HasValue ? row.Value : null;
    }

    /// <summary>A new cycle's counters row (all zero). 409 when the cycle already has one.</summary>
    public async Task AddCountersAsync(string cycleId, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.Participants, cancellationToken);
        await table.AddEntityAsync(new CountersEntity { PartitionKey = cycleId }, cancellationToken);
    }

    /// <summary>Takes back the counters row of a cycle whose creation failed half-way.</summary>
    public async Task DeleteCountersAsync(string cycleId, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.Participants, cancellationToken);
        await table.DeleteEntityAsync(cycleId, CountersEntity.Key, ETag.All, cancellationToken);
    }

    /// <summary>How many confirmed people meet the completion rule, and how many of them hold a certificate number (one narrow query).</summary>
    public async Task<(int Eligible, int Certified)> CompletionCountsAsync(string cycleId, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.Participants, cancellationToken);
        int eligible = 0, certified = 0;
        await foreach (var p in table.QueryAsync<ParticipantEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {cycleId} and RowKey ge {"p"} and RowKey lt {"q"} and Eligible eq {true}"),
            select: [nameof(ParticipantEntity.CertificateId)], cancellationToken: cancellationToken))
        {
            eligible++;
            certified += p.CertificateId is null ? 0 : 1;
        }

        return (eligible, certified);
    }

    /// <summary>Participant id → NIP for everyone in the cycle who has one (one narrow query).</summary>
    public async Task<IReadOnlyDictionary<string, string>> NipsAsync(string cycleId, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.Participants, cancellationToken);
        var nips = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var p in table.QueryAsync<ParticipantEntity>(ParticipantFilter(cycleId), select: ["RowKey", nameof(ParticipantEntity.Nip)], cancellationToken: cancellationToken))
        {
            if (!string.IsNullOrEmpty(p.Nip))
            {
                nips[p.RowKey] = p.Nip;
            }
        }

        return nips;
    }

    /// <summary>The first person on the waitlist (lowest waitlist number), or null.</summary>
    public async Task<ParticipantEntity?> FirstWaitlistedAsync(string cycleId, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.Participants, cancellationToken);
        ParticipantEntity? first = null;
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {cycleId} and RowKey ge {"p"} and RowKey lt {"q"} and Status eq {ParticipantStatus.Waitlisted}");
        await foreach (var p in table.QueryAsync<ParticipantEntity>(filter, cancellationToken: cancellationToken))
        {
            if (first is null || p.WaitlistSeq < first.WaitlistSeq)
            {
                first = p;
            }
        }

        return first;
    }

    /// <summary>The first <paramref name="count"/> people on the waitlist, lowest waitlist number first.</summary>
    public async Task<IReadOnlyList<ParticipantEntity>> FirstWaitlistedAsync(string cycleId, int count, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.Participants, cancellationToken);
        var waitlisted = new List<ParticipantEntity>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {cycleId} and RowKey ge {"p"} and RowKey lt {"q"} and Status eq {ParticipantStatus.Waitlisted}");
        await foreach (var p in table.QueryAsync<ParticipantEntity>(filter, cancellationToken: cancellationToken))
        {
            waitlisted.Add(p);
        }

        return [.. waitlisted.OrderBy(p => p.WaitlistSeq).Take(count)];
    }

    public static string RegistrationNumber(string cycleId, int seq) =>
        cycleId[1..5].ToUpperInvariant() + "-" + seq.ToString("D4", CultureInfo.InvariantCulture);

    /// <summary>A row for someone the cycle does not know yet (not stored until a transaction inserts it).</summary>
    public static ParticipantEntity NewParticipant(string cycleId) =>
        new() { PartitionKey = cycleId, RowKey = Ids.New("p"), Status = ParticipantStatus.Invited };

    /// <summary>
    /// Writes a form's details onto a row (in memory; a transaction stores it). A changed email address bumps the
    /// token version: links sent to the old address stop working, they may be in someone else's mailbox.
    /// </summary>
    public static void ApplyDetails(ParticipantEntity p, RegistrantDetails details, DateTimeOffset now)
    {
        var previousEmail = p.Email;
        p.FullName = details.FullName;
        p.Nip = details.Nip;
        p.Email = details.Email;
        p.Phone = details.Phone;
        p.Agency = details.Agency;
        p.AgencyLevel = details.AgencyLevel;
        p.Regency = details.Regency;
        p.Position = details.Position;
        p.Rank = details.Rank;
        p.BirthPlace = details.BirthPlace;
        p.BirthDate = details.BirthDate;
        p.SuperiorName = details.SuperiorName;
        p.SuperiorEmail = details.SuperiorEmail;
        p.Language = details.Language;
        if (details.ConsentVersion is { } version && p.ConsentVersion != version)
        {
            // Consent given (again) to the notice shown now: its version and time are stored together.
            p.ConsentVersion = version;
            p.ConsentAt = now;
        }
        else
        {
            p.ConsentAt ??= now;
        }

        p.UpdatedAt = now;
        if (!string.IsNullOrEmpty(previousEmail) && !string.Equals(previousEmail, details.Email, StringComparison.Ordinal))
        {
            p.TokenVersion++;
        }
    }

    /// <summary>
    /// The open form with email confirmation: one insert of an Unconfirmed row — no seat, no counters, no index
    /// rows (the first to confirm claims the NIP and email).
    /// </summary>
    public async Task<ParticipantEntity> AddUnconfirmedAsync(string cycleId, RegistrantDetails details, DateTimeOffset now, DateTimeOffset confirmBy, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.Participants, cancellationToken);
        var p = NewParticipant(cycleId);
        p.Status = ParticipantStatus.Unconfirmed;
        ApplyDetails(p, details, now); // consent and update time: now
        p.ConfirmBy = confirmBy;
        var response = await table.AddEntityAsync(p, cancellationToken);
        p.ETag = response.Headers.ETag ?? p.ETag;
        return p;
    }

    /// <summary>
    /// Removes the Unconfirmed rows whose window ended by <paramref name="plannedAt"/>, each under its ETag: a
    /// confirmation racing the delete wins or loses whole. Returns how many went (each is audited).
    /// </summary>
    public async Task<int> RemoveExpiredUnconfirmedAsync(string cycleId, IReadOnlyList<string> participantIds, DateTimeOffset plannedAt, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.Participants, cancellationToken);
        var removed = 0;
        foreach (var id in participantIds.Distinct(StringComparer.Ordinal))
        {
            var row = await table.GetEntityIfExistsAsync<ParticipantEntity>(cycleId, id, cancellationToken: cancellationToken);
            if (!row.HasValue || row.Value!.Status != ParticipantStatus.Unconfirmed || row.Value.ConfirmBy > plannedAt)
            {
                continue;
            }

            try
            {
                await table.DeleteEntityAsync(cycleId, id, row.Value.ETag, cancellationToken);
                removed++;
                await audit.WriteAsync(cycleId, AuditLog.System, "registration.expired", id, cancellationToken: cancellationToken);
            }
            catch (RequestFailedException e) when (e.Status is 404 or 412)
            {
                // Confirmed (or removed) a moment ago.
            }
        }

        return removed;
    }

    /// <summary>
    /// Records the completion rule's verdicts (<c>Eligible</c>, <c>EligibilityExplanation</c>) by merge, in
    /// transactions of up to 100 rows. Last writer wins (<see cref="ETag.All"/>): the verdict is a function of the
    /// marks, and every writer computes it from the marks it just read.
    /// </summary>
    public async Task RecordEligibilityAsync(string cycleId, IReadOnlyList<EligibilityVerdict> verdicts, CancellationToken cancellationToken = default)
    {
        if (verdicts.Count == 0)
        {
            return;
        }

        var table = await tables.GetAsync(AppTables.Participants, cancellationToken);
        foreach (var chunk in verdicts.Chunk(MaxActionsPerTransaction))
        {
            await table.SubmitTransactionAsync(chunk.Select(v => new TableTransactionAction(TableTransactionActionType.UpdateMerge, new TableEntity(cycleId, v.ParticipantId)
            {
                [nameof(ParticipantEntity.Eligible)] = v.Eligible,
                [nameof(ParticipantEntity.EligibilityExplanation)] = v.Explanation,
                [nameof(ParticipantEntity.EligibilityExplanationId)] = v.ExplanationId,
                [nameof(ParticipantEntity.CompletionOutcome)] = v.Outcome ?? (v.Eligible ? "Certificate" : "None"),
                [nameof(ParticipantEntity.EarnedJp)] = v.EarnedJp,
            }, ETag.All)), cancellationToken);
        }
    }

    /// <summary>
    /// Records the latest delivery state of mail to a participant (<c>EmailStatus</c>, <c>EmailStatusAt</c>, by
    /// merge). A later "Delivered" does not hide an earlier failure (Bounced, Dropped, SpamReport) of another mail.
    /// Nothing happens for a row that does not exist.
    /// </summary>
    public async Task RecordEmailStatusAsync(string cycleId, string participantId, string status, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.Participants, cancellationToken);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(cycleId, participantId, select: [nameof(ParticipantEntity.EmailStatus), nameof(ParticipantEntity.EmailStatusAt)], cancellationToken: cancellationToken);
        if (!row.HasValue)
        {
            return;
        }

        var current = row.Value!.GetString(nameof(ParticipantEntity.EmailStatus));
        if (status == "Delivered" && current is "Bounced" or "Dropped" or "SpamReport")
        {
            return;
        }

        var update = new TableEntity(cycleId, participantId) { [nameof(ParticipantEntity.EmailStatus)] = status, [nameof(ParticipantEntity.EmailStatusAt)] = at };
        await table.UpdateEntityAsync(update, ETag.All, TableUpdateMode.Merge, cancellationToken);
    }

    /// <summary>
    /// Gives every eligible, confirmed participant without a certificate its certificate id, verification code and
    /// number, in the same entity-group transaction that advances the counters row's certificate sequence (99 rows
    /// + the counters row each), in registration order. A number is assigned once; a crash commits a whole batch or
    /// none of it; a row or the counter changed meanwhile (412) means read again. Returns how many were numbered.
    /// </summary>
    public async Task<int> AssignCertificateNumbersAsync(string cycleId, Func<int, CertificateNumbering> numbering, IReadOnlySet<string>? heldBack = null, CancellationToken cancellationToken = default)
    {
        const int participantsPerBatch = MaxActionsPerTransaction - 1; // + the counters row
        var table = await tables.GetAsync(AppTables.Participants, cancellationToken);
        var assigned = 0;
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var pending = new List<ParticipantEntity>();
            await foreach (var p in table.QueryAsync<ParticipantEntity>(ParticipantFilter(cycleId), cancellationToken: cancellationToken))
            {
                if (p.Eligible == true && p.Status == ParticipantStatus.Confirmed && p.CertificateId is null && heldBack?.Contains(p.RowKey) != true)
                {
                    pending.Add(p);
                }
            }

            if (pending.Count == 0)
            {
                return assigned;
            }

            // Stable order (registration number, then id) so numbers follow the order people registered.
            pending = [.. pending.OrderBy(p => p.RegistrationNumber, StringComparer.Ordinal).ThenBy(p => p.RowKey, StringComparer.Ordinal)];
            try
            {
                foreach (var batch in pending.Chunk(participantsPerBatch))
                {
                    var counters = (await table.GetEntityAsync<CountersEntity>(cycleId, CountersEntity.Key, cancellationToken: cancellationToken)).Value;
                    var actions = new List<TableTransactionAction>();
                    foreach (var p in batch)
                    {
                        var assignment = numbering(counters.NextCertificateSeq++);
                        p.CertificateId = assignment.CertificateId;
                        p.VerificationCode = assignment.VerificationCode;
                        p.CertificateNumber = assignment.Number;
                        actions.Add(new(TableTransactionActionType.UpdateReplace, p, p.ETag));
                    }

                    actions.Add(new(TableTransactionActionType.UpdateReplace, counters, counters.ETag));
                    await table.SubmitTransactionAsync(actions, cancellationToken);
                    assigned += batch.Length;
                }

                return assigned;
            }
            catch (TableTransactionFailedException e) when (e.Status == 412)
            {
                // A participant or the counter changed under us (a correction, a concurrent run): read again.
            }
        }

        throw new InvalidOperationException($"Could not number the certificates of cycle {cycleId}: too many concurrent changes.");
    }

    /// <summary>
    /// The first step of a certificate reissue: the row names the new certificate id and code (and the corrected
    /// name) before anything else exists. Replace under the row's ETag; a conflict (<see cref="IsConflict"/>) means
    /// someone changed the row first and the caller reads again. <paramref name="p"/> holds the new values after.
    /// </summary>
    public async Task StartReissueAsync(ParticipantEntity p, string certificateId, string verificationCode, string? correctedName, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        if (correctedName is not null)
        {
            p.FullName = correctedName;
        }

        p.CertificateId = certificateId;
        p.VerificationCode = verificationCode;
        p.UpdatedAt = now;
        var table = await tables.GetAsync(AppTables.Participants, cancellationToken);
        await table.UpdateEntityAsync(p, p.ETag, TableUpdateMode.Replace, cancellationToken);
    }

    /// <summary>#24: the oldest mails waiting in the cycle's outbox (at most <paramref name="max"/>, in key order).</summary>
    public async Task<IReadOnlyList<MailOutboxEntity>> QueuedMailAsync(string cycleId, int max, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.Participants, cancellationToken);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {cycleId} and RowKey ge {MailOutboxEntity.Prefix} and RowKey lt {"ob."}");
        var rows = new List<MailOutboxEntity>();
        await foreach (var row in table.QueryAsync<MailOutboxEntity>(filter, maxPerPage: Math.Min(max, 1000), cancellationToken: cancellationToken))
        {
            rows.Add(row);
            if (rows.Count >= max)
            {
                break;
            }
        }

        return rows;
    }

    /// <summary>
    /// #24: removes outbox rows whose mail the email log has recorded, under the ETag they were read with (a row
    /// queued again meanwhile — a new occurrence is a new key, so only a retried batch — stays for the next drain).
    /// </summary>
    public async Task ClearQueuedMailAsync(string cycleId, IReadOnlyList<MailOutboxEntity> rows, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.Participants, cancellationToken);
        foreach (var chunk in rows.Chunk(MaxActionsPerTransaction))
        {
            try
            {
                await table.SubmitTransactionAsync([.. chunk.Select(r => new TableTransactionAction(TableTransactionActionType.Delete, r, r.ETag))], cancellationToken);
            }
            catch (TableTransactionFailedException e) when (e.Status is 404 or 412)
            {
                // One row is gone (another drain cleared it) or was queued again: the rest one by one.
                foreach (var r in chunk)
                {
                    try
                    {
                        await table.DeleteEntityAsync(cycleId, r.RowKey, r.ETag, cancellationToken);
                    }
                    catch (RequestFailedException one) when (one.Status is 404 or 412)
                    {
                    }
                }
            }
        }
    }

    /// <summary>An empty transaction in the cycle's partition, for the caller to fill with the store's row operations.</summary>
    public static ParticipantTransaction Begin(string cycleId) => new(cycleId);

    /// <summary>
    /// Submits a transaction as one entity-group transaction. On success every inserted or replaced row (and the
    /// counters row) carries its new ETag; the returned list has each action's ETag (null where the store gave
    /// none). A lost race throws <see cref="TableTransactionFailedException"/> naming the failed action's index.
    /// </summary>
    public async Task<IReadOnlyList<ETag?>> SubmitAsync(ParticipantTransaction transaction, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.Participants, cancellationToken);
        var response = await table.SubmitTransactionAsync(transaction.Actions, cancellationToken);
        var etags = new ETag?[transaction.Actions.Count];
        for (var i = 0; i < etags.Length; i++)
        {
            etags[i] = i < response.Value.Count ? response.Value[i].Headers.ETag : null;
            if (etags[i] is { } etag && transaction.Actions[i] is { ActionType: TableTransactionActionType.Add or TableTransactionActionType.UpdateReplace } action)
            {
                action.Entity.ETag = etag;
            }
        }

        return etags;
    }
}
