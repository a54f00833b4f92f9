using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using TrainingCycles.Identity;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Dashboard;

/// <summary>The administrators' view of the audit trail: who did what, when, from where, and what changed —
/// filterable by cycle, by who acted and by whose record. Reading the trail is itself recorded.</summary>
public sealed class AuditFunctions(AuditLog audit)
{
    private const int DefaultMax = 200;

    [Function(nameof(ListAuditEntries))]
    [Requires(Permission.ViewAudit)]
    public async Task<IActionResult> ListAuditEntries(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "audit")] HttpRequest request)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        var query = request.Query;
        var cycleId = Filter(query["cycleId"]);
        var actorId = Filter(query["actorId"]);
        var participantId = Filter(query["participantId"]);
        var action = Filter(query["action"]);
        var max = int.TryParse(query["max"], out var m) && m is > 0 and <= 2000 ? m : DefaultMax;
        if (participantId is not null && !Ids.LooksValid(participantId, "p"))
        {
            return Http.Error(StatusCodes.Status400BadRequest, "invalid_participant", nameof(Texts.Error_Audit_InvalidParticipant));
        }

        var entries = await audit.QueryAsync(new AuditQuery(cycleId, actorId, participantId, action, max), cancellationToken);
        await audit.ViewedAsync(cycleId ?? AuditLog.GlobalPartition, AuditActors.Of(request), "audit", participantId, cancellationToken: cancellationToken);
        return Http.Ok(new
        {
            count = entries.Count,
            max,
            entries = entries.OrderByDescending(e => e.At).Select(e => new
            {
                at = e.At,
                cycleId = e.CycleId,
                actor = new { id = e.ActorId, name = e.Actor, method = e.ActorMethod, from = e.From },
                action = e.Action,
                participantId = e.ParticipantId,
                details = e.Details,
                before = e.Before,
                after = e.After,
            }),
        });
    }

    /// <summary>A filter value: one plain line, bounded; empty means "any".</summary>
    private static string? Filter(string? value) => PlainText.Line(value, 200) is { Length: > 0 } v ? v : null;
}
