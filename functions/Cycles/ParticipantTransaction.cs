using Azure.Data.Tables;

namespace TrainingCycles.Cycles;

/// <summary>
/// One entity-group transaction in a cycle's partition of the participants table (at most
/// <see cref="ParticipantStore.MaxActionsPerTransaction"/> operations), built from the store's named row operations
/// and submitted by <see cref="ParticipantStore.SubmitAsync"/>. The caller decides (who gets the seat, which index
/// rows to claim); the operations here are the only ones that change a participant, index or counters row, so
/// each change keeps its rules: rows that two requests can race for are written under their ETag, and a change
/// of seats moves the counters row in the same transaction.
/// </summary>
public sealed class ParticipantTransaction
{
    private readonly List<TableTransactionAction> _actions = [];

    internal ParticipantTransaction(string cycleId) => CycleId = cycleId;

    public string CycleId { get; }

    public int Count => _actions.Count;

    internal IReadOnlyList<TableTransactionAction> Actions => _actions;

    /// <summary>Inserts a new row (409 if the id exists).</summary>
    public void Insert(ParticipantEntity p) => _actions.Add(new(TableTransactionActionType.Add, p));

    /// <summary>Replaces a row under its ETag (412 if it changed since it was read).</summary>
    public void Replace(ParticipantEntity p) => _actions.Add(new(TableTransactionActionType.UpdateReplace, p, p.ETag));

    /// <summary>Deletes a row under its ETag.</summary>
    public void Remove(ParticipantEntity p) => _actions.Add(new(TableTransactionActionType.Delete, p, p.ETag));

    /// <summary>Claims a unique index row (NIP or email) for a participant: 409 when someone holds it already.</summary>
    public void ClaimIndex(string key, string participantId) =>
        _actions.Add(new(TableTransactionActionType.Add, new IndexEntity { PartitionKey = CycleId, RowKey = key, ParticipantId = participantId }));

    /// <summary>Frees an index row as read (under its ETag).</summary>
    public void ReleaseIndex(IndexEntity index) => _actions.Add(new(TableTransactionActionType.Delete, index, index.ETag));

    /// <summary>Writes the counters row as changed by the operations before, under the ETag it was read with.</summary>
    public void ReplaceCounters(CountersEntity counters) => _actions.Add(new(TableTransactionActionType.UpdateReplace, counters, counters.ETag));

    /// <summary>
    /// #24: queues a mail to <paramref name="p"/> in this transaction (the outbox row; ids only). An upsert: the same
    /// mail queued again (a retried batch) is the same row, and it never fails the transaction.
    /// </summary>
    public void QueueMail(ParticipantEntity p, string kind, string occurrence, DateTimeOffset now) =>
        _actions.Add(new(TableTransactionActionType.UpsertReplace, new MailOutboxEntity
        {
            PartitionKey = CycleId,
            RowKey = MailOutboxEntity.Key(p.RowKey, kind, occurrence),
            ParticipantId = p.RowKey,
            Kind = kind,
            Occurrence = occurrence,
            Language = p.Language == "en" ? "en" : "id",
            QueuedAt = now,
        }));

    /// <summary>Adds the operations of another transaction (built for the same cycle) after these.</summary>
    public void Append(ParticipantTransaction other)
    {
        if (!string.Equals(other.CycleId, CycleId, StringComparison.Ordinal))
        {
            throw new ArgumentException("A transaction stays in one cycle's partition.", nameof(other));
        }

        _actions.AddRange(other._actions);
    }

    /// <summary>
    /// A new registration takes its place: a seat while <paramref name="capacity"/> allows, else the next waitlist
    /// place; a registration number once (kept on a re-registration). The counters change with it; the row is
    /// inserted (<paramref name="isNewRow"/>) or replaced under its ETag. True for a seat, false for the waitlist.
    /// </summary>
    public bool TakeSeat(ParticipantEntity p, bool isNewRow, CountersEntity counters, int capacity, DateTimeOffset now)
    {
        if (p.Status == ParticipantStatus.Withdrawn)
        {
            counters.Withdrawn--;
        }

        p.RegisteredAt = now;
        p.WithdrawnAt = null;
        p.RegistrationNumber ??= ParticipantStore.RegistrationNumber(p.PartitionKey, counters.NextRegistrationSeq++);
        bool seated;
        if (counters.Confirmed < capacity)
        {
            p.Status = ParticipantStatus.Confirmed;
            counters.Confirmed++;
            seated = true;
        }
        else
        {
            p.Status = ParticipantStatus.Waitlisted;
            p.WaitlistSeq = counters.NextWaitlistSeq++;
            counters.Waitlisted++;
            seated = false;
        }

        if (isNewRow)
        {
            Insert(p);
        }
        else
        {
            Replace(p);
        }

        return seated;
    }

    /// <summary>Withdraws a confirmed or waitlisted registration: the counters follow, links issued before stop working.</summary>
    public void Withdraw(ParticipantEntity p, CountersEntity counters, DateTimeOffset now)
    {
        if (p.Status == ParticipantStatus.Confirmed)
        {
            counters.Confirmed--;
        }
        else
        {
            counters.Waitlisted--;
        }

        p.Status = ParticipantStatus.Withdrawn;
        p.WithdrawnAt = now;
        p.TokenVersion++;
        p.UpdatedAt = now;
        counters.Withdrawn++;
        Replace(p);
    }

    /// <summary>The first on the waitlist takes a freed seat (row and counters together).</summary>
    public void Promote(ParticipantEntity p, CountersEntity counters, DateTimeOffset now)
    {
        p.Status = ParticipantStatus.Confirmed;
        p.UpdatedAt = now;
        counters.Waitlisted--;
        counters.Confirmed++;
        Replace(p);
    }

    /// <summary>The counters forget a row that this transaction removes (<see cref="Remove"/>).</summary>
    public static void CountRemoval(ParticipantEntity p, CountersEntity counters)
    {
        switch (p.Status)
        {
            case ParticipantStatus.Confirmed: counters.Confirmed--; break;
            case ParticipantStatus.Waitlisted: counters.Waitlisted--; break;
            case ParticipantStatus.Withdrawn: counters.Withdrawn--; break;
        }

        if (p.Invited)
        {
            counters.Invited--;
        }
    }

    /// <summary>The fields <see cref="TakeSeat"/> changes, so a transaction that lost a race can start again from what is stored.</summary>
    public readonly record struct SeatState(string Status, string? RegistrationNumber, long WaitlistSeq, DateTimeOffset? RegisteredAt, DateTimeOffset? WithdrawnAt)
    {
        public static SeatState Of(ParticipantEntity p) => new(p.Status, p.RegistrationNumber, p.WaitlistSeq, p.RegisteredAt, p.WithdrawnAt);

        public void RestoreTo(ParticipantEntity p)
        {
            p.Status = Status;
            p.RegistrationNumber = RegistrationNumber;
            p.WaitlistSeq = WaitlistSeq;
            p.RegisteredAt = RegisteredAt;
            p.WithdrawnAt = WithdrawnAt;
        }
    }
}
