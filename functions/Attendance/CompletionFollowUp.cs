using Azure;
using Azure.Data.Tables;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using TrainingCycles.Certificates;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;
using TrainingCycles.Registration;
using TrainingCycles.Reminders;

namespace TrainingCycles.Attendance;

/// <summary>The rule's verdict for one participant after a correction.</summary>
public sealed record EligibilityOutcome(string ParticipantId, bool? WasEligible, CompletionResult Result, string? CertificateNumber)
{
    public bool Changed => WasEligible != Result.Eligible;

    /// <summary>Holds a certificate but no longer meets the rule: an organizer decides (revoke or keep); nothing is revoked automatically.</summary>
    public bool CertificateToReview => !Result.Eligible && CertificateNumber is not null;
}

/// <param name="MailScheduled">Certificate emails handed to the one-person mail orchestration.</param>
public sealed record CertificateFollowUp(int Numbered, int Issued, int MailScheduled);

/// <summary>
/// What an attendance correction after the training sets off: the completion rule again for the people whose
/// marks changed (the rule itself stays in <see cref="CompletionRuleEvaluator"/>), and, once the cycle is
/// Completed, the certificate steps the workflow ran at completion — numbering, PDF and the certificate email —
/// each idempotent, the email keyed in the email log exactly as the workflow's own wave keys it.
/// </summary>
public sealed class CompletionFollowUp(
    AppTables tables, AttendanceStore attendance, ParticipantStore participants, CertificateIssuer certificates,
    EmailLog emailLog, AuditLog audit, TimeProvider time, ILogger logger)
{
    /// <summary>The occurrence the workflow's certificate wave uses; a person mailed by either is never mailed twice.</summary>
    public const string CertificateOccurrence = "initial";

    public async Task<IReadOnlyList<EligibilityOutcome>> ReevaluateAsync(CycleRecord cycle, IReadOnlyCollection<string> participantIds, CancellationToken cancellationToken)
    {
        var rule = cycle.Definition.Completion ?? new CompletionRule();
        var wanted = participantIds.ToHashSet(StringComparer.Ordinal);
        var marks = (await attendance.ForCycleAsync(cycle.CycleId, cancellationToken))
            .Where(a => wanted.Contains(a.ParticipantId))
            .GroupBy(a => a.ParticipantId)
            .ToDictionary(g => g.Key, g => (IReadOnlyDictionary<string, string>)g.ToDictionary(a => a.SessionId, a => a.Status));
        var now = time.GetUtcNow();
        var outcomes = new List<EligibilityOutcome>();
        var updates = new List<TableTransactionAction>();
        var audits = new List<AuditEntry>();
        foreach (var id in wanted.Order(StringComparer.Ordinal))
        {
            var p = await participants.GetAsync(cycle.CycleId, id, cancellationToken);
            if (p is null || p.Status != ParticipantStatus.Confirmed)
            {
                continue;
            }

            var result = CompletionRuleEvaluator.Evaluate(rule, cycle.Schedule.Sessions, marks.GetValueOrDefault(id) ?? new Dictionary<string, string>());
            outcomes.Add(new EligibilityOutcome(id, p.Eligible, result, p.CertificateNumber));
            // Same fields and wording as the workflow's EvaluateCompletion, so the two never disagree or flap.
            if (p.Eligible == result.Eligible && p.EligibilityExplanation == result.ExplanationEn)
            {
                continue;
            }

            updates.Add(new TableTransactionAction(TableTransactionActionType.UpdateMerge, new TableEntity(cycle.CycleId, id)
            {
                [nameof(ParticipantEntity.Eligible)] = result.Eligible,
                [nameof(ParticipantEntity.EligibilityExplanation)] = result.ExplanationEn,
            }, ETag.All));
            audits.Add(new AuditEntry(now, AuditLog.System, result.Eligible ? "completion.eligible" : "completion.not-eligible", id, CompletionRuleEvaluator.AuditDetails(result)));
        }

        var table = await tables.GetAsync(AppTables.Participants, cancellationToken);
        foreach (var chunk in updates.Chunk(100))
        {
            await table.SubmitTransactionAsync(chunk, cancellationToken);
        }

        await audit.WriteManyAsync(cycle.CycleId, audits, cancellationToken);
        return outcomes;
    }

    /// <summary>
    /// For a Completed cycle: numbers and issues every certificate that is due (cycle-wide, so a correction made
    /// while the workflow was past its own numbering step is healed too) and schedules the certificate email for
    /// everyone who holds one and has no settled certificate email yet — through the one-person mail orchestration
    /// (SendGrid retry policy, deterministic instance id) keyed in the email log exactly like the workflow's wave.
    /// Write-free when nothing is due.
    /// </summary>
    public async Task<CertificateFollowUp> IssueDueCertificatesAsync(CycleRecord cycle, DurableTaskClient durable, CancellationToken cancellationToken)
    {
        var numbered = await certificates.AssignNumbersAsync(cycle.CycleId, cancellationToken);
        var issued = await certificates.IssuePendingAsync(cycle.CycleId, cancellationToken);
        var handled = await emailLog.HandledAsync(cycle.CycleId, MailKinds.CertificateIssued, CertificateOccurrence, cancellationToken);
        var due = (await participants.ListAsync(cycle.CycleId, cancellationToken))
            .Where(p => MailComposer.IsRecipient(MailKinds.CertificateIssued, p) && !handled.Contains(p.RowKey))
            .OrderBy(p => p.RowKey, StringComparer.Ordinal)
            .ToList();
        await ParticipantMail.ScheduleAsync(durable, cycle.CycleId, [.. due.Select(p => new ParticipantMailRequest(cycle.CycleId, p.RowKey, MailKinds.CertificateIssued, CertificateOccurrence))], logger);

        return new CertificateFollowUp(numbered, issued, due.Count);
    }
}
