using Azure.Data.Tables;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Registration;

public enum RegistrationOutcome
{
    Confirmed,
    Waitlisted,
    Updated,
    NipTaken,
    EmailTaken,

    /// <summary>Through the open form with email confirmation: a row that holds nothing until the link is opened.</summary>
    AwaitingEmailConfirmation,

    /// <summary>The row this link or request is about no longer exists (an unconfirmed registration that expired, a removal).</summary>
    Gone,

    /// <summary>An unconfirmed registration whose confirmation window has ended.</summary>
    ConfirmationExpired,

    /// <summary>A second click on a confirmation link: the registration stands as it is, nothing is sent again.</summary>
    AlreadyConfirmed,
}

public sealed record RegistrationResult(RegistrationOutcome Outcome, ParticipantEntity? Participant);

public sealed record WithdrawalResult(bool Withdrawn, ParticipantEntity? Participant, ParticipantEntity? Promoted);

public enum RemovalOutcome
{
    Removed,
    NotFound,
    HasCertificate,
}

public sealed record RemovalResult(RemovalOutcome Outcome, ParticipantEntity? Promoted);

/// <summary>
/// Registration, change and withdrawal as entity-group transactions in the cycle's partition: the participant
/// row, its index rows and the counters move together under ETags. New registrations are committed in groups by
/// <see cref="RegistrationCommitter"/> (one counters update for everyone in the transaction, seats in arrival
/// order); a change of details moves alone; a withdrawal and its promotion are one transaction.
/// </summary>
public sealed class RegistrationService(ParticipantStore participants, RegistrationCommitter committer, AuditLog audit, TimeProvider time, ISeatHolds holds)
{
    /// <summary>
    /// The seats a registration may fill (#19): the capacity less the seats held for agency quotas, unless the caller
    /// fills one of those held seats itself (<paramref name="heldSeat"/>: an approved nominee), then the whole capacity.
    /// </summary>
    public async Task<int> CapacityAsync(CycleRecord cycle, bool heldSeat = false, CancellationToken cancellationToken = default) =>
        heldSeat ? cycle.Entity.Capacity : Math.Max(0, cycle.Entity.Capacity - await holds.HeldAsync(cycle, cancellationToken));

