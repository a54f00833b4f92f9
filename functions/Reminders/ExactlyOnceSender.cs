using System.Text;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Reminders;

/// <summary>What <see cref="ExactlyOnceSender.RecoverAsync"/> found left open by an earlier execution.</summary>
public sealed record MailRecovery(int Settled, int Cancelled, int Uncertain);

/// <summary>
/// Sends a request of up to 1,000 recipients and records it in the email log so that a crash anywhere in between
/// cannot send it twice (docs/email.md "Exactly once across a crash"):
/// <list type="number">
/// <item>a SendGrid batch id is created (<c>POST /v3/mail/batch</c>) and an <em>intent</em> row naming it and the
/// recipients' log keys (ids only) is written to the EmailLog table <em>before</em> the send;</item>
/// <item>the request goes out with that <c>batch_id</c> and <c>send_at</c> = now + <see cref="SendGridOptions.ScheduleAheadSeconds"/>;</item>
/// <item>on SendGrid's 2xx the intent is marked accepted (one row), then the log rows are written and the intent removed.</item>
/// </list>
/// A retry of the same scope first calls <see cref="RecoverAsync"/>: an accepted intent is written to the log (not
/// sent again); a pending one (the crash fell between the send and the accepted mark) is cancelled through
/// <c>POST /v3/user/scheduled_sends</c> while SendGrid still allows it (until 10 minutes before <c>send_at</c>), so
/// its recipients are sent once, again, in a new batch. The scope (a wave's occurrence) must be sent by one execution
/// at a time (the wave lease), or recovery could cancel a live batch.
/// </summary>
public sealed class ExactlyOnceSender(Mailer mailer, EmailLog emailLog, AppTables tables, IOptions<SendGridOptions> options, TimeProvider time, ILogger<ExactlyOnceSender> logger)
{
    private const string Pending = nameof(Pending);
    private const string Accepted = nameof(Accepted);
    private const int KeyChunkChars = 30_000; // a Table string property holds 64 KiB (32 K UTF-16 chars)

    public static string Prefix(string kind, string scope) => $"~batch|{kind}|{scope}|";

    /// <summary>Settles the intents an earlier execution of this scope left open. Call before reading the email log.</summary>
    public async Task<MailRecovery> RecoverAsync(string cycleId, string kind, string scope, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.EmailLog, cancellationToken);
        var prefix = Prefix(kind, scope);
        var open = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {cycleId} and RowKey ge {prefix} and RowKey lt {prefix + "\uffff"}"), cancellationToken: cancellationToken))
        {
            open.Add(row);
        }

        int settled = 0, cancelled = 0, uncertain = 0;
        foreach (var intent in open)
        {
            var keys = ReadKeys(intent);
            var batchId = intent.GetString("BatchId") ?? "";
            if (intent.GetString("State") == Accepted)
            {
                // SendGrid took it; only the log write was lost. Record it, send nothing.
                var rejected = (intent.GetString("Rejected") ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
                await emailLog.RecordAsync(cycleId, kind, [.. keys.Select(k => (k.Occurrence, rejected.Contains(k.ParticipantId)
                    ? new EmailLogRecord(k.ParticipantId, EmailStatus.Rejected, null, Mailer.RejectedAddress)
                    : new EmailLogRecord(k.ParticipantId, EmailStatus.Sent, intent.GetString("MessageId"), null)))], cancellationToken);
                settled += keys.Count;
            }
            else if (intent.GetDateTimeOffset("SendAt") is { } sendAt && sendAt - time.GetUtcNow() > TimeSpan.FromSeconds(options.Value.CancelCutoffSeconds)
                && await mailer.CancelBatchAsync(batchId, cancellationToken))
            {
                // Whether or not SendGrid accepted it, it will not deliver it: these people are simply still due.
                logger.LogWarning("Cancelled {Kind} batch {BatchId} ({Count} recipients) left unconfirmed by an earlier execution; sending again", kind, batchId, keys.Count);
                cancelled += keys.Count;
            }
            else
            {
                // Past SendGrid's cancel cutoff (or sent without send_at): it may or may not have gone. A lost
                // certificate mail is worse than a duplicate, so these are sent again (at-least-once).
                logger.LogWarning("{Kind} batch {BatchId} ({Count} recipients) can no longer be cancelled; it may be delivered twice", kind, batchId, keys.Count);
                uncertain += keys.Count;
            }

            await DeleteAsync(table, intent);
        }

        return new MailRecovery(settled, cancelled, uncertain);
    }

