using Azure;
using Azure.Data.Tables;
using TrainingCycles.Attendance;
using TrainingCycles.Certificates.Letters;
using TrainingCycles.Evaluation;
using TrainingCycles.Infrastructure;
using TrainingCycles.Nomination;
using TrainingCycles.Records;
using LetterEntity = TrainingCycles.Certificates.Letters.LetterEntity;

namespace TrainingCycles.Privacy;

/// <summary>Test attempts (answers, scores), session and organisation ratings (free-text comments) and follow-up answers: deleted.</summary>
public sealed class EvaluationHolder(AppTables tables) : IPersonalDataHolder
{
    public string Name => "evaluation";

    public IReadOnlyList<string> Places => ["table:" + EvaluationStore.Table];

    public async Task<PersonalDataSection> ExportAsync(PersonalDataSubject subject, CancellationToken cancellationToken)
    {
        var rows = await HolderRows.OfParticipantAsync(await tables.GetAsync(EvaluationStore.Table, cancellationToken), subject.CycleId, subject.ParticipantId, cancellationToken);
        return new PersonalDataSection(Name, Places, [.. rows.Select(r => r.Keys.Where(k => k is not ("odata.etag" or nameof(TableEntity.PartitionKey))).ToDictionary(k => k, k => HolderRows.Text(r[k]), StringComparer.Ordinal) as IReadOnlyDictionary<string, string?>)]);
    }

    public async Task<ErasureCount> EraseAsync(PersonalDataSubject subject, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(EvaluationStore.Table, cancellationToken);
        return new ErasureCount(Name, await HolderRows.DeleteAsync(table, await HolderRows.OfParticipantAsync(table, subject.CycleId, subject.ParticipantId, cancellationToken), cancellationToken), []);
    }
}

/// <summary>
/// The completion table: an organizer's override (its reason may name the person) and an imported post-test score are
/// deleted; a letter of participation loses its PDF but keeps its register row (number, name, training), like a
/// certificate, so a letter already handed out stays verifiable.
/// </summary>
public sealed class CompletionHolder(AppTables tables, LetterIssuer letters) : IPersonalDataHolder
{
    public string Name => "completion";

    public IReadOnlyList<string> Places => ["table:" + AppTables.Completion, "blob:certificates/letters"];

    public async Task<PersonalDataSection> ExportAsync(PersonalDataSubject subject, CancellationToken cancellationToken)
    {
        var rows = await HolderRows.OfParticipantAsync(await tables.GetAsync(AppTables.Completion, cancellationToken), subject.CycleId, subject.ParticipantId, cancellationToken);
        return new PersonalDataSection(Name, Places, [.. rows.Select(r => HolderRows.Fields(r, nameof(TableEntity.RowKey),
            nameof(CompletionOverrideEntity.Outcome), nameof(CompletionOverrideEntity.Reason), nameof(PostTestScoreEntity.Score),
            nameof(LetterEntity.Number), nameof(LetterEntity.HolderName), nameof(LetterEntity.Status), nameof(LetterEntity.BlobName)))]);
    }

    public async Task<ErasureCount> EraseAsync(PersonalDataSubject subject, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.Completion, cancellationToken);
        var rows = await HolderRows.OfParticipantAsync(table, subject.CycleId, subject.ParticipantId, cancellationToken);
        var letterRows = rows.Where(r => r.RowKey.StartsWith(LetterEntity.Prefix, StringComparison.Ordinal)).ToList();
        var erased = await HolderRows.DeleteAsync(table, rows.Except(letterRows), cancellationToken);
        var kept = new List<KeptRecord>();
        foreach (var letter in letterRows)
        {
            if (letter.GetString(nameof(LetterEntity.BlobName)) is { Length: > 0 } blobName
                && await BlobErasure.DeleteWithVersionsAsync(letters.Container.GetBlobClient(blobName), cancellationToken))
            {
                erased++;
            }

            kept.Add(new KeptRecord(Name, nameof(Texts.Privacy_Kept_Certificate_What), nameof(Texts.Privacy_Kept_Certificate_Why)));
        }

        return new ErasureCount(Name, erased, kept);
    }
}