    /// <summary>How long a request keeps retrying lost races before answering 503 (busy) rather than 500.</summary>
    private static readonly TimeSpan ContentionBudget = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Registers (or changes the details of) a person. <paramref name="invitedParticipantId"/> is the row the person's
    /// own link names, or null for the open form. With <paramref name="detailsOnly"/> (an organizer's correction) an
    /// invitee's details change without registering them. <paramref name="actor"/> names who acted in the audit trail.
    /// <paramref name="heldSeat"/>: see <see cref="CapacityAsync"/>.
    /// </summary>
    public async Task<RegistrationResult> RegisterAsync(CycleRecord cycle, ValidatedRegistration form, string? invitedParticipantId, CancellationToken cancellationToken = default, bool detailsOnly = false, AuditActor? actor = null, string? reason = null, bool heldSeat = false)
    {
        var cycleId = cycle.CycleId;
        var nipKey = ParticipantStore.NipIndexKey(cycleId, form.Nip);
        var emailKey = ParticipantStore.EmailIndexKey(cycleId, form.Email);

        var started = time.GetTimestamp();
        var optimistic = invitedParticipantId is null;
        for (var attempt = 0; ; attempt++)
        {
            // Through the open form most people are new: the first attempt skips the index reads and lets the
            // transaction's Add of the NIP and email index rows find a collision (409), which sends it here again
            // with the reads. That saves two of the request's storage round trips in a registration rush.
            IndexEntity? byNip = null, byEmail = null;
            if (!(optimistic && attempt == 0))
            {
                var nipLookup = participants.FindIndexAsync(cycleId, nipKey, cancellationToken);
                var emailLookup = participants.FindIndexAsync(cycleId, emailKey, cancellationToken);
                byNip = await nipLookup;
                byEmail = await emailLookup;
            }

            // Who is this? Only the person's own link says so. The open form never attaches to an existing row: a
            // NIP or email already in this cycle (an invitee's, a registrant's, a withdrawn person's) is refused, so
            // knowing someone's NIP or email never lets a stranger take their seat or rewrite their record.
            var participantId = invitedParticipantId;
            if (byNip is not null && participantId != byNip.ParticipantId)
            {
                return new RegistrationResult(RegistrationOutcome.NipTaken, null);
            }

            if (byEmail is not null && participantId != byEmail.ParticipantId)
            {
                return new RegistrationResult(RegistrationOutcome.EmailTaken, null);
            }

            ParticipantEntity? existing = null;
            if (participantId is not null)
            {
                existing = await participants.GetAsync(cycleId, participantId, cancellationToken);
                if (existing is null)
                {
                    // The link's row is gone (expired unconfirmed registration, removed by the organizer): never recreate it.
                    return new RegistrationResult(RegistrationOutcome.Gone, null);
                }
            }

            var before = existing is null ? null : ParticipantDetails.Of(existing);

            var now = time.GetUtcNow();
            var p = existing ?? ParticipantStore.NewParticipant(cycleId);
            var previousNip = p.Nip;
            var previousEmail = p.Email;
            var wasRegistered = p.Status is ParticipantStatus.Confirmed or ParticipantStatus.Waitlisted;

            // Links sent to an old address stop working (the store bumps the token version): they may be in someone else's mailbox.
            ParticipantStore.ApplyDetails(p, Details(form, cycle), now);

            var indexChanges = ParticipantStore.Begin(cycleId);
            var keys = new List<string> { p.RowKey };
            if (byNip is null)
            {
                keys.Add(nipKey);
                indexChanges.ClaimIndex(nipKey, p.RowKey);
                if (previousNip is not null && previousNip != form.Nip)
                {
                    await ReleaseOwnIndexAsync(p, ParticipantStore.NipIndexKey(cycleId, previousNip), indexChanges, keys, cancellationToken);
                }
            }

            if (byEmail is null)
            {
                keys.Add(emailKey);
                indexChanges.ClaimIndex(emailKey, p.RowKey);
                if (existing is not null && !string.IsNullOrEmpty(previousEmail) && !string.Equals(previousEmail, form.Email, StringComparison.Ordinal))
                {
                    await ReleaseOwnIndexAsync(p, ParticipantStore.EmailIndexKey(cycleId, previousEmail), indexChanges, keys, cancellationToken);
                }
            }

            if (!wasRegistered && !detailsOnly)
            {
                // A new seat or waitlist place: the counters row changes, so it goes through the cycle's group commit.
                var pending = new PendingRegistration(p, existing is null, indexChanges, keys, await CapacityAsync(cycle, heldSeat, cancellationToken));
                if (await committer.CommitAsync(cycleId, pending, cancellationToken) is not { } committed)
                {
                    if (!optimistic || attempt > 0)
                    {
                        await BackOffAsync(started, attempt, cancellationToken);
                    }

                    continue;
                }

                return new RegistrationResult(committed, p);
            }

            // A change of details: the counters stay as they are, so this person's rows move alone.
            var change = ParticipantStore.Begin(cycleId);
            change.Replace(p);
            change.Append(indexChanges);
            try
            {
                await participants.SubmitAsync(change, cancellationToken);
            }
            catch (TableTransactionFailedException e) when (e.Status is 404 or 409 or 412)
            {
                // Lost a race (an index row, or an edit of the same row): read everything again and retry.
                await BackOffAsync(started, attempt, cancellationToken);
                continue;
            }

            var (changedBefore, changedAfter) = ParticipantDetails.Changes(before, ParticipantDetails.Of(p));
            await audit.WriteChangeAsync(cycleId, actor ?? AuditActor.Participant(), detailsOnly ? "participant.corrected" : "registration.updated", p.RowKey, Reasoned(p.RegistrationNumber, reason), changedBefore, changedAfter, cancellationToken);
            return new RegistrationResult(RegistrationOutcome.Updated, p);
        }
    }

