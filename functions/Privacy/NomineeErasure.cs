using TrainingCycles.Cycles;
using TrainingCycles.Nomination;

namespace TrainingCycles.Privacy;

/// <summary>What an organizer asked of a nominee's data: found (with the subject the holders look for), or why not.</summary>
public sealed record NomineeSubject(PersonalDataSubject? Subject, string? ParticipantId);

/// <summary>
/// #23: a person an agency nominated who never became a participant (rejected, withdrawn, declined) has no participant
/// row, so the participant routes cannot reach them; their rights are exercised here, through the organizer. Export is
/// every holder's section for the nominee; erasure runs every holder, as the per-participation workflow does, the
/// participant holder last (it finds nothing: the nominee id is not a participant's). Idempotent: a second run erases 0.
/// Refused for a nominee who is (or whose NIP or email is) a participant of the cycle: that participation's erasure
/// takes the nominee rows with it, and running the holders here would reach the participation too.
/// </summary>
public sealed class NomineeErasure(NominationStore nominations, ParticipantStore participants, PersonalDataRegistry registry)
{
    public async Task<NomineeSubject?> FindAsync(string cycleId, string nomineeId, CancellationToken cancellationToken)
    {
        if (await nominations.NomineeAsync(cycleId, nomineeId, cancellationToken) is not { } n)
        {
            return null;
        }

        if (n.ParticipantId is { Length: > 0 } linked)
        {
            return new NomineeSubject(null, linked);
        }

        foreach (var key in new[] { n.Nip.Length > 0 ? ParticipantStore.NipIndexKey(cycleId, n.Nip) : null, n.Email.Length > 0 ? ParticipantStore.EmailIndexKey(cycleId, n.Email) : null }.OfType<string>())
        {
            if (await participants.FindIndexAsync(cycleId, key, cancellationToken) is { } index)
            {
                return new NomineeSubject(null, index.ParticipantId);
            }
        }

        return new NomineeSubject(new PersonalDataSubject(cycleId, nomineeId, n.Email.Length > 0 ? n.Email : null, n.Nip.Length > 0 ? n.Nip : null, n.FullName.Length > 0 ? n.FullName : null, n.Phone.Length > 0 ? n.Phone : null), null);
    }

    public Task<IReadOnlyList<PersonalDataSection>> ExportAsync(PersonalDataSubject subject, CancellationToken cancellationToken) =>
        registry.ExportAsync(subject, cancellationToken);

    /// <summary>Runs every holder; returns the count per holder (names and numbers only).</summary>
    public async Task<IReadOnlyList<ErasureCount>> EraseAsync(PersonalDataSubject subject, CancellationToken cancellationToken)
    {
        var counts = new List<ErasureCount>();
        foreach (var holder in registry.Holders.OrderBy(h => h.Name == ParticipantRecordHolder.HolderName))
        {
            counts.Add(await holder.EraseAsync(subject, cancellationToken));
        }

        return counts;
    }
}
