using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TrainingCycles.Certificates;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;
using TrainingCycles.Reminders;

namespace TrainingCycles.Records;

// Wire contracts (orchestration history): ids, times and counts only, never personal data.
public sealed record BiodataDecisionInput(string CycleId, string RequestKey);

/// <summary>
/// The workflow side of biodata confirmation (docs/biodata.md): the activities of the deadline gate the cycle
/// orchestration runs before the certificate phase (<see cref="BiodataGate"/>: read the deadline, ask who has not
/// answered), and the decision orchestration. A decision runs as its own orchestration: apply it (through ParticipantStore, and after issue through the
/// certificate reissue path), then mail the person once.
/// </summary>
public sealed class BiodataWorkflow(
    CycleStore cycles, ParticipantStore participants, BiodataStore store, CertificateIssuer issuer, CertificateCorrections corrections,
    EmailLog emailLog, Mailer mailer, Tokens tokens, IOptions<TrainingCyclesOptions> options, TimeProvider time, ILogger<BiodataWorkflow> logger)
{
    public const string RequestKind = "biodata-request";
    public const string DecisionKind = "biodata-decision";
    public const string RequestOccurrence = "initial";

    public static string DecisionInstanceId(BiodataDecisionInput input) => $"{input.CycleId}:biodata:{input.RequestKey}";

    public static async Task ScheduleDecisionAsync(DurableTaskClient durable, BiodataDecisionInput input, ILogger logger, CancellationToken ct)
    {
        var started = await DurableStarts.StartOnceAsync(durable, nameof(BiodataDecisionOrchestrator), input, DecisionInstanceId(input), ct);
        logger.LogInformation("Biodata decision {RequestKey} of cycle {CycleId} {Outcome}", input.RequestKey, input.CycleId, started ? "scheduled" : "already scheduled");
    }

    [Function(BiodataGate.LoadDeadlineActivity)]
    public async Task<BiodataDeadlineAt> LoadBiodataDeadline([ActivityTrigger] string cycleId) =>
        new(await cycles.GetAsync(cycleId) is { } cycle ? BiodataService.Deadline(cycle) : null);

    /// <summary>Mails everyone with a seat who has not confirmed yet, once each (email log: biodata-request / initial).</summary>
    [Function(BiodataGate.SendRequestsActivity)]
    public async Task<int> SendBiodataRequests([ActivityTrigger] string cycleId)
    {
        if (await cycles.GetAsync(cycleId) is not { } cycle || BiodataService.Deadline(cycle) is not { } deadline)
        {
            return 0;
        }

        var confirmed = (await store.ListAsync(cycleId, CancellationToken.None)).Where(r => r.ConfirmedAt is not null).Select(r => r.ParticipantId).ToHashSet(StringComparer.Ordinal);
        var handled = await emailLog.HandledAsync(cycleId, RequestKind, RequestOccurrence);
        var due = (await participants.ListAsync(cycleId)).Where(p => p.Status == ParticipantStatus.Confirmed && p.Email.Length > 0 && !confirmed.Contains(p.RowKey) && !handled.Contains(p.RowKey)).ToList();
        var sent = 0;
        foreach (var group in due.GroupBy(p => p.Language == "en" ? "en" : "id"))
        {
            var mail = MailTemplates.Render(RequestKind, group.Key, CycleValues(cycle, group.Key, deadline));
            foreach (var chunk in group.Chunk(Mailer.MaxRecipientsPerRequest))
            {
                var outcome = await mailer.SendAsync(cycleId, RequestKind, mail, [.. chunk.Select(p => Recipient(p, Link(cycle, p, deadline, group.Key)))]);
                await emailLog.RecordAsync(cycleId, RequestKind, RequestOccurrence, [
                    .. outcome.Sent.Select(id => new EmailLogRecord(id, EmailStatus.Sent, outcome.MessageId, null)),
                    .. outcome.Rejected.Select(r => new EmailLogRecord(r.ParticipantId, EmailStatus.Rejected, null, r.Error))]);
                sent += outcome.Sent.Count;
            }
        }

        logger.LogInformation("Biodata requests of cycle {CycleId}: {Sent} sent, {Due} due", cycleId, sent, due.Count);
        return sent;
    }

    [Function(nameof(BiodataDecisionOrchestrator))]
    public static async Task<int> BiodataDecisionOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context, BiodataDecisionInput input)
    {
        await context.CallActivityAsync<StepResult>(nameof(ApplyBiodataDecision), input, RetryPolicies.Storage);
        var sent = await context.CallActivityAsync<int>(nameof(SendBiodataDecisionMail), input, RetryPolicies.SendGrid);

        // A certificate batch may have read the row before the correction and written its certificate after the check
        // above: reconcile once the person's certificate is written (bounded wait while the certificate phase runs).
        for (var round = 0; round < ReconcileRounds && !await context.CallActivityAsync<bool>(nameof(ReconcileBiodataCertificate), input, RetryPolicies.Storage); round++)
        {
            await context.CreateTimer(context.CurrentUtcDateTime.Add(ReconcileWait), CancellationToken.None);
        }

        return sent;
    }

    /// <summary>How long the reconciliation waits for a numbered certificate to be written: 240 × 30 s = 2 hours.</summary>
    public const int ReconcileRounds = 240;
    public static readonly TimeSpan ReconcileWait = TimeSpan.FromSeconds(30);

    /// <summary>
    /// True when nothing is left to do: the correction was not applied, the person has no certificate number yet (the
    /// batch will read the corrected row), or their certificate was rendered from the corrected row (or is not valid).
    /// A valid certificate rendered from an older version of the row is reissued (the old one superseded). False while
    /// the certificate is numbered but not yet written and the cycle is still issuing.
    /// </summary>
    [Function(nameof(ReconcileBiodataCertificate))]
    public async Task<bool> ReconcileBiodataCertificate([ActivityTrigger] BiodataDecisionInput input, [DurableClient] DurableTaskClient durable)
    {
        var ct = CancellationToken.None;
        var row = await store.GetAsync(input.CycleId, input.RequestKey, ct);
        if (row is not { Status: BiodataStatus.Accepted, AppliedRowAt: { } appliedRowAt } || row.ApplyOutcome != nameof(BiodataApplyOutcome.Applied)
            || await participants.GetAsync(input.CycleId, row.ParticipantId, ct) is not { CertificateId: { } certificateId })
        {
            return true;
        }

        if (await issuer.GetAsync(input.CycleId, certificateId, ct) is not { } certificate)
        {
            return (await cycles.GetAsync(input.CycleId))?.Phase is not CyclePhase.Completing;
        }

        if (certificate.Status != CertificateStatus.Valid || certificate.SourceRowAt is not { } source || source >= appliedRowAt)
        {
            return true;
        }

        row.ReissueOf = certificateId;
        if (!await store.TryReplaceAsync(row, ct))
        {
            throw new InvalidOperationException("The biodata request changed while being reconciled; the retry reads it again.");
        }

        var reissue = await corrections.ReissueAsync(certificateId, null, "biodata " + row.RowKey, AuditActor.System, durable, ct);
        if (reissue.Outcome is ReissueOutcome.Busy)
        {
            throw new InvalidOperationException("The certificate is being changed; the retry resumes the reissue.");
        }

        logger.LogInformation("Biodata correction {RequestKey} of cycle {CycleId}: certificate rendered before it, reissued", row.RowKey, input.CycleId);
        return true;
    }

    /// <summary>
    /// An accepted correction onto the participant row; when a certificate was already issued, through the reissue
    /// path (the old one superseded, the same number, a new PDF and link). Each step converges when run again: the
    /// certificate to replace is recorded on the request before the reissue starts, so a retry resumes that reissue.
    /// </summary>
    [Function(nameof(ApplyBiodataDecision))]
    public async Task<StepResult> ApplyBiodataDecision([ActivityTrigger] BiodataDecisionInput input, [DurableClient] DurableTaskClient durable)
    {
        var ct = CancellationToken.None;
        var row = await store.GetAsync(input.CycleId, input.RequestKey, ct);
        if (row is not { Status: BiodataStatus.Accepted } || row.AppliedAt is not null)
        {
            return new StepResult(0);
        }

        var asked = row.RequestedValues();
        string? Of(string field) => asked.TryGetValue(field, out var v) ? v ?? "" : null;
        var change = new BiodataChange(Of(BiodataFields.FullName), Of(BiodataFields.Nip), Of(BiodataFields.BirthPlace), Of(BiodataFields.BirthDate), Of(BiodataFields.Rank), Of(BiodataFields.Position), Of(BiodataFields.Agency));
        var outcome = await participants.ApplyBiodataCorrectionAsync(input.CycleId, row.ParticipantId, change, time.GetUtcNow(), ct);
        var after = await participants.GetAsync(input.CycleId, row.ParticipantId, ct);
        if (outcome == BiodataApplyOutcome.Applied && row.AppliedRowAt is null)
        {
            row.AppliedRowAt = after?.Timestamp; // a retry keeps the first: later writes to the row only make it newer
        }

        if (outcome != BiodataApplyOutcome.NipTaken && row.ReissueOf is null
            && after is { CertificateId: { } certificateId }
            && await issuer.GetAsync(input.CycleId, certificateId, ct) is { Status: CertificateStatus.Valid })
        {
            row.ReissueOf = certificateId;
            if (!await store.TryReplaceAsync(row, ct))
            {
                throw new InvalidOperationException("The biodata request changed while being applied; the retry reads it again.");
            }
        }

        if (row.ReissueOf is { } old)
        {
            var reissue = await corrections.ReissueAsync(old, null, "biodata " + row.RowKey, AuditActor.System, durable, ct);
            if (reissue.Outcome is ReissueOutcome.Busy)
            {
                throw new InvalidOperationException("The certificate is being changed; the retry resumes the reissue.");
            }
        }

        row.AppliedAt = time.GetUtcNow();
        row.ApplyOutcome = outcome.ToString();
        if (!await store.TryReplaceAsync(row, ct))
        {
            throw new InvalidOperationException("The biodata request changed while being applied; the retry reads it again.");
        }

        logger.LogInformation("Biodata correction {RequestKey} of cycle {CycleId}: {Outcome}, reissued {Reissued}", row.RowKey, input.CycleId, outcome, row.ReissueOf is not null);
        return new StepResult(outcome == BiodataApplyOutcome.Applied ? 1 : 0);
    }

    /// <summary>The decision mail (accepted or rejected, with the organizer's reason), once per request through the email log.</summary>
    [Function(nameof(SendBiodataDecisionMail))]
    public async Task<int> SendBiodataDecisionMail([ActivityTrigger] BiodataDecisionInput input)
    {
        var row = await store.GetAsync(input.CycleId, input.RequestKey, CancellationToken.None);
        if (row is null || row.Status == BiodataStatus.Pending || await cycles.GetAsync(input.CycleId) is not { } cycle)
        {
            return 0;
        }

        var occurrence = row.RowKey;
        var person = await participants.GetAsync(input.CycleId, row.ParticipantId);
        if (person is null || person.Email.Length == 0 || (await emailLog.HandledAsync(input.CycleId, DecisionKind, occurrence)).Contains(person.RowKey))
        {
            return 0;
        }

        var language = person.Language == "en" ? "en" : "id";
        var values = CycleValues(cycle, language, BiodataService.Deadline(cycle));
        values["decision"] = Text.Get(language, row.Status == BiodataStatus.Accepted ? nameof(Texts.Biodata_Decision_Accepted) : nameof(Texts.Biodata_Decision_Rejected));
        values["note"] = row.DecisionReason ?? "—";
        values["changes"] = string.Join("\n", row.RequestedValues().Select(c => "- " + Text.Get(language, BiodataLabels.Key(c.Key)) + ": " + (string.IsNullOrEmpty(c.Value) ? "—" : c.Value)));
        var mail = MailTemplates.Render(DecisionKind, language, values);
        var outcome = await mailer.SendAsync(input.CycleId, DecisionKind, mail, [Recipient(person, Link(cycle, person, BiodataService.Deadline(cycle), language))]);
        var record = outcome.Rejected.Count > 0
            ? new EmailLogRecord(person.RowKey, EmailStatus.Rejected, null, outcome.Rejected[0].Error)
            : new EmailLogRecord(person.RowKey, EmailStatus.Sent, outcome.MessageId, null);
        await emailLog.RecordAsync(input.CycleId, DecisionKind, occurrence, [record]);
        return outcome.Rejected.Count > 0 ? 0 : 1;
    }

    private static Dictionary<string, string> CycleValues(CycleRecord cycle, string language, DateTimeOffset? deadline) => new()
    {
        ["title"] = cycle.Entity.Title,
        ["organizer"] = cycle.Definition.OrganizerName ?? "",
        ["deadline"] = deadline is { } d ? Formatting.DateTime(d, cycle.Schedule.TimeZone, language) : "—",
    };

    private static MailRecipient Recipient(ParticipantEntity p, string link) =>
        new(p.RowKey, p.Email, p.FullName, new Dictionary<string, string>
        {
            ["name"] = string.IsNullOrWhiteSpace(p.FullName) ? Text.Get(p.Language, nameof(Texts.Mail_NameFallback)) : p.FullName,
            ["link"] = link,
            ["number"] = "",
        });

    /// <summary>The person's biodata page, with their manage token (valid a month past the deadline or the training).</summary>
    private string Link(CycleRecord cycle, ParticipantEntity p, DateTimeOffset? deadline, string language)
    {
        var until = (deadline is { } d && d > cycle.TrainingEndsAt ? d : cycle.TrainingEndsAt).AddDays(30);
        var token = tokens.Create(TokenPurpose.Manage, cycle.CycleId, p.RowKey, until, p.TokenVersion);
        return new Uri(options.Value.PublicBaseUri, $"api/cycles/{cycle.CycleId}/biodata?manage={Uri.EscapeDataString(token)}&lang={language}").ToString();
    }
}

/// <summary>The catalog key of each printed field's label (page, mail, dashboard).</summary>
public static class BiodataLabels
{
    public static string Key(string field) => field switch
    {
        BiodataFields.FullName => nameof(Texts.Biodata_Field_FullName),
        BiodataFields.Nip => nameof(Texts.Biodata_Field_Nip),
        BiodataFields.BirthPlace => nameof(Texts.Biodata_Field_BirthPlace),
        BiodataFields.BirthDate => nameof(Texts.Biodata_Field_BirthDate),
        BiodataFields.Rank => nameof(Texts.Biodata_Field_Rank),
        BiodataFields.Position => nameof(Texts.Biodata_Field_Position),
        _ => nameof(Texts.Biodata_Field_Agency),
    };
}
