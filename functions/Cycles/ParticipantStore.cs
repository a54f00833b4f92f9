using Azure;
using Azure.Data.Tables;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Cycles;

/// <summary>What an import did; <see cref="NipConflicts"/> lists new invitees whose NIP someone else already holds.</summary>
public sealed record ImportResult(int Total, int Imported, int AlreadyInvited, IReadOnlyList<InviteeRow> NipConflicts);

/// <summary>
/// The participants table: one partition per cycle, so a cycle's rows are one query and writes batch. This store
/// is the table's one owner (participant rows, their NIP/email index rows and the cycle's counters row): every read
/// and write goes through its methods, each named for what it does, so every change keeps the same rules — ETags
/// on rows that two requests can race for, counters in the same entity-group transaction as the rows they count,
/// token versions bumped where links must stop working. Work that decides several rows at once (a registration,
/// a withdrawal and its promotion) builds a <see cref="ParticipantTransaction"/> from the store's row operations
/// and submits it here (ParticipantStore.Changes.cs). A test keeps it so (tests/…/Architecture/ParticipantRowOwnerTests.cs).
/// </summary>
public sealed partial class ParticipantStore(AppTables tables, AuditLog audit, TimeProvider time)
{
    // 100 operations per entity-group transaction: 33 invitees × (row + email index + NIP index) + the counters row.
    private const int InviteesPerBatch = 33;

    public static string EmailIndexKey(string cycleId, string email) => "ix-email-" + Ids.IndexHash(cycleId, email.Trim().ToLowerInvariant());

    public static string NipIndexKey(string cycleId, string nip) => "ix-nip-" + Ids.IndexHash(cycleId, nip);

    /// <summary>Participant ids start with "p" (<see cref="Ids.New"/>): every one is ≥ this and &lt; <see cref="AfterLastId"/>.</summary>
    public const string FirstId = "p";

    public const string AfterLastId = "q";

    private static string ParticipantFilter(string cycleId) => TableClient.CreateQueryFilter($"PartitionKey eq {cycleId} and RowKey ge {FirstId} and RowKey lt {AfterLastId}");

    /// <summary>
    /// Adds the invitees not yet on the list. Idempotent: re-importing the same rows changes nothing (the email
    /// index rows are inserted, not upserted, so even two concurrent imports cannot add anyone twice). An invitee's
    /// NIP index row is written with the invitee, so from the import on nobody else can register that NIP.
    /// A new invitee whose NIP already belongs to someone else in the cycle is refused before anything is written.
    /// </summary>
    public async Task<ImportResult> ImportInviteesAsync(string cycleId, IReadOnlyList<InviteeRow> rows, AuditActor actor, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.Participants, cancellationToken);
        var imported = 0;
        var pending = rows.ToList();
        for (var attempt = 0; pending.Count > 0; attempt++)
        {
            var existing = await ExistingIndexKeysAsync(table, cycleId, "ix-email-", cancellationToken);
            pending = [.. pending.Where(r => !existing.Contains(EmailIndexKey(cycleId, r.Email)))];
            var nips = await ExistingIndexKeysAsync(table, cycleId, "ix-nip-", cancellationToken);
            var conflicts = pending.Where(r => r.Nip is not null && nips.Contains(NipIndexKey(cycleId, r.Nip))).ToList();
            if (conflicts.Count > 0)
            {
                return new ImportResult(rows.Count, imported, rows.Count - imported - pending.Count, conflicts);
            }

            var failedBatch = false;
            foreach (var batch in pending.Chunk(InviteesPerBatch))
            {
                var counters = (await table.GetEntityAsync<CountersEntity>(cycleId, CountersEntity.Key, cancellationToken: cancellationToken)).Value;
                var now = time.GetUtcNow();
                var actions = new List<TableTransactionAction>(batch.Length * 3 + 1);
                var audits = new List<AuditEntry>(batch.Length);
                foreach (var row in batch)
                {
                    var participantId = Ids.New("p");
                    actions.Add(new(TableTransactionActionType.Add, new ParticipantEntity
                    {
                        PartitionKey = cycleId,
                        RowKey = participantId,
                        Email = row.Email,
                        FullName = row.FullName,
                        Nip = row.Nip,
                        Phone = row.Phone,
                        Agency = row.Agency,
                        AgencyLevel = row.AgencyLevel,
                        Regency = row.Regency,
                        Position = row.Position,
                        Rank = row.Rank,
                        BirthPlace = row.BirthPlace,
                        BirthDate = row.BirthDate,
                        SuperiorName = row.SuperiorName,
                        SuperiorEmail = row.SuperiorEmail,
                        Language = row.Language,
                        Status = ParticipantStatus.Invited,
                        Invited = true,
                        InvitedAt = now,
                        UpdatedAt = now,
                    }));
                    actions.Add(new(TableTransactionActionType.Add, new IndexEntity { PartitionKey = cycleId, RowKey = EmailIndexKey(cycleId, row.Email), ParticipantId = participantId }));
                    if (row.Nip is not null)
                    {
                        actions.Add(new(TableTransactionActionType.Add, new IndexEntity { PartitionKey = cycleId, RowKey = NipIndexKey(cycleId, row.Nip), ParticipantId = participantId }));
                    }
                    audits.Add(AuditEntry.By(actor, now, "participant.invited", participantId));
                }

                counters.Invited += batch.Length;
                actions.Add(new(TableTransactionActionType.UpdateReplace, counters, counters.ETag));
                try
                {
                    await table.SubmitTransactionAsync(actions, cancellationToken);
                }
                catch (TableTransactionFailedException e) when (e.Status is 409 or 412 && attempt < 20)
                {
                    // A concurrent import or registration touched the same rows: re-read and go again.
                    failedBatch = true;
                    break;
                }

                imported += batch.Length;
                await audit.WriteManyAsync(cycleId, audits, cancellationToken);
            }

            if (!failedBatch)
            {
                break;
            }
        }

