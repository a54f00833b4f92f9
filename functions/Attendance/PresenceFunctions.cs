using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using TrainingCycles.Cycles;
using TrainingCycles.Identity;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Attendance;

/// <summary>Body of <c>PUT …/sessions/{sessionId}/checkin-mode</c>.</summary>
public sealed record CheckInModeRequest(bool? PresenceRequired, string? ChangedBy);

/// <summary>Body of <c>POST …/sessions/{sessionId}/door-checkins</c>: what the organizer's scanner read from the participant's QR.</summary>
public sealed record DoorCheckInRequest(string? Token, string? CheckedBy);

/// <summary>Body of <c>POST …/sessions/{sessionId}/pending</c>.</summary>
public sealed record PendingDecisionsRequest(IReadOnlyList<PendingDecision?>? Decisions, string? DecidedBy);

public sealed record PendingDecision(string? ParticipantId, string? Decision, string? Note);

/// <summary>
/// Presence-bound check-in, switched on per session: the participant's personal QR (a signed <c>presence</c> token on
/// their check-in page) is scanned by an organizer at the door and recorded at once; a check-in with the shared
/// session code meanwhile is held as <see cref="AttendanceStatus.Pending"/> until an organizer confirms or rejects it.
/// Every write is a single row under its ETag (or an insert), every decision is audited.
/// </summary>
public sealed class PresenceFunctions(CycleStore cycles, AttendanceStore attendance, AuditLog audit, PresenceDesk desk, CompletionFollowUp followUp, TimeProvider time)
{
    public const int MaxBodyBytes = 64 * 1024;

    [Function(nameof(SetCheckInMode))]

