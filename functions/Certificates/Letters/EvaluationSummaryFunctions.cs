using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using TrainingCycles.Cycles;
using TrainingCycles.Evaluation;
using TrainingCycles.Identity;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Certificates.Letters;

/// <summary>
/// #21: the cycle's evaluation summary as a one-page PDF (Bahasa Indonesia). It lives with the other PDF documents
/// because their fonts and text fitting are here (Certificates may use Evaluation, not the other way round).
/// Aggregates only — no names, no comments — so viewing it is not audited; the same permission as the CSV export.
/// </summary>
public sealed class EvaluationSummaryFunctions(CycleStore cycles, ParticipantStore participants, EvaluationStore store)
{
    [Function(nameof(EvaluationSummaryPdf))]
    [Requires(Permission.ViewPersonalData, AccessScope.Cycle)]
    public async Task<IActionResult> EvaluationSummaryPdf(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "cycles/{cycleId}/evaluation/summary.pdf")] HttpRequest request,
        string cycleId)
    {
        var ct = request.HttpContext.RequestAborted;
        if (await cycles.GetAsync(cycleId, ct) is not { } cycle)
        {
            return Http.NotFound(Missing.Cycle);
        }

        var summary = await SummaryAsync(cycle, ct);
        return new FileContentResult(EvaluationSummaryRenderer.Render(summary), "application/pdf") { FileDownloadName = $"evaluasi-{cycleId}.pdf" };
    }

    /// <summary>The same figures the JSON reports (<c>…/evaluation/results</c> cohort, <c>…/evaluation/ratings</c>) give.</summary>
    public async Task<EvaluationSummary> SummaryAsync(CycleRecord cycle, CancellationToken ct = default)
    {
        var pre = await store.ListAttemptsAsync(cycle.CycleId, TestKinds.Pre, ct);
        var post = await store.ListAttemptsAsync(cycle.CycleId, TestKinds.Post, ct);
        var (_, cohort) = EvaluationReport.Gain(pre, post, await participants.ListAsync(cycle.CycleId, ct));
        var (targets, instructors) = EvaluationReport.Ratings(cycle, await store.ListRatingsAsync(cycle.CycleId, ct));
        return new EvaluationSummary(cycle.Definition.OrganizerName ?? "", cycle.Entity.Title, Formatting.DateRange(cycle.Schedule, "id"), cohort, targets, instructors);
    }
}
