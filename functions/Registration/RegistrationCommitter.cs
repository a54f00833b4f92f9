using System.Collections.Concurrent;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;
using TrainingCycles.Reminders;

namespace TrainingCycles.Registration;

/// <summary>A change of seats waiting for its cycle's group commit: a new registration or a withdrawal.</summary>
public abstract class PendingSeatChange
{
    /// <summary>Row keys this change writes; two changes sharing one never ride in the same transaction.</summary>
    public abstract IReadOnlyCollection<string> Keys { get; }

    /// <summary>The most operations this change can add to a transaction.</summary>
    public abstract int ActionCount { get; }

    internal abstract void Fail(Exception e);

    /// <summary>Lost a race the committer cannot resolve by reading again itself: the caller reads again.</summary>
    internal abstract void Lost();

    internal abstract void Reset();
}

/// <summary>
/// A withdrawal waiting for its cycle's group commit. It rides in the same transactions as the registrations (and
/// the withdrawals) arriving meanwhile, so it never races them for the counters row: with many instances, each
/// instance's one writer per cycle retries from a fresh read until its transaction lands, the withdrawal with it.
/// A freed seat goes to the first on the waitlist in the same transaction.
/// </summary>
public sealed class PendingWithdrawal(string cycleId, string participantId, bool promote, int capacity) : PendingSeatChange
{
    public string ParticipantId { get; } = participantId;

    public bool Promote { get; } = promote;

    public int Capacity { get; } = capacity;

    public override IReadOnlyCollection<string> Keys { get; } = [participantId];

    /// <summary>The row, and the row of the person promoted into the freed seat with their "a seat is yours" outbox row.</summary>
    public override int ActionCount => 3;

    internal string CycleId { get; } = cycleId;

    internal TaskCompletionSource<WithdrawalResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal override void Fail(Exception e) => Completion.TrySetException(e);

    internal override void Lost()
    {
        // The committer re-reads the row on every attempt, so a withdrawal never needs its caller to read again.
    }

    internal override void Reset()
    {
    }
}

/// <summary>
/// #24: an organizer's removal waiting for its cycle's group commit, like a <see cref="PendingWithdrawal"/>: the row
/// and its index rows go, the counters follow, a freed seat goes to the first on the waitlist — in the same
/// transactions as the registrations arriving meanwhile, so it never races them for the counters row (alone it
/// lost to every instance's registration batches). <see cref="Keys"/> names the index rows as the caller read them,
/// so a registration claiming the same NIP or email never rides in the same transaction.
/// </summary>
public sealed class PendingRemoval(string cycleId, ParticipantEntity read, int capacity) : PendingSeatChange
{
    public string ParticipantId { get; } = read.RowKey;

    public int Capacity { get; } = capacity;

    public override IReadOnlyCollection<string> Keys { get; } = IndexKeys(cycleId, read);

    /// <summary>The row, its two index rows, and the promoted row with its outbox row.</summary>
    public override int ActionCount => 5;

    internal string CycleId { get; } = cycleId;

    /// <summary>The outcome, or null when the row's NIP or email changed since the caller read it (the caller reads again).</summary>
    internal TaskCompletionSource<RemovalResult?> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal static string[] IndexKeys(string cycleId, ParticipantEntity p) =>
        [p.RowKey, .. new[] { p.Nip is null ? null : ParticipantStore.NipIndexKey(cycleId, p.Nip), string.IsNullOrEmpty(p.Email) ? null : ParticipantStore.EmailIndexKey(cycleId, p.Email) }.OfType<string>()];

    internal override void Fail(Exception e) => Completion.TrySetException(e);

    internal override void Lost()
    {
        // The committer re-reads the row on every attempt.
    }

    internal override void Reset()
    {
    }
}

/// <summary>
/// One new registration waiting to be committed: the participant row as the form left it (status and numbers
/// still unassigned) and the index-row actions the caller decided on after reading the indexes.
/// </summary>
public sealed class PendingRegistration : PendingSeatChange
{
    private readonly ParticipantTransaction.SeatState _original;

