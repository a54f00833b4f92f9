using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;
using TrainingCycles.Reminders;

namespace TrainingCycles.Attendance;

/// <summary>One absence decision mail: ids only (the request's row key names the session and the participant).</summary>
public sealed record AbsenceMailRequest(string CycleId, string RequestKey, string Occurrence);

/// <summary>
/// The excused-absence decision mail (template <c>absence-decision</c>), through a one-activity orchestration under
/// the SendGrid retry policy, exactly once per (request, round) through the email log.
/// </summary>
public sealed class AbsenceMail(CycleStore cycles, ParticipantStore participants, AbsenceStore store, EmailLog emailLog, Mailer mailer, ILogger<AbsenceMail> logger)
{
    public const string Kind = "absence-decision";

    /// <summary>The request (session, and its round: a request asked again after a rejection is decided, and mailed, anew).</summary>
    public static string Occurrence(AbsenceRequestEntity row) => $"{row.SessionId}-r{row.Round}";

    /// <summary>Schedules the mail under a deterministic instance id (a double decision request runs once). Never throws.</summary>
    public static async Task ScheduleAsync(DurableTaskClient durable, AbsenceMailRequest request, ILogger logger)
    {
        var instanceId = $"absence-{request.CycleId}-{request.RequestKey.Replace('|', '-')}-{request.Occurrence}";
        try
        {
            await DurableStarts.StartOnceAsync(durable, nameof(AbsenceMailOrchestrator), request, instanceId, CancellationToken.None);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Could not schedule an absence decision mail for cycle {CycleId}", request.CycleId);
        }
    }

    [Function(nameof(AbsenceMailOrchestrator))]
    public static Task<int> AbsenceMailOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context, AbsenceMailRequest request) =>
        context.CallActivityAsync<int>(nameof(SendAbsenceMail), request, RetryPolicies.SendGrid);

    /// <summary>1 when sent now, 0 when already sent, undecided, or nobody to send to.</summary>
    [Function(nameof(SendAbsenceMail))]
    public async Task<int> SendAbsenceMail([ActivityTrigger] AbsenceMailRequest request)
    {
        var row = await store.GetAsync(request.CycleId, request.RequestKey, CancellationToken.None);
        if (row is null || row.Status == AbsenceStatus.Pending || await cycles.GetAsync(request.CycleId) is not { } cycle)
        {
            return 0;
        }

        var key = EmailLog.Key(Kind, request.Occurrence, row.ParticipantId);
        var person = await participants.GetAsync(request.CycleId, row.ParticipantId);
        if ((await emailLog.HandledKeysAsync(request.CycleId, [key])).Count > 0 || person is null || person.Email.Length == 0)
        {
            return 0;
        }

        var language = person.Language == "en" ? "en" : "id";
        var session = cycle.Schedule.Sessions.FirstOrDefault(s => s.Id == row.SessionId);
        var values = new Dictionary<string, string>
        {
            ["title"] = cycle.Entity.Title,
            ["organizer"] = cycle.Definition.OrganizerName ?? "",
            ["session"] = session?.Title ?? row.SessionId,
            ["when"] = session is null ? "" : Formatting.DateTime(session.StartsAt, cycle.Schedule.TimeZone, language),
            ["reason"] = AbsenceReason.Label(row.Reason, language),
            ["decision"] = Text.Get(language, row.Status == AbsenceStatus.Approved ? nameof(Texts.Absence_Decision_Approved) : nameof(Texts.Absence_Decision_Rejected)),
            ["note"] = row.DecisionNote ?? "—",
        };
        var mail = MailTemplates.Render(Kind, language, values);
        var recipient = new MailRecipient(person.RowKey, person.Email, person.FullName, new Dictionary<string, string> { ["name"] = person.FullName ?? "", ["link"] = "", ["number"] = "" });
        var outcome = await mailer.SendAsync(request.CycleId, Kind, mail, [recipient]);
        var record = outcome.Rejected.Count > 0
            ? new EmailLogRecord(person.RowKey, EmailStatus.Rejected, null, outcome.Rejected[0].Error)
            : new EmailLogRecord(person.RowKey, EmailStatus.Sent, outcome.MessageId, null);
        await emailLog.RecordAsync(request.CycleId, Kind, request.Occurrence, [record]);
        logger.LogInformation("Absence decision mail for {ParticipantId} in cycle {CycleId}: {Status}", person.RowKey, request.CycleId, record.Status);
        return outcome.Rejected.Count > 0 ? 0 : 1;
    }
}