    [Requires(Permission.TeachSession, AccessScope.Session)]
    public async Task<IActionResult> SetCheckInMode(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "cycles/{cycleId}/sessions/{sessionId}/checkin-mode")] HttpRequest request,
        string cycleId,
        string sessionId)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        var (cycle, window, failure) = await FindAsync(cycleId, sessionId, cancellationToken);
        if (failure is not null)
        {
            return failure;
        }

        var (input, error) = await ReadAsync<CheckInModeRequest>(request, cancellationToken);
        if (error is not null)
        {
            return error;
        }

        if (input!.PresenceRequired is not { } presenceRequired)
        {
            return Http.Error(StatusCodes.Status400BadRequest, "presence_required_missing", nameof(Texts.Error_Att_PresenceRequiredMissing));
        }

        if (Actor(request, input.ChangedBy, out var actor) is { } actorError)
        {
            return actorError;
        }

        var changed = await attendance.SetModeAsync(cycleId, sessionId, presenceRequired, actor.Name, time.GetUtcNow(), cancellationToken);
        if (changed)
        {
            await audit.WriteAsync(cycleId, actor, "attendance.checkin-mode", details: $"{sessionId}: {(presenceRequired ? "presence" : "code")}", cancellationToken: cancellationToken);
        }

        return Http.Ok(new { cycleId, sessionId = window!.Session.Id, presenceRequired, changed });
    }

    /// <summary>The organizer at the door posts what the scanner read from a participant's QR; the check-in is recorded for them.</summary>
    [Function(nameof(DoorCheckIn))]
    [Requires(Permission.TeachSession, AccessScope.Session)]
    public async Task<IActionResult> DoorCheckIn(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "cycles/{cycleId}/sessions/{sessionId}/door-checkins")] HttpRequest request,
        string cycleId,
        string sessionId)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        var (cycle, window, failure) = await FindAsync(cycleId, sessionId, cancellationToken);
        if (failure is not null)
        {
            return failure;
        }

        var (input, error) = await ReadAsync<DoorCheckInRequest>(request, cancellationToken);
        if (error is not null)
        {
            return error;
        }

        if (Actor(request, input!.CheckedBy, out var actor) is { } actorError)
        {
            return actorError;
        }

        var result = await desk.DoorCheckInAsync(cycle!, window!, input.Token, actor, cancellationToken);
        return result.Refused?.ToResult() ?? DoorAnswer(result.Participant!, result.Row!, result.Outcome!);
    }

    /// <summary>Confirms or rejects check-ins held as Pending; anything that is no longer pending is left as it is and reported.</summary>
    [Function(nameof(DecidePendingCheckIns))]
    [Requires(Permission.TeachSession, AccessScope.Session)]
    public async Task<IActionResult> DecidePendingCheckIns(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "cycles/{cycleId}/sessions/{sessionId}/pending")] HttpRequest request,
        [DurableClient] DurableTaskClient durable,
        string cycleId,
        string sessionId)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        var (cycle, window, failure) = await FindAsync(cycleId, sessionId, cancellationToken);
        if (failure is not null)
        {
            return failure;
        }

        var (input, error) = await ReadAsync<PendingDecisionsRequest>(request, cancellationToken);
        if (error is not null)
        {
            return error;
        }

        if (PresenceDesk.Check(input!.Decisions) is { } refused)
        {
            return refused.ToResult();
        }

        if (Actor(request, input.DecidedBy, out var actor) is { } actorError)
        {
            return actorError;
        }

        var results = await desk.DecideAsync(cycleId, window!, input.Decisions!, actor, cancellationToken);
        var changed = results.Where(r => r.Outcome is not ("notPending" or "locked" or "busy")).Select(r => r.ParticipantId).ToList();
        var response = new Dictionary<string, object?> { ["cycleId"] = cycleId, ["sessionId"] = sessionId, ["changed"] = changed.Count, ["results"] = results };
        var current = await cycles.GetAsync(cycleId, cancellationToken) ?? cycle!;
        // Decided after the training: the rule is re-run for these people, and certificates follow as for a roster correction.
        var scheduled = await followUp.AfterCorrectionAsync(current, changed, _ => true, ["pending", sessionId, .. changed.Order(StringComparer.Ordinal)], durable, response, cancellationToken);
        return scheduled ? Http.Ok(response) : CompletionFollowUp.NotScheduled(request);
    }

    private static IActionResult DoorAnswer(ParticipantEntity p, AttendanceEntity row, string outcome) => Http.Ok(new
    {
        outcome,
        participantId = p.RowKey,
        // Who the QR belongs to, for the organizer to compare with the person (and their ID card) in front of them.
        fullName = p.FullName,
        registrationNumber = p.RegistrationNumber,
        agency = p.Agency,
        status = row.Status,
        checkedInAt = row.CheckedInAt,
        source = row.Source,
    });

    private async Task<(CycleRecord? Cycle, CheckInWindow? Window, IActionResult? Failure)> FindAsync(string cycleId, string sessionId, CancellationToken cancellationToken)
    {
        var cycle = await cycles.GetAsync(cycleId, cancellationToken);
        var window = cycle is null ? null : CheckInWindows.For(cycle).FirstOrDefault(w => w.Session.Id == sessionId);
        if (cycle is null || window is null)
        {
            return (null, null, Http.NotFound(cycle is null ? Missing.Cycle : Missing.Session));
        }

        return cycle.Phase == CyclePhase.Cancelled ? (null, null, CycleFunctions.WrongPhase(cycle.Phase)) : (cycle, window, null);
    }

    private static async Task<(T? Value, IActionResult? Error)> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken)
        where T : class
    {
        var body = await Http.ReadBodyAsync(request, MaxBodyBytes, cancellationToken);
        if (body is null)
        {
            return (null, Http.TooLarge(MaxBodyBytes));
        }

        return Http.TryParseJson<T>(body, out var value, out var error) ? (value, null) : (null, error);
    }

    /// <summary>The proven caller; a name typed along (automation naming its officer) must be one short line.</summary>
    private static IActionResult? Actor(HttpRequest request, string? given, out AuditActor actor)
    {
        actor = AuditActors.Of(request, given);
        var typed = given?.Trim() ?? "";
        return typed.Length > RosterFunctions.MaxMarkedByLength || typed.Any(char.IsControl)
            ? Http.Error(StatusCodes.Status422UnprocessableEntity, "invalid_actor", nameof(Texts.Error_Att_InvalidActor), [RosterFunctions.MaxMarkedByLength])
            : null;
    }
}
