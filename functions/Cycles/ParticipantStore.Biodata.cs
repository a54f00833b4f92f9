using Azure.Data.Tables;

namespace TrainingCycles.Cycles;

/// <summary>What an accepted biodata correction (#22, Records/Biodata*) did to the participant row.</summary>
public enum BiodataApplyOutcome
{
    Applied,

    /// <summary>The row already holds these values (a retry after success).</summary>
    Unchanged,

    /// <summary>The corrected NIP belongs to someone else in the cycle: nothing was written.</summary>
    NipTaken,
    NotFound,
}

/// <summary>#22: the printed identity fields a correction may change (null = leave as it is; "" = clear an optional field).</summary>
public sealed record BiodataChange(string? FullName, string? Nip, string? BirthPlace, string? BirthDate, string? Rank, string? Position, string? Agency);

public sealed partial class ParticipantStore
{
    /// <summary>
    /// Writes an accepted biodata correction onto the participant row under its ETag. A changed NIP moves the
    /// row's NIP index entry in the same entity-group transaction (release the old, claim the new), so the NIP
    /// stays unique in the cycle; a NIP someone else holds refuses the whole change. Idempotent.
    /// </summary>
    public async Task<BiodataApplyOutcome> ApplyBiodataCorrectionAsync(string cycleId, string participantId, BiodataChange change, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        for (var attempt = 0; ; attempt++)
        {
            var p = await GetAsync(cycleId, participantId, cancellationToken);
            if (p is null || IsAnonymised(p))
            {
                return BiodataApplyOutcome.NotFound;
            }

            static string? Pick(string? asked, string? current) => asked is null ? current : asked.Length == 0 ? null : asked;
            var nip = Pick(change.Nip, p.Nip);
            var values = (Pick(change.FullName, p.FullName), nip, Pick(change.BirthPlace, p.BirthPlace), Pick(change.BirthDate, p.BirthDate), Pick(change.Rank, p.Rank), Pick(change.Position, p.Position), Pick(change.Agency, p.Agency));
            if (values == (p.FullName, p.Nip, p.BirthPlace, p.BirthDate, p.Rank, p.Position, p.Agency))
            {
                return BiodataApplyOutcome.Unchanged;
            }

            var transaction = Begin(cycleId);
            if (!string.Equals(nip, p.Nip, StringComparison.Ordinal))
            {
                if (nip is not null && await FindIndexAsync(cycleId, NipIndexKey(cycleId, nip), cancellationToken) is { } taken && taken.ParticipantId != participantId)
                {
                    return BiodataApplyOutcome.NipTaken;
                }

                if (p.Nip is { Length: > 0 } old && await FindIndexAsync(cycleId, NipIndexKey(cycleId, old), cancellationToken) is { } index && index.ParticipantId == participantId)
                {
                    transaction.ReleaseIndex(index);
                }

                if (nip is not null)
                {
                    transaction.ClaimIndex(NipIndexKey(cycleId, nip), participantId);
                }
            }

            (p.FullName, p.Nip, p.BirthPlace, p.BirthDate, p.Rank, p.Position, p.Agency) = values;
            p.UpdatedAt = now;
            transaction.Replace(p);
            try
            {
                await SubmitAsync(transaction, cancellationToken);
                return BiodataApplyOutcome.Applied;
            }
            catch (TableTransactionFailedException e) when (e.Status is 409 or 412 or 404 && attempt < 10)
            {
                // The row or an index changed under us (a registration took the NIP, an erasure): read again.
            }
        }
    }
}
