using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using TrainingCycles.Identity;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Privacy;

/// <summary>
/// The administrators' privacy routes (#23 items 4 and 5): what retention removes (or, in dry-run mode, would remove),
/// and the breach query — whose data a time window and set of resources touched, as JSON or a CSV for notification.
/// Both show names, so both are recorded in the audit trail with the caller.
/// </summary>
public sealed class PrivacyAdminFunctions(RetentionService retention, BreachReport breaches, AuditLog audit, ILogger<PrivacyAdminFunctions> logger)
{
    [Function(nameof(RetentionReport))]
    [Requires(Permission.ManagePrivacy)]
    public async Task<IActionResult> RetentionReport(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "privacy/retention")] HttpRequest request,
        [DurableClient] DurableTaskClient durable)
    {
        var ct = request.HttpContext.RequestAborted;
        await RetentionWorkflow.EnsureStartedAsync(durable, logger, ct);
        var due = await retention.DueListAsync(ct);
        var last = await retention.LastRoundAsync(ct);
        await audit.ViewedAsync(AuditLog.GlobalPartition, AuditActors.Of(request), "retention-due", cancellationToken: ct);
        var o = retention.Options;
        return Http.Ok(new
        {
            settings = new { o.PersonalDataAfterCycle, o.LettersAfter, o.NeverRegisteredInviteesAfterRegistrationCloses, o.DryRun, o.Interval, o.BatchSize, o.MaxPerRound },
            lastRound = last is { } l ? new { at = l.At, round = l.Round, dryRun = l.DryRun, items = l.Items } : null,
            due = due.Select(d => new { cycleId = d.Item.CycleId, title = d.Title, kind = d.Item.Kind, dueSince = d.Item.DueSince, count = d.Item.Due, people = d.People }),
        });
    }

    [Function(nameof(BreachQuery))]
    [Requires(Permission.ManagePrivacy)]
    public async Task<IActionResult> BreachQuery(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "privacy/breach")] HttpRequest request)
    {
        var ct = request.HttpContext.RequestAborted;
        var q = request.Query;
        if (BreachReport.TryParse(q["from"], q["to"], q["resources"], out var window) is { } refusal)
        {
            return refusal.ToResult();
        }

        var (people, seen, accesses) = await breaches.FindAsync(window, ct);
        var csv = q["format"] == "csv";
        var resources = window.Resources.Count == 0 ? "all" : string.Join(",", window.Resources.Order(StringComparer.Ordinal));
        await audit.WriteAsync(AuditLog.GlobalPartition, AuditActors.Of(request), "privacy.breach-query", null,
            $"from={window.From:O}; to={window.To:O}; resources={resources}; people={people.Count}; format={(csv ? "csv" : "json")}", ct);
        if (csv)
        {
            return new FileContentResult(BreachReport.ToCsv(people), "text/csv; charset=utf-8")
            {
                FileDownloadName = $"terdampak-{window.From.ToString("yyyyMMddHHmm", CultureInfo.InvariantCulture)}-{window.To.ToString("yyyyMMddHHmm", CultureInfo.InvariantCulture)}.csv",
            };
        }

        return Http.Ok(new { from = window.From, to = window.To, resources = window.Resources.Order(StringComparer.Ordinal), resourcesSeen = seen, accesses, count = people.Count, people });
    }
}
