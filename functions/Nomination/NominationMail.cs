using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TrainingCycles.Cycles;
using TrainingCycles.Identity;
using TrainingCycles.Infrastructure;
using TrainingCycles.Reminders;

namespace TrainingCycles.Nomination;

/// <summary>The nomination's mails (templates in Reminders/Templates): to a coordinator or a nominee, never a participant row.</summary>
public static class NominationMailKinds
{
    /// <summary>A coordinator's invitation with a sign-in link; occurrence <c>v{CoordinatorVersion}</c> (a new coordinator gets one).</summary>
    public const string Coordinator = "nomination-coordinator";

    /// <summary>"Your quota is not filled yet" before the deadline; occurrence names the reminder.</summary>
    public const string Reminder = "nomination-reminder";

    /// <summary>To the nominee the organizer rejected, with the reason.</summary>
    public const string Rejected = "nomination-rejected";

    /// <summary>To their coordinator, with the reason.</summary>
    public const string RejectedCoordinator = "nomination-rejected-coordinator";

    /// <summary>To the nominee (cycles with <c>nomineeMustAccept</c>): their own link to accept or decline.</summary>
    public const string Ask = "nomination-ask";

    /// <summary>To the coordinator: the nominee declined, the seat is back in the quota.</summary>
    public const string DeclinedCoordinator = "nomination-declined-coordinator";

    public static readonly IReadOnlyList<string> All = [Coordinator, Reminder, Rejected, RejectedCoordinator, Ask, DeclinedCoordinator];
}

/// <summary>One nomination mail: ids only (a quota or nominee id), the activity reads the rest.</summary>
public sealed record NominationMailRequest(string CycleId, string Kind, string SubjectId, string Occurrence);

/// <summary>
/// Sends a nomination mail through a one-activity orchestration (a SendGrid outage delays it under the SendGrid retry
/// policy instead of losing it), exactly once per (kind, occurrence, quota or nominee) through the email log.
/// </summary>
public sealed class NominationMail(CycleStore cycles, NominationStore store, EmailLog emailLog, Mailer mailer, EmailSignIn signIn, Tokens tokens, IOptions<EmailSignInOptions> signInOptions, IOptions<TrainingCyclesOptions> options, ILogger<NominationMail> logger)
{
    /// <summary>Schedules the mail under a deterministic instance id (a double request runs once). Never throws.</summary>
    public static async Task ScheduleAsync(DurableTaskClient durable, NominationMailRequest request, ILogger logger)
    {
        var instanceId = $"nom-{request.CycleId}-{request.Kind}-{request.SubjectId}-{request.Occurrence}";
        try
        {
            await durable.ScheduleNewOrchestrationInstanceAsync(nameof(NominationMailOrchestrator), request, new StartOrchestrationOptions(instanceId));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Could not schedule a {Kind} mail for cycle {CycleId}", request.Kind, request.CycleId);
        }
    }

    [Function(nameof(NominationMailOrchestrator))]
    public static Task<int> NominationMailOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context, NominationMailRequest request) =>
        context.CallActivityAsync<int>(nameof(SendNominationMail), request, RetryPolicies.SendGrid);

    /// <summary>1 when sent now, 0 when already sent (or nobody to send to).</summary>
    [Function(nameof(SendNominationMail))]
    public async Task<int> SendNominationMail([ActivityTrigger] NominationMailRequest request)
    {
        var key = EmailLog.Key(request.Kind, request.Occurrence, request.SubjectId);
        if ((await emailLog.HandledKeysAsync(request.CycleId, [key])).Count > 0 || await cycles.GetAsync(request.CycleId) is not { } cycle)
        {
            return 0;
        }

        QuotaEntity? quota;
        NomineeEntity? nominee = null;
        if (request.Kind is NominationMailKinds.Coordinator or NominationMailKinds.Reminder)
        {
            quota = await store.QuotaAsync(request.CycleId, request.SubjectId);
        }
        else
        {
            nominee = await store.NomineeAsync(request.CycleId, request.SubjectId);
            quota = nominee is null ? null : await store.QuotaAsync(request.CycleId, nominee.QuotaId);
        }

        if (quota is null)
        {
            return 0;
        }

        var toNominee = request.Kind is NominationMailKinds.Rejected or NominationMailKinds.Ask;
        var language = toNominee ? nominee!.Language : quota.CoordinatorLanguage;
        var baseUri = options.Value.PublicBaseUri;
        var deadline = NominationRules.Deadline(cycle);
        var values = new Dictionary<string, string>
        {
            ["title"] = cycle.Entity.Title,
            ["organizer"] = cycle.Definition.OrganizerName ?? "",
            ["agency"] = quota.Agency,
            ["seats"] = quota.Seats.ToString(Formatting.Culture(language)),
            ["held"] = quota.Held.ToString(Formatting.Culture(language)),
            ["deadline"] = Formatting.DateTime(deadline, cycle.Schedule.TimeZone, language),
            ["page"] = new Uri(baseUri, $"api/cycles/{cycle.CycleId}/nomination?quota={quota.RowKey}" + (language == "en" ? "&lang=en" : "")).ToString(),
            ["signin"] = new Uri(baseUri, "api/signin" + (language == "en" ? "?lang=en" : "")).ToString(),
            ["minutes"] = signInOptions.Value.LinkLifetimeMinutes.ToString(Formatting.Culture(language)),
            ["reason"] = nominee?.Reason ?? "",
            ["nominee"] = nominee?.FullName ?? "",
        };
        var mail = MailTemplates.Render(request.Kind, language, values);
        var recipient = toNominee
            ? new MailRecipient(request.SubjectId, nominee!.Email, nominee.FullName, new Dictionary<string, string>
            {
                ["name"] = nominee.FullName,
                ["link"] = request.Kind == NominationMailKinds.Ask ? NomineeResponse.Link(tokens, baseUri, cycle, nominee) : "",
                ["number"] = "",
            })
            : new MailRecipient(request.SubjectId, quota.CoordinatorEmail, quota.CoordinatorName, new Dictionary<string, string>
            {
                ["name"] = quota.CoordinatorName,
                ["link"] = request.Kind == NominationMailKinds.Coordinator ? signIn.CreateLink(quota.CoordinatorEmail, language) : "",
                ["number"] = "",
            });
        var outcome = await mailer.SendAsync(request.CycleId, request.Kind, mail, [recipient]);
        var record = outcome.Rejected.Count > 0
            ? new EmailLogRecord(request.SubjectId, EmailStatus.Rejected, null, outcome.Rejected[0].Error)
            : new EmailLogRecord(request.SubjectId, EmailStatus.Sent, outcome.MessageId, null);
        await emailLog.RecordAsync(request.CycleId, request.Kind, request.Occurrence, [record]);
        logger.LogInformation("Nomination mail {Kind} for {SubjectId} in cycle {CycleId}: {Status}", request.Kind, request.SubjectId, request.CycleId, record.Status);
        return outcome.Rejected.Count > 0 ? 0 : 1;
    }
}