        return new ImportResult(rows.Count, imported, rows.Count - imported, []);
    }

    private static async Task<HashSet<string>> ExistingIndexKeysAsync(TableClient table, string cycleId, string prefix, CancellationToken cancellationToken)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var end = prefix[..^1] + ".";
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {cycleId} and RowKey ge {prefix} and RowKey lt {end}");
        await foreach (var row in table.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            keys.Add(row.RowKey);
        }

        return keys;
    }

    public Task<IReadOnlyList<ParticipantEntity>> ListAsync(string cycleId, CancellationToken cancellationToken = default) =>
        ListRangeAsync(cycleId, FirstId, AfterLastId, cancellationToken);

    /// <summary>#24: the participants whose id is in [<paramref name="from"/>, <paramref name="to"/>), read by key range.</summary>
    public async Task<IReadOnlyList<ParticipantEntity>> ListRangeAsync(string cycleId, string from, string to, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.Participants, cancellationToken);
        var result = new List<ParticipantEntity>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {cycleId} and RowKey ge {(string.CompareOrdinal(from, FirstId) > 0 ? from : FirstId)} and RowKey lt {(string.CompareOrdinal(to, AfterLastId) < 0 ? to : AfterLastId)}");
        await foreach (var p in table.QueryAsync<ParticipantEntity>(filter, cancellationToken: cancellationToken))
        {
            result.Add(p);
        }

        return result;
    }

    public async Task<ParticipantEntity?> GetAsync(string cycleId, string participantId, CancellationToken cancellationToken = default)
    {
        if (!Ids.LooksValid(participantId, "p"))
        {
            return null;
        }

        var table = await tables.GetAsync(AppTables.Participants, cancellationToken);
        var response = await table.GetEntityIfExistsAsync<ParticipantEntity>(cycleId, participantId, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    /// <summary>The participant this cycle's email index names, if any.</summary>
    public async Task<ParticipantEntity?> FindByEmailAsync(string cycleId, string email, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.Participants, cancellationToken);
        var index = await table.GetEntityIfExistsAsync<IndexEntity>(cycleId, EmailIndexKey(cycleId, email), cancellationToken: cancellationToken);
        return index.HasValue ? await GetAsync(cycleId, index.Value!.ParticipantId, cancellationToken) : null;
    }

    /// <summary>Reads the participant rows for a set of ids: point reads, 16 at a time (a filter may hold only 15 comparisons).</summary>
    public async Task<IReadOnlyList<ParticipantEntity>> GetManyAsync(string cycleId, IEnumerable<string> participantIds, CancellationToken cancellationToken = default)
    {
        var result = new System.Collections.Concurrent.ConcurrentDictionary<string, ParticipantEntity>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(participantIds.Distinct(StringComparer.Ordinal), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (id, ct) =>
        {
            if (await GetAsync(cycleId, id, ct) is { } p)
            {
                result[id] = p;
            }
        });
        return [.. result.Values.OrderBy(p => p.RowKey, StringComparer.Ordinal)];
    }

    public static bool IsConflict(RequestFailedException e) => e.Status is 409 or 412;
}
