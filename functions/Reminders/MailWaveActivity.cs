using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Reminders;

/// <summary>
/// One activity per wave (invitations, reminders, notices, certificates): it reads who should get the mail now,
/// skips everyone the email log already settled, and sends the rest in requests of up to 1,000 personalizations.
/// A retry after a failure resumes where the log says the wave stopped.
/// </summary>
public sealed class MailWaveActivity(CycleStore cycles, ParticipantStore participants, EmailLog emailLog, ExactlyOnceSender sender, MailComposer composer, AppTables tables, TimeProvider time, ILogger<MailWaveActivity> logger)
{
    [Function(nameof(SendMailWave))]
    public async Task<MailWaveResult> SendMailWave([ActivityTrigger] MailWave wave)
    {
        var cycle = await cycles.GetAsync(wave.CycleId) ?? throw new InvalidOperationException($"Cycle {wave.CycleId} not found");
        await using var lease = await WaveLease.TryAcquireAsync(tables, time, wave.CycleId, wave.Kind, wave.Occurrence)
            ?? throw new TransientMailException($"Wave {wave.Kind}/{wave.Occurrence} is being sent by another execution; retrying later.");
        // What an earlier execution (killed mid-request) left open is settled first: recorded if SendGrid had it,
        // cancelled otherwise, so the log read next is the truth.
        var recovered = await sender.RecoverAsync(wave.CycleId, wave.Kind, wave.Occurrence);
        var everyone = await participants.ListAsync(wave.CycleId);
        var handled = await emailLog.HandledAsync(wave.CycleId, wave.Kind, wave.Occurrence);
        var due = everyone.Where(p => MailComposer.IsRecipient(wave.Kind, p)).ToList();
        var pending = due.Where(p => !handled.Contains(p.RowKey)).OrderBy(p => p.RowKey, StringComparer.Ordinal).ToList();

        int sent = 0, rejected = 0, requests = 0;
        foreach (var language in pending.GroupBy(p => p.Language == "en" ? "en" : "id"))
        {
            var rendered = composer.Render(cycle, wave.Kind, language.Key);
            foreach (var batch in language.Chunk(Mailer.MaxRecipientsPerRequest))
            {
                await lease.RenewAsync();
                var recipients = batch.Select(p => composer.Recipient(cycle, p, wave.Kind)).ToList();
                // Batch id and intent before the send, send_at ahead, log after: a crash anywhere in between is
                // settled by RecoverAsync above on the retry (docs/email.md "Exactly once across a crash").
                var outcome = await sender.SendAsync(wave.CycleId, wave.Kind, wave.Occurrence, rendered, recipients, [.. recipients.Select(_ => wave.Occurrence)]);
                requests += outcome.Requests;
                sent += outcome.Sent.Count;
                rejected += outcome.Rejected.Count;
            }
        }

        Telemetry.MailsSent.Add(sent, new KeyValuePair<string, object?>("kind", wave.Kind));
        logger.LogInformation("Mail wave {Kind}/{Occurrence} for cycle {CycleId}: {Sent} sent, {AlreadySent} already sent, {Rejected} rejected, {Requests} requests; recovered {Settled} recorded, {Cancelled} cancelled, {Uncertain} uncertain",
            wave.Kind, wave.Occurrence, wave.CycleId, sent, due.Count - pending.Count, rejected, requests, recovered.Settled, recovered.Cancelled, recovered.Uncertain);
        return new MailWaveResult(due.Count, sent, due.Count - pending.Count, rejected, requests);
    }
}
