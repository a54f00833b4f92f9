using System.Text;
using Ical.Net.CalendarComponents;
using Ical.Net.DataTypes;
using Ical.Net.Serialization;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Reminders;

/// <summary>
/// A message to one participant (confirmation, waitlisted, promoted, email check). Ids only: the activity reads the rest.
/// <see cref="ExpireUnconfirmedAt"/> (email checks): when the orchestration removes the registration if still unconfirmed.
/// </summary>
public sealed record ParticipantMailRequest(string CycleId, string ParticipantId, string Kind, string Occurrence, DateTimeOffset? ExpireUnconfirmedAt = null)
{
    /// <summary>"A seat is yours": one occurrence for every path that promotes (the email-log key must agree).</summary>
    public static ParticipantMailRequest Promoted(string cycleId, string participantId) => new(cycleId, participantId, MailKinds.Promoted, "promoted");
}

/// <summary>Unconfirmed registrations to remove once <see cref="PlannedAt"/> has passed.</summary>
public sealed record UnconfirmedExpiry(string CycleId, IReadOnlyList<string> ParticipantIds, DateTimeOffset PlannedAt);

/// <summary>One-person messages of one cycle that travel together: one orchestration, one SendGrid request per kind and language.</summary>
public sealed record ParticipantMailBatch(string CycleId, IReadOnlyList<ParticipantMailRequest> Mails);

/// <summary>
/// One-person mail goes through a tiny orchestration so that a SendGrid outage delays it under the SendGrid retry
/// policy instead of losing it; the email log keeps it to one message per (kind, occurrence, person). Mails
/// scheduled at about the same time share one orchestration (see <see cref="ParticipantMailQueue"/>): one
/// orchestration per person cost the Durable engine about 37 storage requests and 9 history rows per registration.
/// </summary>
public sealed class ParticipantMail(CycleStore cycles, ParticipantStore participants, EmailLog emailLog, Mailer mailer, MailComposer composer, ILogger<ParticipantMail> logger)
{
    /// <summary>Mails per orchestration: ids only, so the input stays far below the engine's message size limits.</summary>
    public const int MaxMailsPerBatch = 100;

    public static Task ScheduleAsync(DurableTaskClient durable, ParticipantMailRequest request, ILogger logger) =>
        ScheduleAsync(durable, request.CycleId, [request], logger);

    /// <summary>
    /// Schedules the mails in orchestrations of up to <see cref="MaxMailsPerBatch"/>. A lone mail keeps a
    /// deterministic instance id (a double submit schedules it once); a batch's id is derived from its contents, so
    /// the same batch scheduled twice runs once, and the email log covers overlapping batches. Never throws: the
    /// change that caused the mail stands, and a failure is logged.
    /// </summary>
    public static async Task ScheduleAsync(DurableTaskClient durable, string cycleId, IReadOnlyList<ParticipantMailRequest> mails, ILogger logger)
    {
        foreach (var chunk in mails.Chunk(MaxMailsPerBatch))
        {
            var first = chunk[0];
            var instanceId = $"mail-{cycleId}-{first.ParticipantId}-{first.Kind}-{first.Occurrence}" + (chunk.Length > 1 ? $"-x{chunk.Length}-{ContentHash(chunk)}" : "");
            try
            {
                await durable.ScheduleNewOrchestrationInstanceAsync(nameof(ParticipantMailOrchestrator), new ParticipantMailBatch(cycleId, chunk), new StartOrchestrationOptions(instanceId));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Already scheduled (a double submit) or the engine is briefly unavailable; the registration itself stands.
                logger.LogWarning(e, "Could not schedule {Count} {Kind} mail(s) for cycle {CycleId}", chunk.Length, first.Kind, cycleId);
            }
        }
    }