    /// <summary>
    /// The open form with email confirmation: refuses a NIP or email the cycle already knows, else inserts one
    /// Unconfirmed row — no seat, no counters, no index rows (so a stranger typing someone's NIP blocks nobody: the
    /// first to confirm gets it). One insert, so a rush of bots costs a row each and takes no seat.
    /// </summary>
    public async Task<RegistrationResult> StartOpenRegistrationAsync(CycleRecord cycle, ValidatedRegistration form, TimeSpan confirmWithin, CancellationToken cancellationToken = default)
    {
        var cycleId = cycle.CycleId;
        var byNip = participants.FindIndexAsync(cycleId, ParticipantStore.NipIndexKey(cycleId, form.Nip), cancellationToken);
        var byEmail = participants.FindIndexAsync(cycleId, ParticipantStore.EmailIndexKey(cycleId, form.Email), cancellationToken);
        if (await byNip is not null)
        {
            return new RegistrationResult(RegistrationOutcome.NipTaken, null);
        }

        if (await byEmail is not null)
        {
            return new RegistrationResult(RegistrationOutcome.EmailTaken, null);
        }

        var now = time.GetUtcNow();
        var p = await participants.AddUnconfirmedAsync(cycleId, Details(form, cycle), now, now + confirmWithin, cancellationToken);
        await audit.WriteAsync(cycleId, "participant", "registration.started", p.RowKey, cancellationToken: cancellationToken);
        return new RegistrationResult(RegistrationOutcome.AwaitingEmailConfirmation, p);
    }

    /// <summary>
    /// The person opened the link mailed to them: the Unconfirmed row becomes a registration through the same group
    /// commit as everyone else (seat or waitlist in order of confirmation; the NIP/email index rows are claimed now).
    /// </summary>
    public async Task<RegistrationResult> ConfirmEmailAsync(CycleRecord cycle, string participantId, CancellationToken cancellationToken = default)
    {
        if (await participants.GetAsync(cycle.CycleId, participantId, cancellationToken) is not { } p)
        {
            return new RegistrationResult(RegistrationOutcome.Gone, null);
        }

        if (p.Status != ParticipantStatus.Unconfirmed)
        {
            return new RegistrationResult(RegistrationOutcome.AlreadyConfirmed, p);
        }

        if (p.ConfirmBy is { } by && by <= time.GetUtcNow())
        {
            return new RegistrationResult(RegistrationOutcome.ConfirmationExpired, p);
        }

        var form = new ValidatedRegistration(p.FullName ?? "", p.Nip ?? "", p.Email, p.Phone ?? "", p.Agency ?? "", p.AgencyLevel ?? "", p.Regency, p.Position ?? "", p.Rank, p.Language, p.BirthPlace, p.BirthDate, p.SuperiorName, p.SuperiorEmail);
        return await RegisterAsync(cycle, form, p.RowKey, cancellationToken);
    }

    /// <summary>
    /// An organizer removes a row (a fake registration, an invitee added by mistake): the row and its index rows go, the
    /// counters follow, and a freed seat goes to the first on the waitlist (mailed through the outbox) — one transaction. A person who holds a
    /// certificate is never removed (revoke it first; the record stays).
    /// </summary>
    public async Task<RemovalResult> RemoveAsync(CycleRecord cycle, string participantId, AuditActor actor, string? reason, CancellationToken cancellationToken = default)
    {
        // #24: through the cycle's group commit, like a withdrawal: alone it raced every instance's registration
        // batches for the counters row. The committer reads the row again on every attempt.
        var cycleId = cycle.CycleId;
        var started = time.GetTimestamp();
        for (var attempt = 0; ; attempt++)
        {
            if (await participants.GetAsync(cycleId, participantId, cancellationToken) is not { } p)
            {
                return new RemovalResult(RemovalOutcome.NotFound, null);
            }

            if (p.CertificateId is not null)
            {
                return new RemovalResult(RemovalOutcome.HasCertificate, null);
            }

            if (await committer.RemoveAsync(new PendingRemoval(cycleId, p, await CapacityAsync(cycle, cancellationToken: cancellationToken)), cancellationToken) is not { } result)
            {
                await BackOffAsync(started, attempt, cancellationToken); // the NIP or email changed meanwhile: read again
                continue;
            }

            if (result.Outcome == RemovalOutcome.Removed)
            {
                await audit.WriteChangeAsync(cycleId, actor, "participant.removed", p.RowKey, Reasoned(p.RegistrationNumber, reason), ParticipantDetails.Of(p), null, cancellationToken);
                if (result.Promoted is { } promoted)
                {
                    await audit.WriteAsync(cycleId, AuditLog.System, "registration.promoted", promoted.RowKey, cancellationToken: cancellationToken);
                }
            }

            return result;
        }
    }