/// <summary>
/// The person's nomination: the nominee row is anonymised — name, NIP, contact, position, birth data, superior, reason —
/// (it still counts against the agency's quota, so the seat figures stay true), the NIP claim is deleted, and a surat tugas that names only this person is deleted with its
/// PDF; a letter that also covers colleagues stays, as the agency's document about them too.
/// </summary>
public sealed class NominationHolder(AppTables tables, StorageAccount storage) : IPersonalDataHolder
{
    public const string HolderName = "nomination";

    public string Name => HolderName;

    public IReadOnlyList<string> Places => ["table:" + NominationStore.TableName, "blob:" + NominationService.LettersContainer];

    public async Task<PersonalDataSection> ExportAsync(PersonalDataSubject subject, CancellationToken cancellationToken)
    {
        var nominees = await NomineesAsync(await tables.GetAsync(NominationStore.TableName, cancellationToken), subject, cancellationToken);
        return new PersonalDataSection(Name, Places, [.. nominees.Select(n => (IReadOnlyDictionary<string, string?>)new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            [nameof(NomineeEntity.FullName)] = n.FullName, [nameof(NomineeEntity.Nip)] = n.Nip, [nameof(NomineeEntity.Email)] = n.Email, [nameof(NomineeEntity.Phone)] = n.Phone,
            [nameof(NomineeEntity.Position)] = n.Position, [nameof(NomineeEntity.Rank)] = n.Rank, [nameof(NomineeEntity.Agency)] = n.Agency,
            [nameof(NomineeEntity.BirthDate)] = n.BirthDate, [nameof(NomineeEntity.BirthPlace)] = n.BirthPlace,
            [nameof(NomineeEntity.SuperiorName)] = n.SuperiorName, [nameof(NomineeEntity.SuperiorEmail)] = n.SuperiorEmail, // #21
            [nameof(NomineeEntity.Status)] = n.Status, [nameof(NomineeEntity.Reason)] = n.Reason, [nameof(NomineeEntity.LetterId)] = n.LetterId,
        })]);
    }

    public async Task<ErasureCount> EraseAsync(PersonalDataSubject subject, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(NominationStore.TableName, cancellationToken);
        var erased = 0;
        foreach (var n in await NomineesAsync(table, subject, cancellationToken))
        {
            if (n.Nip.Length > 0)
            {
                erased += await HolderRows.DeleteAsync(table, [new TableEntity(subject.CycleId, NominationStore.NipClaimKey(subject.CycleId, n.Nip))], cancellationToken);
            }

            var ownLetter = n.LetterId.Length > 0 && !await OthersShareLetterAsync(table, subject.CycleId, n, cancellationToken);
            if (ownLetter)
            {
                await BlobErasure.DeleteWithVersionsAsync(
                    storage.Blobs.GetBlobContainerClient(NominationService.LettersContainer).GetBlobClient(NominationService.LetterBlobName(subject.CycleId, n.LetterId)), cancellationToken);
                erased += await HolderRows.DeleteAsync(table, [new TableEntity(subject.CycleId, n.LetterId)], cancellationToken);
            }

            if (ownLetter || n.FullName.Length + n.Nip.Length + n.Email.Length + n.Phone.Length + n.Position.Length + (n.Rank?.Length ?? 0) + (n.Reason?.Length ?? 0)
                + (n.BirthDate?.Length ?? 0) + (n.BirthPlace?.Length ?? 0) + (n.SuperiorName?.Length ?? 0) + (n.SuperiorEmail?.Length ?? 0) > 0)
            {
                var cleared = new TableEntity(n.PartitionKey, n.RowKey)
                {
                    [nameof(NomineeEntity.FullName)] = "", [nameof(NomineeEntity.Nip)] = "", [nameof(NomineeEntity.Email)] = "", [nameof(NomineeEntity.Phone)] = "",
                    [nameof(NomineeEntity.Position)] = "", [nameof(NomineeEntity.Rank)] = "", [nameof(NomineeEntity.Reason)] = "",
                    [nameof(NomineeEntity.BirthDate)] = "", [nameof(NomineeEntity.BirthPlace)] = "", // as on the participant row
                    [nameof(NomineeEntity.SuperiorName)] = "", [nameof(NomineeEntity.SuperiorEmail)] = "", // #21
                };
                if (ownLetter)
                {
                    cleared[nameof(NomineeEntity.LetterId)] = "";
                }

                await table.UpdateEntityAsync(cleared, ETag.All, TableUpdateMode.Merge, cancellationToken);
                erased++;
            }
        }

        return new ErasureCount(Name, erased, []);
    }

    /// <summary>The person's nominee rows: the one that became this participant, and any other under the same NIP or email in the cycle.</summary>
    private static async Task<List<NomineeEntity>> NomineesAsync(TableClient table, PersonalDataSubject subject, CancellationToken cancellationToken)
    {
        var found = new List<NomineeEntity>();
        await foreach (var n in table.QueryAsync<NomineeEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {subject.CycleId} and RowKey ge {"n-"} and RowKey lt {"n."}"), cancellationToken: cancellationToken))
        {
            if (n.ParticipantId == subject.ParticipantId || (subject.Nip is { Length: > 0 } && n.Nip == subject.Nip)
                || (subject.Email is { Length: > 0 } && string.Equals(n.Email, subject.Email, StringComparison.OrdinalIgnoreCase)))
            {
                found.Add(n);
            }
        }

        return found;
    }

    private static async Task<bool> OthersShareLetterAsync(TableClient table, string cycleId, NomineeEntity nominee, CancellationToken cancellationToken)
    {
        await foreach (var other in table.QueryAsync<NomineeEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {cycleId} and LetterId eq {nominee.LetterId}"), cancellationToken: cancellationToken))
        {
            // Another nominee the letter still names (one anonymised already no longer counts: else a shared
            // letter would outlive everyone it names).
            if (other.RowKey != nominee.RowKey && other.FullName.Length + other.Nip.Length + other.Email.Length > 0)
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>The person's ledger entry for this participation and its index row: deleted (the certificate register keeps what verification needs).</summary>
public sealed class LedgerHolder(AppTables tables) : IPersonalDataHolder
{
    public string Name => "ledger";

    public IReadOnlyList<string> Places => ["table:" + AppTables.Ledger];

    public async Task<PersonalDataSection> ExportAsync(PersonalDataSubject subject, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.Ledger, cancellationToken);
        var rows = new List<IReadOnlyDictionary<string, string?>>();
        foreach (var row in await RowsAsync(table, subject, cancellationToken))
        {
            rows.Add(HolderRows.Fields(row, nameof(LedgerEntity.FullName), nameof(LedgerEntity.Email), nameof(LedgerEntity.Agency), nameof(LedgerEntity.TrainingTitle),
                nameof(LedgerEntity.Year), nameof(LedgerEntity.Jp), nameof(LedgerEntity.CertificateNumber), nameof(LedgerEntity.Status)));
        }

        return new PersonalDataSection(Name, Places, rows);
    }

    public async Task<ErasureCount> EraseAsync(PersonalDataSubject subject, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.Ledger, cancellationToken);
        var rows = await RowsAsync(table, subject, cancellationToken);
        var index = await table.GetEntityIfExistsAsync<TableEntity>(Ledger.IndexPartition(subject.CycleId), subject.ParticipantId, cancellationToken: cancellationToken);
        if (index.HasValue)
        {
            rows.Add(index.Value!);
        }

        return new ErasureCount(Name, await HolderRows.DeleteAsync(table, rows, cancellationToken), []);
    }

    /// <summary>The entry is keyed by NIP and cycle; the NIP comes from the subject, or from the cycle's index row.</summary>
    private static async Task<List<TableEntity>> RowsAsync(TableClient table, PersonalDataSubject subject, CancellationToken cancellationToken)
    {
        var nip = subject.Nip;
        if (string.IsNullOrEmpty(nip))
        {
            var index = await table.GetEntityIfExistsAsync<LedgerIndexEntity>(Ledger.IndexPartition(subject.CycleId), subject.ParticipantId, cancellationToken: cancellationToken);
            nip = index.HasValue ? index.Value!.Nip : null;
        }

        if (string.IsNullOrEmpty(nip))
        {
            return [];
        }

        var row = await table.GetEntityIfExistsAsync<TableEntity>(nip, subject.CycleId, cancellationToken: cancellationToken);
        return row.HasValue ? [row.Value!] : [];
    }
}
