using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using TrainingCycles.Cycles;
using TrainingCycles.Identity;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Privacy;

/// <summary>
/// Organizer routes for the data of a nominee who never became a participant (#23, <see cref="NomineeErasure"/>):
/// export it and erase it. Both audited with the proven caller, under the nominee's id.
/// </summary>
public sealed class NomineePrivacyFunctions(CycleStore cycles, NomineeErasure nominees, AuditLog audit)
{
    [Function(nameof(ExportNomineeData))]
    [Requires(Permission.ViewPersonalData, AccessScope.Cycle)]
    public async Task<IActionResult> ExportNomineeData(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "cycles/{cycleId}/nominees/{nomineeId}/personal-data")] HttpRequest request,
        string cycleId,
        string nomineeId)
    {
        var ct = request.HttpContext.RequestAborted;
        var (subject, refusal) = await FindAsync(cycleId, nomineeId, ct);
        if (subject is null)
        {
            return refusal!;
        }

        await audit.ViewedAsync(cycleId, AuditActors.Of(request), "personal-data", nomineeId, cancellationToken: ct);
        return Http.Ok(PersonalDataExport.Of(cycleId, nomineeId, await nominees.ExportAsync(subject, ct), null));
    }

    [Function(nameof(EraseNomineeData))]
    [Requires(Permission.RunCycle, AccessScope.Cycle)]
    public async Task<IActionResult> EraseNomineeData(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "cycles/{cycleId}/nominees/{nomineeId}/erase")] HttpRequest request,
        string cycleId,
        string nomineeId)
    {
        var ct = request.HttpContext.RequestAborted;
        var (parsed, reason, bad) = await ErasureRequestBody.ReadAsync(request, ct);
        if (bad is not null)
        {
            return bad;
        }

        var (subject, refusal) = await FindAsync(cycleId, nomineeId, ct);
        if (subject is null)
        {
            return refusal!;
        }

        var counts = await nominees.EraseAsync(subject, ct);
        await audit.WriteAsync(cycleId, AuditActors.Of(request, parsed?.Actor), "privacy.nominee-erased", nomineeId,
            $"reason={reason}; " + string.Join("; ", counts.Where(c => c.Erased > 0).Select(c => $"{c.Holder}={c.Erased}")), ct);
        return Http.Ok(new { nomineeId, status = "erased", erased = counts.Where(c => c.Erased > 0).ToDictionary(c => c.Holder, c => c.Erased) });
    }

    private async Task<(PersonalDataSubject? Subject, IActionResult? Refusal)> FindAsync(string cycleId, string nomineeId, CancellationToken ct)
    {
        if (await cycles.GetAsync(cycleId, ct) is null)
        {
            return (null, Http.NotFound(Missing.Cycle));
        }

        return await nominees.FindAsync(cycleId, nomineeId, ct) switch
        {
            null => (null, Http.Error(StatusCodes.Status404NotFound, "not_found", nameof(Texts.Error_Nom_NomineeNotFound))),
            { Subject: { } s } => (s, null),
            { ParticipantId: var p } => (null, Http.Error(StatusCodes.Status409Conflict, "nominee_is_participant", nameof(Texts.Error_Privacy_NomineeIsParticipant), [p ?? ""])),
        };
    }
}
