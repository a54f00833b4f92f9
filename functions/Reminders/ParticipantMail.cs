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
using TrainingCycles.Registration;

namespace TrainingCycles.Reminders;

/// <summary>A message to one participant (confirmation, waitlisted, promoted). Ids only: the activity reads the rest.</summary>
public sealed record ParticipantMailRequest(string CycleId, string ParticipantId, string Kind, string Occurrence);

/// <summary>
/// One-person mail goes through a tiny orchestration so that a SendGrid outage delays it under the SendGrid retry
/// policy instead of losing it, and a deterministic instance id plus the email log keep it to one message.
/// </summary>
public sealed class ParticipantMail(CycleStore cycles, ParticipantStore participants, EmailLog emailLog, Mailer mailer, MailComposer composer, ILogger<ParticipantMail> logger)
{
    public static async Task ScheduleAsync(DurableTaskClient durable, ParticipantMailRequest request, ILogger logger)
    {
        var instanceId = $"mail-{request.CycleId}-{request.ParticipantId}-{request.Kind}-{request.Occurrence}";
        try
        {
            await durable.ScheduleNewOrchestrationInstanceAsync(nameof(ParticipantMailOrchestrator), request, new StartOrchestrationOptions(instanceId));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Already scheduled (a double submit) or the engine is briefly unavailable; the registration itself stands.
            logger.LogWarning(e, "Could not schedule {Kind} mail for participant {ParticipantId}", request.Kind, request.ParticipantId);
        }
    }

    [Function(nameof(ParticipantMailOrchestrator))]
    public static Task<bool> ParticipantMailOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context, ParticipantMailRequest request) =>
        context.CallActivityAsync<bool>(nameof(SendParticipantMail), request, RetryPolicies.SendGrid);

    [Function(nameof(SendParticipantMail))]
    public async Task<bool> SendParticipantMail([ActivityTrigger] ParticipantMailRequest request)
    {
        var handled = await emailLog.HandledAsync(request.CycleId, request.Kind, request.Occurrence);
        if (handled.Contains(request.ParticipantId))
        {
            return false;
        }

        var cycle = await cycles.GetAsync(request.CycleId);
        var participant = cycle is null ? null : await participants.GetAsync(request.CycleId, request.ParticipantId);
        if (cycle is null || participant is null)
        {
            logger.LogWarning("Mail {Kind} skipped: cycle or participant {ParticipantId} not found", request.Kind, request.ParticipantId);
            return false;
        }

        var language = participant.Language == "en" ? "en" : "id";
        var rendered = composer.Render(cycle, request.Kind, language);
        var attachments = request.Kind is MailKinds.Confirmation or MailKinds.Promoted
            ? new[] { new MailAttachment("jadwal-pelatihan.ics", "text/calendar", Calendar(cycle)) }
            : null;
        var outcome = await mailer.SendAsync(cycle.CycleId, request.Kind, rendered, [composer.Recipient(cycle, participant, request.Kind)], attachments);
        await emailLog.RecordAsync(cycle.CycleId, request.Kind, request.Occurrence,
            [.. outcome.Sent.Select(id => new EmailLogRecord(id, EmailStatus.Sent, outcome.MessageId, null)), .. outcome.Rejected.Select(r => new EmailLogRecord(r.ParticipantId, EmailStatus.Rejected, null, r.Error))]);
        return outcome.Sent.Count > 0;
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
