using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using TrainingCycles.Certificates;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;
using TrainingCycles.Reminders;

namespace TrainingCycles.Attendance;

/// <summary>The rule's verdict for one participant after a correction.</summary>
public sealed record EligibilityOutcome(string ParticipantId, bool? WasEligible, CompletionResult Result, string? CertificateNumber, string? WasOutcome = null)
{
    public bool Changed => WasEligible != Result.Eligible;

    /// <summary>The document changed (certificate, letter, none), not only the wording.</summary>
    public bool OutcomeChanged => Changed || (WasOutcome ?? (WasEligible == true ? CompletionOutcome.Certificate : CompletionOutcome.None)) != Result.Outcome;

    /// <summary>Holds a certificate but no longer meets the rule: an organizer decides (revoke or keep); nothing is revoked automatically.</summary>
    public bool CertificateToReview => !Result.Eligible && CertificateNumber is not null;
}

/// <summary>
/// What an attendance correction after the training sets off: the completion rule again for the people whose
/// marks changed (the rule itself stays in <see cref="CompletionRuleEvaluator"/>), and, once the cycle is
/// Completed, the certificate steps the workflow ran at completion — numbering, PDF and the certificate email —
/// scheduled as workflow work (<see cref="CertificateFollowUpOrchestration"/>), never run inside the request.
/// The rule itself is re-run here, for the people the request touched only (bounded by the request), because
/// its verdict is the answer the organizer is waiting for.
/// </summary>
public sealed class CompletionFollowUp(CompletionEvaluation evaluation, ILogger<CompletionFollowUp> logger)
{
    /// <summary>The occurrence the workflow's certificate wave uses; a person mailed by either is never mailed twice.</summary>
    public const string CertificateOccurrence = "initial";

    /// <summary>A follow-up's change key (a hash of what was asked; no personal data).</summary>
    public static string ChangeKey(params string[] parts) => CertificateFollowUpOrchestration.ChangeKey(parts);

    /// <summary>The rule again for these people (bounded by the request): the same run as the workflow's (<see cref="CompletionEvaluation"/>).</summary>
    public Task<IReadOnlyList<EligibilityOutcome>> ReevaluateAsync(CycleRecord cycle, IReadOnlyCollection<string> participantIds, CancellationToken cancellationToken) =>
        evaluation.EvaluateAsync(cycle, participantIds, cancellationToken);

    /// <summary>
    /// For a Completed cycle: schedules the certificate follow-up (numbering, PDFs, the certificate mail wave,
    /// cycle-wide so a correction made while the workflow was past its own numbering step is healed too). The
    /// follow-up's instance id comes from the change, so the same request sent again does not start a second one.
    /// Null when the workflow engine cannot be reached: the caller says so (<see cref="NotScheduled"/>).
    /// </summary>
    public async Task<string?> ScheduleCertificatesAsync(CycleRecord cycle, string changeKey, DurableTaskClient durable, CancellationToken cancellationToken, bool reevaluate = false)
    {
        try
        {
            return await CertificateFollowUpOrchestration.ScheduleAsync(durable, cycle.CycleId, changeKey, logger, cancellationToken, reevaluate);
        }
        catch (Exception e) when (DependencyFailures.IsUnavailable(e))
        {
            logger.LogWarning(e, "Certificate follow-up for cycle {CycleId} could not be scheduled yet", cycle.CycleId);
            return null;
        }
    }

    /// <summary>
    /// After an attendance correction: once the rule has decided (Completing or Completed), re-runs it for
    /// <paramref name="participantIds"/> and adds the verdicts that <paramref name="report"/> selects to the answer
    /// (<c>completion</c>); once Completed, schedules the certificate follow-up keyed by <paramref name="changeKey"/>
    /// (<c>certificates</c>). Numbering, PDFs and mail are workflow work: the answer says they are scheduled, not
    /// done. False when the follow-up could not be scheduled yet (answer with <see cref="NotScheduled"/>).
    /// </summary>
    public async Task<bool> AfterCorrectionAsync(
        CycleRecord cycle, IReadOnlyCollection<string> participantIds, Func<EligibilityOutcome, bool> report, string[] changeKey,
        DurableTaskClient durable, IDictionary<string, object?> response, CancellationToken cancellationToken)
    {
        if (participantIds.Count == 0 || cycle.Phase is not (CyclePhase.Completing or CyclePhase.Completed))
        {
            return true;
        }

        var outcomes = (await ReevaluateAsync(cycle, participantIds, cancellationToken)).Where(report);
        response["completion"] = outcomes.Select(o => new
        {
            participantId = o.ParticipantId,
            eligible = o.Result.Eligible,
            changed = o.Changed,
            explanation = o.Result.Explanation,
            explanationEn = o.Result.ExplanationEn,
            certificateNumber = o.CertificateNumber,
            certificateToReview = o.CertificateToReview,
        }).ToList();
        if (cycle.Phase != CyclePhase.Completed)
        {
            return true;
        }

        var followUpId = await ScheduleCertificatesAsync(cycle, CertificateFollowUpOrchestration.ChangeKey(changeKey), durable, cancellationToken);
        response["certificates"] = new { scheduled = followUpId is not null, followUpId };
        return followUpId is not null;
    }

    /// <summary>The marks are saved but the certificates are not scheduled: the same request again schedules them (it is idempotent).</summary>
    public static IActionResult NotScheduled(HttpRequest request)
    {
        request.HttpContext.Response.Headers.RetryAfter = "10";
        return Http.Error(StatusCodes.Status503ServiceUnavailable, "certificates_not_scheduled", nameof(Texts.Error_Att_CertificatesNotScheduled));
    }
}
