using System.Globalization;
using Azure;
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
}

public sealed record RegistrationResult(RegistrationOutcome Outcome, ParticipantEntity? Participant);

public sealed record WithdrawalResult(bool Withdrawn, ParticipantEntity? Participant, ParticipantEntity? Promoted);

/// <summary>
/// Registration, change and withdrawal as entity-group transactions in the cycle's partition: the participant
/// row, its index rows and the counters move together under ETags. New registrations are committed in groups by
/// <see cref="RegistrationCommitter"/> (one counters update for everyone in the transaction, seats in arrival
/// order); a change of details moves alone; a withdrawal and its promotion are one transaction.
/// </summary>
public sealed class RegistrationService(AppTables tables, RegistrationCommitter committer, AuditLog audit, TimeProvider time)
{
    /// <summary>How long a request keeps retrying lost races before answering 503 (busy) rather than 500.</summary>
    private static readonly TimeSpan ContentionBudget = TimeSpan.FromSeconds(20);

    public async Task<RegistrationResult> RegisterAsync(CycleRecord cycle, ValidatedRegistration form, string? invitedParticipantId, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.Participants, cancellationToken);
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
                var nipLookup = IndexAsync(table, cycleId, nipKey, cancellationToken);
                var emailLookup = IndexAsync(table, cycleId, emailKey, cancellationToken);
                byNip = await nipLookup;
                byEmail = await emailLookup;
            }

            // Who is this? The invite link, then the NIP (same person re-registering), then the email (an invitee using the open link).
            var participantId = invitedParticipantId ?? byNip?.ParticipantId ?? byEmail?.ParticipantId;
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
                var row = await table.GetEntityIfExistsAsync<ParticipantEntity>(cycleId, participantId, cancellationToken: cancellationToken);
                existing = row.HasValue ? row.Value : null;
            }

            // Without the person's own link, a NIP or email that is already registered is never rewritten:
            // knowing someone's NIP must not let you change their registration.
            if (invitedParticipantId is null && existing is { Status: ParticipantStatus.Confirmed or ParticipantStatus.Waitlisted })
            {
                return new RegistrationResult(byNip is not null ? RegistrationOutcome.NipTaken : RegistrationOutcome.EmailTaken, null);
            }

            var now = time.GetUtcNow();
            var p = existing ?? new ParticipantEntity { PartitionKey = cycleId, RowKey = Ids.New("p"), Status = ParticipantStatus.Invited };
            var previousNip = p.Nip;
            var previousEmail = p.Email;
            var wasRegistered = p.Status is ParticipantStatus.Confirmed or ParticipantStatus.Waitlisted;

            p.FullName = form.FullName;
            p.Nip = form.Nip;
            p.Email = form.Email;
            p.Phone = form.Phone;
            p.Agency = form.Agency;
            p.AgencyLevel = form.AgencyLevel;
            p.Regency = form.Regency;
            p.Position = form.Position;
            p.Rank = form.Rank;
            p.Language = form.Language;
            p.ConsentAt ??= now;
            p.UpdatedAt = now;

            var indexActions = new List<TableTransactionAction>();
            var keys = new List<string> { p.RowKey };
            if (byNip is null)
            {
                keys.Add(nipKey);
                indexActions.Add(new(TableTransactionActionType.Add, new IndexEntity { PartitionKey = cycleId, RowKey = nipKey, ParticipantId = p.RowKey }));
                if (previousNip is not null && previousNip != form.Nip)
                {
                    keys.Add(ParticipantStore.NipIndexKey(cycleId, previousNip));
                    indexActions.Add(new(TableTransactionActionType.Delete, new TableEntity(cycleId, ParticipantStore.NipIndexKey(cycleId, previousNip)), ETag.All));
                }
            }

            if (byEmail is null)
            {
                keys.Add(emailKey);
                indexActions.Add(new(TableTransactionActionType.Add, new IndexEntity { PartitionKey = cycleId, RowKey = emailKey, ParticipantId = p.RowKey }));
                if (existing is not null && !string.IsNullOrEmpty(previousEmail) && !string.Equals(previousEmail, form.Email, StringComparison.Ordinal))
                {
                    keys.Add(ParticipantStore.EmailIndexKey(cycleId, previousEmail));
                    indexActions.Add(new(TableTransactionActionType.Delete, new TableEntity(cycleId, ParticipantStore.EmailIndexKey(cycleId, previousEmail)), ETag.All));
                }
            }

            if (!wasRegistered)
            {
                // A new seat or waitlist place: the counters row changes, so it goes through the cycle's group commit.
                var pending = new PendingRegistration(p, existing is null, indexActions, keys, cycle.Entity.Capacity);
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
            var actions = new List<TableTransactionAction> { new(TableTransactionActionType.UpdateReplace, p, p.ETag) };
            actions.AddRange(indexActions);
            try
            {
                var response = await table.SubmitTransactionAsync(actions, cancellationToken);
                p.ETag = response.Value[0].Headers.ETag ?? p.ETag;
            }
            catch (TableTransactionFailedException e) when (e.Status is 404 or 409 or 412)
            {
                // Lost a race (an index row, or an edit of the same row): read everything again and retry.
                await BackOffAsync(started, attempt, cancellationToken);
                continue;
            }

            await audit.WriteAsync(cycleId, "participant", "registration.updated", p.RowKey, p.RegistrationNumber, cancellationToken);
            return new RegistrationResult(RegistrationOutcome.Updated, p);
        }
    }

    /// <summary>Withdraws a registration; a freed seat goes to the first on the waitlist in the same transaction.</summary>
    public async Task<WithdrawalResult> WithdrawAsync(CycleRecord cycle, string participantId, bool promote, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.Participants, cancellationToken);
        var cycleId = cycle.CycleId;
        var started = time.GetTimestamp();
        for (var attempt = 0; ; attempt++)
        {
            var counters = (await table.GetEntityAsync<CountersEntity>(cycleId, CountersEntity.Key, cancellationToken: cancellationToken)).Value;
            var row = await table.GetEntityIfExistsAsync<ParticipantEntity>(cycleId, participantId, cancellationToken: cancellationToken);
            if (!row.HasValue || row.Value!.Status is not (ParticipantStatus.Confirmed or ParticipantStatus.Waitlisted))
            {
                return new WithdrawalResult(false, row.HasValue ? row.Value : null, null);
            }

            var p = row.Value!;
            var now = time.GetUtcNow();
            var wasConfirmed = p.Status == ParticipantStatus.Confirmed;
            if (wasConfirmed)
            {
                counters.Confirmed--;
            }
            else
            {
                counters.Waitlisted--;
            }

            p.Status = ParticipantStatus.Withdrawn;
            p.WithdrawnAt = now;
            p.UpdatedAt = now;
            counters.Withdrawn++;
            var actions = new List<TableTransactionAction> { new(TableTransactionActionType.UpdateReplace, p, p.ETag) };

            ParticipantEntity? promoted = null;
            if (wasConfirmed && promote && counters.Waitlisted > 0 && counters.Confirmed < cycle.Entity.Capacity)
            {
                promoted = await FirstWaitlistedAsync(table, cycleId, cancellationToken);
                if (promoted is not null)
                {
                    promoted.Status = ParticipantStatus.Confirmed;
                    promoted.UpdatedAt = now;
                    counters.Waitlisted--;
                    counters.Confirmed++;
                    actions.Add(new(TableTransactionActionType.UpdateReplace, promoted, promoted.ETag));
                }
            }

            actions.Add(new(TableTransactionActionType.UpdateReplace, counters, counters.ETag));
            try
            {
                await table.SubmitTransactionAsync(actions, cancellationToken);
            }
            catch (TableTransactionFailedException e) when (e.Status is 409 or 412)
            {
                await BackOffAsync(started, attempt, cancellationToken);
                continue;
            }

            await audit.WriteAsync(cycleId, "participant", "registration.withdrawn", p.RowKey, cancellationToken: cancellationToken);
            if (promoted is not null)
            {
                await audit.WriteAsync(cycleId, AuditLog.System, "registration.promoted", promoted.RowKey, cancellationToken: cancellationToken);
            }

            return new WithdrawalResult(true, p, promoted);
        }
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

    public static string RegistrationNumber(string cycleId, int seq) =>
        cycleId[1..5].ToUpperInvariant() + "-" + seq.ToString("D4", CultureInfo.InvariantCulture);

    private static async Task<IndexEntity?> IndexAsync(TableClient table, string cycleId, string key, CancellationToken cancellationToken)
    {
        var row = await table.GetEntityIfExistsAsync<IndexEntity>(cycleId, key, cancellationToken: cancellationToken);
        return row.HasValue ? row.Value : null;
    }

    private static async Task<ParticipantEntity?> FirstWaitlistedAsync(TableClient table, string cycleId, CancellationToken cancellationToken)
    {
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
}
