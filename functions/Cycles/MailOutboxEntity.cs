using Azure;
using Azure.Data.Tables;

namespace TrainingCycles.Cycles;

/// <summary>
/// #24: a mail to send, written in the same entity-group transaction as the change that causes it (a registration,
/// a promotion), in the cycle's partition of the participants table: a committed registration always has its
/// confirmation queued. Ids, kind, occurrence and language only — never a name or an address (the drain reads the
/// participant row when it sends). Deleted once the email log records the mail.
/// </summary>
public sealed class MailOutboxEntity : ITableEntity
{
    /// <summary>Row keys of outbox rows start with this (between the index rows "ix-" and the participants "p…").</summary>
    public const string Prefix = "ob-";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string ParticipantId { get; set; } = "";
    public string Kind { get; set; } = "";
    public string Occurrence { get; set; } = "";

    /// <summary>"id" or "en": the drain groups one SendGrid request per kind and language.</summary>
    public string Language { get; set; } = "id";

    public DateTimeOffset QueuedAt { get; set; }

    public static string Key(string participantId, string kind, string occurrence) => $"{Prefix}{participantId}-{kind}-{occurrence}";
}

/// <summary>The outbox drain's state across ContinueAsNew: how many rounds in a row found nothing (the idle back-off).</summary>
public sealed record MailOutboxDrainInput(string CycleId, int IdleRounds = 0);

/// <summary>
/// #24: starting a cycle's outbox drain (the orchestration is Reminders.MailOutbox.MailOutboxDrain; named here so
/// the cycle's create can start it without depending on the mail layer).
/// </summary>
public static class MailOutboxDrainStart
{
    public const string Orchestrator = "MailOutboxDrain";

    public static string InstanceId(string cycleId) => "outbox-" + cycleId;

    /// <summary>Starts the cycle's drain unless it exists (created, or found already there: success).</summary>
    public static Task<bool> EnsureAsync(Microsoft.DurableTask.Client.DurableTaskClient durable, string cycleId, CancellationToken cancellationToken = default) =>
        Infrastructure.DurableStarts.StartOnceAsync(durable, Orchestrator, new MailOutboxDrainInput(cycleId), InstanceId(cycleId), cancellationToken);
}