    public PendingRegistration(ParticipantEntity participant, bool isNewRow, ParticipantTransaction indexChanges, IReadOnlyCollection<string> keys, int capacity)
    {
        Participant = participant;
        IsNewRow = isNewRow;
        IndexChanges = indexChanges;
        Keys = keys;
        Capacity = capacity;
        _original = ParticipantTransaction.SeatState.Of(participant);
    }

    public ParticipantEntity Participant { get; }

    public bool IsNewRow { get; }

    /// <summary>The index rows this registration claims or frees, in the store's row operations.</summary>
    public ParticipantTransaction IndexChanges { get; }

    /// <summary>Row keys this registration writes; two registrations sharing one never ride in the same transaction.</summary>
    public override IReadOnlyCollection<string> Keys { get; }

    public int Capacity { get; }

    /// <summary>The row, its index rows and its confirmation's outbox row.</summary>
    public override int ActionCount => 2 + IndexChanges.Count;

    internal override void Fail(Exception e) => Completion.TrySetException(e);

    internal override void Lost() => Completion.TrySetResult(null);

    /// <summary>The outcome, or null when this registration lost a race and the caller must read again.</summary>
    internal TaskCompletionSource<RegistrationOutcome?> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Takes a seat or waitlist place in <paramref name="transaction"/> (row, then its index rows); the counters
    /// follow. #24: the confirmation (or waitlisted) mail goes into the outbox in the same transaction, so a committed
    /// registration always has its mail queued (the email log's key: kind, "r-" + registration number, person).
    /// </summary>
    internal RegistrationOutcome Assign(ParticipantTransaction transaction, CountersEntity counters, DateTimeOffset now)
    {
        var seated = transaction.TakeSeat(Participant, IsNewRow, counters, Capacity, now);
        transaction.Append(IndexChanges);
        transaction.QueueMail(Participant, seated ? MailKinds.Confirmation : MailKinds.Waitlisted, ConfirmationOccurrence(Participant), now);
        return seated ? RegistrationOutcome.Confirmed : RegistrationOutcome.Waitlisted;
    }

    /// <summary>The occurrence of a registration's confirmation mail (as it was when the request path scheduled it).</summary>
    public static string ConfirmationOccurrence(ParticipantEntity p) => "r-" + p.RegistrationNumber;

    /// <summary>Undoes <see cref="Assign"/> so a retried transaction starts from what is stored.</summary>
    internal override void Reset() => _original.RestoreTo(Participant);
}

/// <summary>
/// Group commit for new registrations. Every new registration changes the cycle's counters row (seats, numbers),
/// so one transaction per person makes every concurrent request race for that one row: at 32 clients most
/// attempts lost and retried (measured: 8.8 registrations/s, p95 13.6 s, 503s past the contention budget).
/// Instead, each app instance keeps one writer per cycle: requests queue up while a transaction is in flight and
/// the next transaction carries all of them (up to the 100-action limit) with a single counters update, in
/// arrival order, so seats still go first come, first served. Correctness does not depend on there being one
/// writer: the counters row is still written under its ETag, so writers on other instances (or a withdrawal,
/// an import) make a transaction fail with 412 and it is rebuilt from a fresh read. A registration whose own
/// row or index row conflicts (someone registered the same NIP a moment earlier) is taken out of the batch and
/// its caller reads again, exactly as with its own transaction.
/// </summary>
public sealed class RegistrationCommitter(ParticipantStore participants, AuditLog audit, TimeProvider time, ILogger<RegistrationCommitter> logger)
{
    /// <summary>Azure Table storage's limit on operations in one entity-group transaction.</summary>
    public const int MaxActionsPerTransaction = ParticipantStore.MaxActionsPerTransaction;

    private const int MaxAttemptsPerBatch = 60;

    private readonly ConcurrentDictionary<string, Lane> _lanes = new(StringComparer.Ordinal);

    /// <summary>Queues a new registration and waits for its transaction. Null: lost a race, read again.</summary>
    public Task<RegistrationOutcome?> CommitAsync(string cycleId, PendingRegistration registration, CancellationToken cancellationToken = default)
    {
        Enqueue(cycleId, registration);
        return registration.Completion.Task.WaitAsync(cancellationToken);
    }

