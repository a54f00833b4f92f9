using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using TrainingCycles.Cycles;
using TrainingCycles.Identity;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Privacy;

/// <summary>What an organizer sends to erase a person's data: the reason code and, for automation only, the officer.</summary>
public sealed record ErasureRequestBody
{
    private const int MaxBodyBytes = 4 * 1024;

    public string? Actor { get; init; }
    public string? Reason { get; init; }

    /// <summary>
    /// Reads and checks an erasure request (every erasure route's): at most 4 KiB of JSON (or none), a known reason
    /// (default <see cref="ErasureReason.Request"/>), and a named officer unless a signed-in person sent it.
    /// Returns the body and its reason, or the refusal.
    /// </summary>
    public static async Task<(ErasureRequestBody? Body, string Reason, IActionResult? Refusal)> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        var text = await Http.ReadBodyAsync(request, MaxBodyBytes, ct);
        if (text is null)
        {
            return (null, "", Http.TooLarge(MaxBodyBytes));
        }

        var parsed = new ErasureRequestBody();
        if (text.Trim().Length > 0 && !Http.TryParseJson(text, out parsed, out var error))
        {
            return (null, "", error!);
        }

        var reason = parsed?.Reason ?? ErasureReason.Request;
        if (!ErasureReason.All.Contains(reason))
        {
            return (null, "", Http.Error(StatusCodes.Status400BadRequest, "invalid_reason", nameof(Texts.Error_Privacy_InvalidReason), [string.Join(", ", ErasureReason.All)]));
        }

        if (PlainText.Line(parsed?.Actor, 200).Length == 0 && RequestCaller.Of(request) is null or { Method: "service" })
        {
            return (null, "", Http.Error(StatusCodes.Status400BadRequest, "actor_required", nameof(Texts.Error_Participant_ActorRequired)));
        }

        return (parsed, reason, null);
    }
}

/// <summary>
/// Organizer routes for a person's data (UU PDP 27/2022): export everything the holders keep about one participation
/// (JSON, the same sections the person's own page offers), and erase it (a durable workflow, <see cref="ErasureWorkflow"/>).
/// Both are audited with the proven caller.
/// </summary>
public sealed class PrivacyFunctions(CycleStore cycles, ParticipantStore participants, PersonalDataRegistry registry, ErasureStore erasures, PersonErasure everywhere, AuditLog audit)
{
    [Function(nameof(ExportPersonalData))]
    [Requires(Permission.ViewPersonalData, AccessScope.Cycle)]
    public async Task<IActionResult> ExportPersonalData(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "cycles/{cycleId}/participants/{participantId}/personal-data")] HttpRequest request,
        string cycleId,
        string participantId)
    {
        var ct = request.HttpContext.RequestAborted;
        if (await cycles.GetAsync(cycleId, ct) is null)
        {
            return Http.NotFound(Missing.Cycle);
        }

        var p = await participants.GetAsync(cycleId, participantId, ct);
        if (p is null)
        {
            return Http.NotFound(Missing.Participant);
        }

        await audit.ViewedAsync(cycleId, AuditActors.Of(request), "personal-data", participantId, cancellationToken: ct);
        var sections = await registry.ExportAsync(new PersonalDataSubject(cycleId, participantId, p.Email, p.Nip, p.FullName, p.Phone), ct);
        return Http.Ok(PersonalDataExport.Of(cycleId, participantId, sections, await erasures.GetAsync(cycleId, participantId, ct)));
    }

    [Function(nameof(ErasePersonalData))]
    [Requires(Permission.RunCycle, AccessScope.Cycle)]
    public async Task<IActionResult> ErasePersonalData(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "cycles/{cycleId}/participants/{participantId}/erase")] HttpRequest request,
        [DurableClient] DurableTaskClient durable,
        string cycleId,
        string participantId)
    {
        var ct = request.HttpContext.RequestAborted;
        var (parsed, reason, refusal) = await ErasureRequestBody.ReadAsync(request, ct);
        if (refusal is not null)
        {
            return refusal;
        }

        if (await cycles.GetAsync(cycleId, ct) is null)
        {
            return Http.NotFound(Missing.Cycle);
        }

        if (await participants.GetAsync(cycleId, participantId, ct) is null)
        {
            return Http.NotFound(Missing.Participant);
        }

        var instanceId = await ErasureWorkflow.ScheduleAsync(durable, new ErasureInput(cycleId, participantId, reason), ct);
        await audit.WriteAsync(cycleId, AuditActors.Of(request, parsed?.Actor), "privacy.erasure-requested", participantId, "reason=" + reason, ct);
        return Http.Ok(new { participantId, erasureId = instanceId, status = "scheduled" }, StatusCodes.Status202Accepted);
    }

    /// <summary>
    /// #23b: erase the person of this participation in every training where their email or NIP appears (each through the
    /// per-participation workflow, one receipt). Needs a grant for all cycles: it reaches cycles beyond this one.
    /// </summary>
    [Function(nameof(ErasePersonEverywhere))]
    [Requires(Permission.RunCycle, AccessScope.AllCycles)]
    public async Task<IActionResult> ErasePersonEverywhere(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "cycles/{cycleId}/participants/{participantId}/erase-everywhere")] HttpRequest request,
        [DurableClient] DurableTaskClient durable,
        string cycleId,
        string participantId)
    {
        var ct = request.HttpContext.RequestAborted;
        var (parsed, _, refusal) = await ErasureRequestBody.ReadAsync(request, ct); // erasure everywhere is always on request
        if (refusal is not null)
        {
            return refusal;
        }

        if (await cycles.GetAsync(cycleId, ct) is null)
        {
            return Http.NotFound(Missing.Cycle);
        }

        if (await participants.GetAsync(cycleId, participantId, ct) is not { } p || ParticipantStore.IsAnonymised(p))
        {
            return Http.NotFound(Missing.Participant);
        }

        var started = await everywhere.StartAsync(durable, p, ErasureReason.Request, ct);
        foreach (var one in started?.Participations ?? [])
        {
            await audit.WriteAsync(one.CycleId, AuditActors.Of(request, parsed?.Actor), "privacy.erasure-everywhere-requested", one.ParticipantId, "request=" + started!.Value.RequestId, ct);
        }

        return Http.Ok(new { requestId = started?.RequestId, erasureId = started is { } s ? PersonErasure.InstanceId(s.RequestId) : null, participations = started?.Participations ?? Array.Empty<Participation>(), status = "scheduled" }, StatusCodes.Status202Accepted);
    }
}

/// <summary>The export document: the sections of every holder, and what an erasure keeps (stated up front).</summary>
public static class PersonalDataExport
{
    public static object Of(string cycleId, string participantId, IReadOnlyList<PersonalDataSection> sections, ErasureRequestEntity? erasure) => new
    {
        cycleId,
        participantId,
        erasure = erasure is null ? null : new { status = erasure.Status, requestedAt = erasure.RequestedAt, completedAt = erasure.CompletedAt, counts = erasure.Counts },
        keptAfterErasure = Kept(),
        sections = sections.Select(s => new { holder = s.Holder, places = s.Places, records = s.Records }),
    };

    private static object Kept()
    {
        var (id, en) = Text.Both(nameof(Texts.Privacy_Receipt_Kept));
        return new { id, en };
    }
}
