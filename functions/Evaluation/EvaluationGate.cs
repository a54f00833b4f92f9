using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;
using TrainingCycles.Reminders;

namespace TrainingCycles.Evaluation;

/// <summary>
/// The optional evaluation gate before the certificate (<see cref="EvaluationSettings.RequiredBeforeCertificate"/>):
/// who is eligible but has not sent the final (organisation) evaluation is held back from numbering, so gets no PDF and
/// no certificate mail, and gets one reminder with the link to the form: the email log keys it on
/// (cycle, person, kind, occurrence) so a retried or repeated certificate step never sends it twice. Sending the
/// evaluation later starts the certificate follow-up (see <see cref="RatingFunctions"/>).
/// </summary>
public sealed class EvaluationGate(CycleStore cycles, ParticipantStore participants, EvaluationStore store, EmailLog emailLog, Mailer mailer, MailComposer composer, IOptions<TrainingCyclesOptions> options, Tokens tokens, ILogger<EvaluationGate> logger)
{
    public const string ReminderOccurrence = "final";

    public static bool Applies(CycleRecord cycle) => cycle.Definition.Evaluation?.RequiredBeforeCertificate == true;

    /// <summary>The participant ids whose certificate waits for their final evaluation (empty when the cycle has no gate); reminds each once.</summary>
    public async Task<IReadOnlySet<string>> HoldBackAsync(string cycleId, CancellationToken cancellationToken = default)
    {
        if (await cycles.GetAsync(cycleId, cancellationToken) is not { } cycle || !Applies(cycle))
        {
            return new HashSet<string>(StringComparer.Ordinal);
        }

        var evaluated = (await store.ListRatingsAsync(cycleId, cancellationToken)).Where(r => r.Target == Ratings.Organisation).Select(r => r.ParticipantId).ToHashSet(StringComparer.Ordinal);
        var waiting = (await participants.ListAsync(cycleId, cancellationToken))
            .Where(p => p.Eligible == true && p.Status == ParticipantStatus.Confirmed && p.CertificateId is null && !evaluated.Contains(p.RowKey))
            .ToList();
        var handled = await emailLog.HandledKeysAsync(cycleId, waiting.Select(p => EmailLog.Key(MailKinds.EvaluationReminder, ReminderOccurrence, p.RowKey)), cancellationToken);
        var due = waiting.Where(p => !handled.Contains(EmailLog.Key(MailKinds.EvaluationReminder, ReminderOccurrence, p.RowKey))).ToList();
        foreach (var group in due.GroupBy(p => p.Language == "en" ? "en" : "id"))
        {
            var rendered = composer.Render(cycle, MailKinds.EvaluationReminder, group.Key);
            foreach (var chunk in group.Chunk(Mailer.MaxRecipientsPerRequest))
            {
                var recipients = chunk.Select(p =>
                {
                    var r = composer.Recipient(cycle, p, MailKinds.EvaluationReminder);
                    return r with { Values = new Dictionary<string, string>(r.Values) { ["link"] = RatingLink(cycle, p) } };
                }).ToList();
                var outcome = await mailer.SendAsync(cycleId, MailKinds.EvaluationReminder, rendered, recipients, cancellationToken: cancellationToken);
                await emailLog.RecordAsync(cycleId, MailKinds.EvaluationReminder, ReminderOccurrence, [
                    .. outcome.Sent.Select(id => new EmailLogRecord(id, EmailStatus.Sent, outcome.MessageId, null)),
                    .. outcome.Rejected.Select(x => new EmailLogRecord(x.ParticipantId, EmailStatus.Rejected, null, x.Error))], cancellationToken);
            }
        }

        logger.LogInformation("Evaluation gate of cycle {CycleId}: {Waiting} certificate(s) held back, {Reminded} reminder(s) sent now", cycleId, waiting.Count, due.Count);
        return waiting.Select(p => p.RowKey).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The personal link to the organisation evaluation (the manage token, valid as long as the manage link).</summary>
    public string RatingLink(CycleRecord cycle, ParticipantEntity p) =>
        new Uri(options.Value.PublicBaseUri, $"api/cycles/{cycle.CycleId}/rate/{Ratings.Organisation}?t={Uri.EscapeDataString(tokens.Create(TokenPurpose.Manage, cycle.CycleId, p.RowKey, cycle.TrainingEndsAt.AddDays(30), p.TokenVersion))}").ToString();
}