    /// <summary>The same mails scheduled twice (a follow-up run repeated) get the same instance id, so once.</summary>
    private static string ContentHash(IEnumerable<ParticipantMailRequest> mails) =>
        Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(
            string.Join('\n', mails.Select(m => EmailLog.Key(m.Kind, m.Occurrence, m.ParticipantId)).Order(StringComparer.Ordinal)))))[..12].ToLowerInvariant();

    /// <summary>
    /// Sends the batch; then, for email checks, waits on a durable timer until their confirmation windows end and
    /// removes those still unconfirmed (the timer survives restarts and scale-in; no instance's memory is involved).
    /// </summary>
    [Function(nameof(ParticipantMailOrchestrator))]
    public static async Task<int> ParticipantMailOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context, ParticipantMailBatch batch)
    {
        var sent = await context.CallActivityAsync<int>(nameof(SendParticipantMails), batch, RetryPolicies.SendGrid);
        var expiring = batch.Mails.Where(m => m.ExpireUnconfirmedAt is not null).ToList();
        if (expiring.Count > 0)
        {
            var plannedAt = expiring.Max(m => m.ExpireUnconfirmedAt!.Value);
            await context.CreateTimer(plannedAt.UtcDateTime, CancellationToken.None);
            await context.CallActivityAsync<int>(nameof(ExpireUnconfirmedRegistrations), new UnconfirmedExpiry(batch.CycleId, [.. expiring.Select(m => m.ParticipantId)], plannedAt), RetryPolicies.Storage);
        }

        return sent;
    }

    /// <summary>
    /// Removes the registrations of an email-check batch that were not confirmed in time, by the timer's planned
    /// time (not a clock read that may lag it); each delete under the row's ETag, so a confirmation racing it wins or
    /// loses whole.
    /// </summary>
    [Function(nameof(ExpireUnconfirmedRegistrations))]
    public async Task<int> ExpireUnconfirmedRegistrations([ActivityTrigger] UnconfirmedExpiry expiry)
    {
        var removed = await participants.RemoveExpiredUnconfirmedAsync(expiry.CycleId, expiry.ParticipantIds, expiry.PlannedAt);
        logger.LogInformation("{Removed} of {Count} unconfirmed registration(s) expired in cycle {CycleId}", removed, expiry.ParticipantIds.Count, expiry.CycleId);
        return removed;
    }

    /// <summary>Sends what is not in the email log yet. A retry after a partial success skips what was sent.</summary>
    [Function(nameof(SendParticipantMails))]
    public async Task<int> SendParticipantMails([ActivityTrigger] ParticipantMailBatch batch)
    {
        var cycle = await cycles.GetAsync(batch.CycleId);
        if (cycle is null)
        {
            logger.LogWarning("{Count} mail(s) skipped: cycle {CycleId} not found", batch.Mails.Count, batch.CycleId);
            return 0;
        }

        var handled = await emailLog.HandledKeysAsync(cycle.CycleId, batch.Mails.Select(m => EmailLog.Key(m.Kind, m.Occurrence, m.ParticipantId)));
        var due = batch.Mails.Where(m => !handled.Contains(EmailLog.Key(m.Kind, m.Occurrence, m.ParticipantId))).ToList();
        var people = (await participants.GetManyAsync(cycle.CycleId, due.Select(m => m.ParticipantId))).ToDictionary(p => p.RowKey, StringComparer.Ordinal);
        foreach (var missing in due.Where(m => !people.ContainsKey(m.ParticipantId)))
        {
            logger.LogWarning("Mail {Kind} skipped: participant {ParticipantId} not found", missing.Kind, missing.ParticipantId);
        }

        var sent = 0;
        var groups = due.Where(m => people.ContainsKey(m.ParticipantId))
            .DistinctBy(m => EmailLog.Key(m.Kind, m.Occurrence, m.ParticipantId))
            .GroupBy(m => (m.Kind, Language: people[m.ParticipantId].Language == "en" ? "en" : "id"));
        foreach (var group in groups)
        {
            var (kind, language) = group.Key;
            var rendered = composer.Render(cycle, kind, language);
            var attachments = kind is MailKinds.Confirmation or MailKinds.Promoted
                ? new[] { new MailAttachment("jadwal-pelatihan.ics", "text/calendar", Calendar(cycle)) }
                : null;
            var pending = group.ToList();
            while (pending.Count > 0)
            {
                // One personalization per person per request (two versions of one person's mail go in turn).
                var mails = pending.DistinctBy(m => m.ParticipantId, StringComparer.Ordinal).ToList();
                pending = [.. pending.Except(mails)];
                var occurrenceOf = mails.ToDictionary(m => m.ParticipantId, m => m.Occurrence, StringComparer.Ordinal);
                var outcome = await mailer.SendAsync(cycle.CycleId, kind, rendered, [.. mails.Select(m => composer.Recipient(cycle, people[m.ParticipantId], kind))], attachments);
                await emailLog.RecordAsync(cycle.CycleId, kind, [
                    .. outcome.Sent.Select(id => (occurrenceOf[id], new EmailLogRecord(id, EmailStatus.Sent, outcome.MessageId, null))),
                    .. outcome.Rejected.Select(r => (occurrenceOf[r.ParticipantId], new EmailLogRecord(r.ParticipantId, EmailStatus.Rejected, null, r.Error)))]);
                sent += outcome.Sent.Count;
            }
        }

        return sent;
    }

    /// <summary>The sessions as an iCalendar file in the cycle's time zone (Ical.Net writes the VTIMEZONE).</summary>
    public static byte[] Calendar(CycleRecord cycle)
    {
        var calendar = new Ical.Net.Calendar { Method = "PUBLISH" };
        calendar.AddTimeZone(new VTimeZone(cycle.Schedule.TimeZone));
        foreach (var session in cycle.Schedule.Sessions)
        {
            calendar.Events.Add(new CalendarEvent
            {
                Uid = $"{cycle.CycleId}-{session.Id}-v{cycle.Entity.ScheduleVersion}@training-cycles",
                Summary = $"{cycle.Entity.Title} — {session.Title}",
                Location = cycle.Definition.Venue,
                Description = cycle.Definition.OrganizerName,
                DtStart = new CalDateTime(CycleSchedule.ToLocal(session.StartsAt, cycle.Schedule.TimeZone).DateTime, cycle.Schedule.TimeZone),
                DtEnd = new CalDateTime(CycleSchedule.ToLocal(session.EndsAt, cycle.Schedule.TimeZone).DateTime, cycle.Schedule.TimeZone),
            });
        }

        return Encoding.UTF8.GetBytes(new CalendarSerializer().SerializeToString(calendar) ?? "");
    }
}