    /// <summary>Withdraws a registration; a freed seat goes to the first on the waitlist in the same transaction.</summary>
    public async Task<WithdrawalResult> WithdrawAsync(CycleRecord cycle, string participantId, bool promote, CancellationToken cancellationToken = default, AuditActor? actor = null, string? reason = null)
    {
        // Through the cycle's group commit, with the registrations arriving meanwhile: a withdrawal that raced
        // them for the counters row on its own lost to every instance's registration batches (503s in a rush).
        var cycleId = cycle.CycleId;
        var result = await committer.WithdrawAsync(new PendingWithdrawal(cycleId, participantId, promote, await CapacityAsync(cycle, cancellationToken: cancellationToken)), cancellationToken);
        if (!result.Withdrawn)
        {
            return result;
        }

        await audit.WriteAsync(cycleId, actor ?? AuditActor.Participant(), "registration.withdrawn", participantId, Reasoned(null, reason), cancellationToken: cancellationToken);
        if (result.Promoted is { } promoted)
        {
            await audit.WriteAsync(cycleId, AuditLog.System, "registration.promoted", promoted.RowKey, cancellationToken: cancellationToken);
        }

        return result;
    }

    /// <summary>Jittered, growing pause between attempts; past the budget the caller gets a 503 via TimeoutException.</summary>
    private async Task BackOffAsync(long started, int attempt, CancellationToken cancellationToken)
    {
        if (time.GetElapsedTime(started) > ContentionBudget)
        {
            throw new TimeoutException("Too many concurrent changes to this cycle's registrations; try again.");
        }

        await Task.Delay(Random.Shared.Next(5, 20 + Math.Min(attempt, 20) * 10), cancellationToken);
    }

    /// <summary>
    /// Frees an index row this person held under an old NIP or email. A row that is not there (an invitee imported
    /// before imports wrote NIP index rows) or that points to someone else is left alone: a missing index row is not
    /// an error, and deleting it blindly would fail the whole transaction with 404 on every retry.
    /// </summary>
    private async Task ReleaseOwnIndexAsync(ParticipantEntity p, string key, ParticipantTransaction changes, List<string> keys, CancellationToken cancellationToken)
    {
        if (await participants.FindIndexAsync(p.PartitionKey, key, cancellationToken) is { } index && index.ParticipantId == p.RowKey)
        {
            keys.Add(key);
            changes.ReleaseIndex(index);
        }
    }

    // Consent goes with the version of the notice the cycle's forms show now (#23).
    private static RegistrantDetails Details(ValidatedRegistration form, CycleRecord cycle) =>
        new(form.FullName, form.Nip, form.Email, form.Phone, form.Agency, form.AgencyLevel, form.Regency, form.Position, form.Rank, form.Language, form.BirthPlace, form.BirthDate, ConsentNotice.For(cycle.Definition).Version, form.SuperiorName, form.SuperiorEmail);

    private static string? Reasoned(string? details, string? reason) =>
        string.IsNullOrEmpty(reason) ? details : string.IsNullOrEmpty(details) ? reason : details + " — " + reason;
}

/// <summary>The printed and contact details of a participant, as the audit trail records a change to them.</summary>
internal sealed record ParticipantDetails(string? FullName, string? Nip, string Email, string? Phone, string? Agency, string? AgencyLevel, string? Regency, string? Position, string? Rank, string Language, string? BirthPlace = null, string? BirthDate = null, string? SuperiorName = null, string? SuperiorEmail = null)
{
    public static ParticipantDetails Of(ParticipantEntity p) => new(p.FullName, p.Nip, p.Email, p.Phone, p.Agency, p.AgencyLevel, p.Regency, p.Position, p.Rank, p.Language, p.BirthPlace, p.BirthDate, p.SuperiorName, p.SuperiorEmail);

    /// <summary>Only the fields that changed, before and after (null, null when nothing did or there was no before).</summary>
    public static (Dictionary<string, string?>? Before, Dictionary<string, string?>? After) Changes(ParticipantDetails? before, ParticipantDetails after)
    {
        if (before is null)
        {
            return (null, null);
        }

        var was = new Dictionary<string, string?>();
        var now = new Dictionary<string, string?>();
        foreach (var property in typeof(ParticipantDetails).GetProperties())
        {
            var a = (string?)property.GetValue(before);
            var b = (string?)property.GetValue(after);
            if (!string.Equals(a, b, StringComparison.Ordinal))
            {
                var name = char.ToLowerInvariant(property.Name[0]) + property.Name[1..];
                was[name] = a;
                now[name] = b;
            }
        }

        return was.Count == 0 ? (null, null) : (was, now);
    }
}