    /// <summary>
    /// Sends one request (1..1,000 recipients, <paramref name="occurrences"/> parallel to them) and records the outcome
    /// in the email log. <paramref name="scheduled"/> false sends at once (no cancel window: at-least-once across a
    /// crash between SendGrid's answer and the accepted mark, one row write wide).
    /// </summary>
    public async Task<SendOutcome> SendAsync(string cycleId, string kind, string scope, RenderedMail mail, IReadOnlyList<MailRecipient> recipients, IReadOnlyList<string> occurrences,
        IReadOnlyList<MailAttachment>? attachments = null, bool scheduled = true, CancellationToken cancellationToken = default)
    {
        if (occurrences.Count != recipients.Count)
        {
            throw new ArgumentException("one occurrence per recipient", nameof(occurrences));
        }

        var table = await tables.GetAsync(AppTables.EmailLog, cancellationToken);
        var batchId = await mailer.CreateBatchAsync(cancellationToken);
        var ahead = scheduled ? options.Value.ScheduleAheadSeconds : 0;
        DateTimeOffset? sendAt = ahead > 0 ? time.GetUtcNow().AddSeconds(ahead) : null;
        var intent = new TableEntity(cycleId, Prefix(kind, scope) + batchId) { ["BatchId"] = batchId, ["State"] = Pending, ["SendAt"] = sendAt, ["Count"] = recipients.Count };
        var lines = string.Join('\n', recipients.Select((r, i) => occurrences[i] + "\t" + r.ParticipantId));
        for (var i = 0; i * KeyChunkChars < lines.Length; i++)
        {
            intent["K" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)] = lines.Substring(i * KeyChunkChars, Math.Min(KeyChunkChars, lines.Length - i * KeyChunkChars));
        }

        var added = await table.AddEntityAsync(intent, cancellationToken);
        intent.ETag = added.Headers.ETag ?? ETag.All;

        SendOutcome outcome;
        try
        {
            outcome = await mailer.SendAsync(cycleId, kind, mail, recipients, attachments, cancellationToken, new MailSchedule(batchId, sendAt));
        }
        catch (Exception e) when (e is not TransientMailException { Unanswered: true } and not OperationCanceledException)
        {
            // SendGrid answered "no" (429, 5xx, 401/403): nothing was accepted, nothing to recover.
            await DeleteAsync(table, intent);
            throw;
        }

        var occurrenceOf = recipients.Select((r, i) => (r.ParticipantId, Occurrence: occurrences[i])).GroupBy(x => x.ParticipantId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Occurrence, StringComparer.Ordinal);
        if (outcome.Sent.Count > 0)
        {
            // The one-row mark that tells a retry "SendGrid has it": from here on nothing is sent twice.
            var mark = new TableEntity(intent.PartitionKey, intent.RowKey) { ["State"] = Accepted, ["MessageId"] = outcome.MessageId, ["Rejected"] = string.Join('\n', outcome.Rejected.Select(r => r.ParticipantId)) };
            var merged = await table.UpdateEntityAsync(mark, intent.ETag, TableUpdateMode.Merge, cancellationToken);
            intent.ETag = merged.Headers.ETag ?? ETag.All;
        }

        await emailLog.RecordAsync(cycleId, kind, [
            .. outcome.Sent.Select(id => (occurrenceOf[id], new EmailLogRecord(id, EmailStatus.Sent, outcome.MessageId, null))),
            .. outcome.Rejected.Select(r => (occurrenceOf[r.ParticipantId], new EmailLogRecord(r.ParticipantId, EmailStatus.Rejected, null, r.Error)))], cancellationToken);
        await DeleteAsync(table, intent);
        return outcome;
    }

    private static List<(string Occurrence, string ParticipantId)> ReadKeys(TableEntity intent)
    {
        var text = new StringBuilder();
        for (var i = 0; intent.GetString("K" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)) is { } part; i++)
        {
            text.Append(part);
        }

        return [.. text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split('\t', 2)).Where(p => p.Length == 2).Select(p => (p[0], p[1]))];
    }

    private static async Task DeleteAsync(TableClient table, TableEntity intent)
    {
        try
        {
            await table.DeleteEntityAsync(intent.PartitionKey, intent.RowKey, ETag.All);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
        }
    }
}