    /// <summary>#24: queues an organizer's removal (and the promotion into its seat) behind the registrations already waiting.</summary>
    public Task<RemovalResult?> RemoveAsync(PendingRemoval removal, CancellationToken cancellationToken = default)
    {
        Enqueue(removal.CycleId, removal);
        return removal.Completion.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Queues a withdrawal (and the promotion into its seat) behind the registrations already waiting.</summary>
    public Task<WithdrawalResult> WithdrawAsync(PendingWithdrawal withdrawal, CancellationToken cancellationToken = default)
    {
        Enqueue(withdrawal.CycleId, withdrawal);
        return withdrawal.Completion.Task.WaitAsync(cancellationToken);
    }

    private void Enqueue(string cycleId, PendingSeatChange change)
    {
        var lane = _lanes.GetOrAdd(cycleId, id => new Lane(id));
        bool start;
        lock (lane)
        {
            lane.Queue.Add(change);
            start = !lane.Running;
            lane.Running = true;
        }

        if (start)
        {
            _ = Task.Run(() => DrainAsync(lane), CancellationToken.None);
        }
    }

    private async Task DrainAsync(Lane lane)
    {
        while (true)
        {
            List<PendingSeatChange> batch;
            lock (lane)
            {
                try
                {
                    batch = TakeBatch(lane.Queue);
                }
                catch (Exception e)
                {
                    // Cannot happen short of a bug, but never leave callers waiting on a lane nobody drains.
                    foreach (var r in lane.Queue)
                    {
                        r.Fail(e);
                    }

                    lane.Queue.Clear();
                    lane.Running = false;
                    return;
                }

                if (batch.Count == 0)
                {
                    lane.Running = false;
                    return;
                }
            }

            try
            {
                await CommitBatchAsync(lane, batch);
            }
            catch (Exception e)
            {
                // Storage unavailable or the like: every waiting caller gets the error (the host answers 503).
                lane.Counters = null;
                foreach (var r in batch)
                {
                    r.Reset();
                    r.Fail(e);
                }
            }
        }
    }

    /// <summary>The oldest waiting registrations that fit one transaction and share no row with each other.</summary>
    private static List<PendingSeatChange> TakeBatch(List<PendingSeatChange> queue)
    {
        var batch = new List<PendingSeatChange>();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var actions = 1; // the counters row
        for (var i = 0; i < queue.Count && actions < MaxActionsPerTransaction; i++)
        {
            var r = queue[i];
            if (actions + r.ActionCount > MaxActionsPerTransaction || r.Keys.Any(keys.Contains))
            {
                continue; // waits for the next transaction, behind the one it collides with
            }

            keys.UnionWith(r.Keys);
            actions += r.ActionCount;
            batch.Add(r);
        }

        foreach (var r in batch)
        {
            queue.Remove(r);
        }

        return batch;
    }

    private async Task CommitBatchAsync(Lane lane, List<PendingSeatChange> batch)
    {
        var pending = new List<PendingSeatChange>(batch);
        for (var attempt = 0; pending.Count > 0; attempt++)
        {
            if (attempt >= MaxAttemptsPerBatch)
            {
                throw new TimeoutException("Too many concurrent changes to this cycle's registrations; try again.");
            }

            var counters = lane.Counters ?? await participants.CountersAsync(lane.CycleId);
            lane.Counters = null; // kept only while it is known to match what is stored
            var now = time.GetUtcNow();
            var transaction = ParticipantStore.Begin(lane.CycleId);
            var owners = new List<PendingSeatChange?>();
            var outcomes = new Dictionary<PendingRegistration, RegistrationOutcome>();
            var withdrawn = new Dictionary<PendingWithdrawal, (ParticipantEntity Row, ParticipantEntity? Promoted)>();
            var removed = new Dictionary<PendingRemoval, ParticipantEntity?>();

            // Withdrawals and removals first (read fresh on every attempt), then the first on the waitlist into the
            // freed seats, then the new registrations: someone who waited keeps their place ahead of someone who just arrived.
            var withdrawals = pending.OfType<PendingWithdrawal>().ToList();
            var rows = await Task.WhenAll(withdrawals.Select(w => participants.GetAsync(lane.CycleId, w.ParticipantId)));
            var freed = new List<(PendingSeatChange Change, int Capacity)>();
            for (var i = 0; i < withdrawals.Count; i++)
            {
                var w = withdrawals[i];
                if (rows[i] is not { Status: ParticipantStatus.Confirmed or ParticipantStatus.Waitlisted } row)
                {
                    // Not registered (any more): nothing to change, answered now.
                    w.Completion.TrySetResult(new WithdrawalResult(false, rows[i], null));
                    pending.Remove(w);
                    continue;
                }

                var wasConfirmed = row.Status == ParticipantStatus.Confirmed;
                var first = transaction.Count;
                transaction.Withdraw(row, counters, now);
                owners.AddRange(Enumerable.Repeat<PendingSeatChange?>(w, transaction.Count - first));
                withdrawn[w] = (row, null);
                if (wasConfirmed && w.Promote)
                {
                    freed.Add((w, w.Capacity));
                }
            }

            await RemoveAsync(lane.CycleId, pending, transaction, owners, counters, removed, freed);

            if (freed.Count > 0 && counters.Waitlisted > 0)
            {
                var inBatch = new HashSet<string>(pending.SelectMany(c => c.Keys), StringComparer.Ordinal);
                var seats = Math.Min(freed.Count, freed[0].Capacity - counters.Confirmed);
                var candidates = seats <= 0 ? [] : await participants.FirstWaitlistedAsync(lane.CycleId, seats + inBatch.Count);
                var next = 0;
                foreach (var (change, capacity) in freed)
                {
                    while (next < candidates.Count && inBatch.Contains(candidates[next].RowKey))
                    {
                        next++;
                    }

                    if (next >= candidates.Count || counters.Confirmed >= capacity)
                    {
                        break;
                    }

                    var promoted = candidates[next++];
                    transaction.Promote(promoted, counters, now);
                    transaction.QueueMail(promoted, MailKinds.Promoted, PromotedOccurrence, now); // #24: the outbox
                    owners.Add(PromotionMarker);
                    owners.Add(PromotionMarker);
                    if (change is PendingWithdrawal w)
                    {
                        withdrawn[w] = (withdrawn[w].Row, promoted);
                    }
                    else if (change is PendingRemoval r)
                    {
                        removed[r] = promoted;
                    }
                }
            }

            foreach (var r in pending.OfType<PendingRegistration>())
            {
                var first = transaction.Count;
                outcomes[r] = r.Assign(transaction, counters, now);
                owners.AddRange(Enumerable.Repeat<PendingSeatChange?>(r, transaction.Count - first));
            }

            if (pending.Count == 0)
            {
                return;
            }

            transaction.ReplaceCounters(counters);
            owners.Add(null);

            try
            {
                // The store gives every row and the counters row its new ETag.
                var etags = await participants.SubmitAsync(transaction);
                if (etags[^1] is not null)
                {
                    lane.Counters = counters;
                }

                foreach (var (w, (row, promoted)) in withdrawn)
                {
                    w.Completion.TrySetResult(new WithdrawalResult(true, row, promoted));
                }

                foreach (var (r, promoted) in removed)
                {
                    r.Completion.TrySetResult(new RemovalResult(RemovalOutcome.Removed, promoted));
                }

                foreach (var r in pending.OfType<PendingRegistration>())
                {
                    r.Completion.TrySetResult(outcomes[r]);
                }

                await AuditAsync(lane.CycleId, [.. pending.OfType<PendingRegistration>()], outcomes, now);
                return;
            }
            catch (TableTransactionFailedException e) when (e.Status is 404 or 409 or 412)
            {
                foreach (var r in pending)
                {
                    r.Reset();
                }

                var failedIndex = e.FailedTransactionActionIndex;
                if (failedIndex is { } i && i >= 0 && i < owners.Count && owners[i] is PendingRegistration loser)
                {
                    // That person's row or index changed since they read it: they read again on their own.
                    loser.Lost();
                    pending.Remove(loser);
                }
                else if (failedIndex is { } j && j >= 0 && j < owners.Count - 1)
                {
                    // A withdrawn or promoted row changed meanwhile: the next attempt reads them again.
                    await Task.Delay(Random.Shared.Next(1, 5 + Math.Min(attempt, 20) * 5));
                }
                else if (failedIndex == owners.Count - 1)
                {
                    // The counters row changed elsewhere (another instance, an import): re-read it and go again.
                    await Task.Delay(Random.Shared.Next(1, 5 + Math.Min(attempt, 20) * 5));
                }
                else
                {
                    // The store did not say which action failed: registrations read again on their own, withdrawals
                    // (read fresh by every attempt) go again.
                    logger.LogWarning("A registration transaction for cycle {CycleId} failed ({Status}) without naming the action; {Count} requests read again", lane.CycleId, e.Status, pending.Count);
                    foreach (var r in pending.OfType<PendingRegistration>().ToList())
                    {
                        r.Lost();
                        pending.Remove(r);
                    }
                }
            }
        }
    }

    /// <summary>
    /// #24: the removals of the batch, each read fresh: gone → NotFound, certified → HasCertificate (both answered
    /// now); else the row and the index rows it holds go, the counters forget it, and a confirmed seat is freed.
    /// </summary>
    private async Task RemoveAsync(string cycleId, List<PendingSeatChange> pending, ParticipantTransaction transaction, List<PendingSeatChange?> owners, CountersEntity counters, Dictionary<PendingRemoval, ParticipantEntity?> removed, List<(PendingSeatChange Change, int Capacity)> freed)
    {
        foreach (var r in pending.OfType<PendingRemoval>().ToList())
        {
            var row = await participants.GetAsync(cycleId, r.ParticipantId);
            if (row is null || row.CertificateId is not null)
            {
                r.Completion.TrySetResult(new RemovalResult(row is null ? RemovalOutcome.NotFound : RemovalOutcome.HasCertificate, null));
                pending.Remove(r);
                continue;
            }

            if (!PendingRemoval.IndexKeys(cycleId, row).SequenceEqual(r.Keys))
            {
                r.Completion.TrySetResult(null); // its NIP or email changed since the caller read it: read again
                pending.Remove(r);
                continue;
            }

            var first = transaction.Count;
            transaction.Remove(row);
            foreach (var key in r.Keys.Skip(1))
            {
                if (await participants.FindIndexAsync(cycleId, key) is { } index && index.ParticipantId == row.RowKey)
                {
                    transaction.ReleaseIndex(index);
                }
            }

            if (row.Status != ParticipantStatus.Unconfirmed)
            {
                ParticipantTransaction.CountRemoval(row, counters);
            }

            owners.AddRange(Enumerable.Repeat<PendingSeatChange?>(r, transaction.Count - first));
            removed[r] = null;
            if (row.Status == ParticipantStatus.Confirmed)
            {
                freed.Add((r, r.Capacity));
            }
        }
    }

    /// <summary>The occurrence of "a seat is yours" (the same for every path that promotes: the email log's key).</summary>
    public const string PromotedOccurrence = "promoted";

    /// <summary>Stands for a promotion's action in the list of who owns which action of a transaction.</summary>
    private static readonly PendingSeatChange PromotionMarker = new PendingWithdrawal("", "", false, 0);

    /// <summary>One audit transaction per batch. The registrations are already committed, so a failure here is logged, not thrown.</summary>
    private async Task AuditAsync(string cycleId, List<PendingRegistration> committed, Dictionary<PendingRegistration, RegistrationOutcome> outcomes, DateTimeOffset now)
    {
        try
        {
            await audit.WriteManyAsync(cycleId, [.. committed.Select(r => new AuditEntry(now, "participant",
                outcomes[r] == RegistrationOutcome.Confirmed ? "registration.confirmed" : "registration.waitlisted",
                r.Participant.RowKey, r.Participant.RegistrationNumber))]);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Could not write {Count} registration audit rows for cycle {CycleId}", committed.Count, cycleId);
        }
    }

    private sealed class Lane(string cycleId)
    {
        public string CycleId { get; } = cycleId;

        public List<PendingSeatChange> Queue { get; } = [];

        public bool Running { get; set; }

        /// <summary>The counters row as this lane last wrote it (with its ETag), saving a read per transaction.</summary>
        public CountersEntity? Counters { get; set; }
    }
}
