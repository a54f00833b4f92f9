using Azure.Data.Tables;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Cycles;

/// <summary>Erasure of one participation (UU PDP 27/2022, docs/privacy.md): the participants table's part.</summary>
public sealed partial class ParticipantStore
{
    /// <summary>
    /// Anonymises a participant row: name, NIP, email, phone, agency, position and rank are cleared, links stop
    /// working (token version), and the email/NIP index rows that point to it are deleted — all in one entity-group
    /// transaction under the row's ETag. The status, dates, registration and certificate numbers stay, so the
    /// cycle's counts and the certificate register keep adding up. Idempotent: an anonymised row returns 0.
    /// </summary>
    public async Task<int> AnonymiseAsync(string cycleId, string participantId, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.Participants, cancellationToken);
        for (var attempt = 0; ; attempt++)
        {
            var p = await GetAsync(cycleId, participantId, cancellationToken);
            if (p is null || IsAnonymised(p))
            {
                return 0;
            }

            var actions = new List<TableTransactionAction>();
            var removedIndexes = 0;
            foreach (var key in new[] { p.Email.Length > 0 ? EmailIndexKey(cycleId, p.Email) : null, p.Nip is { Length: > 0 } nip ? NipIndexKey(cycleId, nip) : null })
            {
                if (key is not null && await FindIndexAsync(cycleId, key, cancellationToken) is { } index && index.ParticipantId == participantId)
                {
                    actions.Add(new(TableTransactionActionType.Delete, index, index.ETag));
                    removedIndexes++;
                }
            }

            p.Email = "";
            p.FullName = null;
            p.Nip = null;
            p.Phone = null;
            p.Agency = null;
            p.Position = null;
            p.Rank = null;
            p.BirthPlace = null;
            p.BirthDate = null;
            p.SuperiorName = null;
            p.SuperiorEmail = null;
            p.EligibilityExplanation = null;
            p.TokenVersion++;
            p.UpdatedAt = now;
            actions.Add(new(TableTransactionActionType.UpdateReplace, p, p.ETag));
            try
            {
                await table.SubmitTransactionAsync(actions, cancellationToken);
                return 1 + removedIndexes;
            }
            catch (TableTransactionFailedException e) when (e.Status is 409 or 412 or 404 && attempt < 10)
            {
                // The row or an index changed under us (a correction, a registration): read again.
            }
        }
    }

    /// <summary>True for a row an erasure has anonymised (no address, no name, no NIP).</summary>
    public static bool IsAnonymised(ParticipantEntity p) => p.Email.Length == 0 && p.FullName is null && p.Nip is null && p.Phone is null;
}
