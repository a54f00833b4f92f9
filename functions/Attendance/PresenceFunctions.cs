using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using TrainingCycles.Certificates;
using TrainingCycles.Cycles;
using TrainingCycles.Identity;
using TrainingCycles.Infrastructure;
using TrainingCycles.Reminders;

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
public sealed class PresenceFunctions(
    CycleStore cycles, ParticipantStore participants, AttendanceStore attendance, AuditLog audit,
    Tokens tokens, CompletionFollowUp followUp, TimeProvider time)
{
    public const int MaxBodyBytes = 64 * 1024;
    public const int MaxDecisions = 1000;
    public const int MaxScannedLength = 2000;
    public const string Confirm = "confirm";
    public const string Reject = "reject";

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

        if (cycle!.Phase is CyclePhase.Completing or CyclePhase.Completed || cycle.Entity.TrainingEndedAt is not null)
        {
            return Http.Error(StatusCodes.Status409Conflict, "training_ended", nameof(Texts.Error_Att_TrainingEnded));
        }

        var problem = tokens.Validate(Scanned(input.Token), TokenPurpose.Presence, out var claims);
        if (problem != TokenProblem.None || claims!.CycleId != cycleId)
        {
            return problem == TokenProblem.Expired
                ? Http.Error(StatusCodes.Status422UnprocessableEntity, "presence_expired", nameof(Texts.Error_Att_PresenceExpired))
                : Http.Error(StatusCodes.Status422UnprocessableEntity, "presence_invalid", nameof(Texts.Error_Att_PresenceInvalid));
        }

        var participant = await participants.GetAsync(cycleId, claims.SubjectId, cancellationToken);
        if (participant is null || participant.Status != ParticipantStatus.Confirmed || participant.TokenVersion != claims.Version)
        {
            return Http.Error(StatusCodes.Status422UnprocessableEntity, "not_confirmed",
                participant?.Status is not null ? nameof(Texts.Error_Att_NotConfirmed) : nameof(Texts.Error_Att_NotConfirmed_NoStatus), [participant?.Status]);
        }

        var now = time.GetUtcNow();
        if (!window!.IsOpen(now))
        {
            return Http.Error(StatusCodes.Status409Conflict, "checkin_closed", nameof(Texts.Error_Att_CheckinClosed), details:
                new { opensAt = window.OpensAt, closesAt = window.ClosesAt });
        }

        for (var attempt = 0; attempt < 5; attempt++)
        {
            var existing = await attendance.GetAsync(cycleId, sessionId, participant.RowKey, cancellationToken);
            // Recorded already (by the code, a scan or an organizer): nothing changes. A held or a rejected check-in is
            // what the door is for: the person is here now.
            if (existing is not null && existing.Status is not (AttendanceStatus.Pending or AttendanceStatus.Absent))
            {
                return DoorAnswer(participant, existing, "already");
            }

            var row = new AttendanceEntity
            {
                PartitionKey = cycleId,
                RowKey = AttendanceStore.Key(sessionId, participant.RowKey),
                SessionId = sessionId,
                ParticipantId = participant.RowKey,
                Status = window.StatusAt(now),
                CheckedInAt = now,
                Source = AttendanceSource.Door,
                MarkedBy = actor.Name,
                MarkedAt = now,
                ETag = existing?.ETag ?? default,
            };
            var written = existing is null ? await attendance.TryAddAsync(row, cancellationToken) : await attendance.TryReplaceAsync(row, cancellationToken);
            if (written)
            {
                await audit.WriteAsync(cycleId, actor, "attendance.door-checkin", participant.RowKey, $"{sessionId}: {existing?.Status ?? "—"} → {row.Status}", cancellationToken);
                return DoorAnswer(participant, row, existing is null ? "recorded" : "confirmed");
            }
        }

        return Http.Error(StatusCodes.Status409Conflict, "busy", nameof(Texts.Error_Att_PresenceBusy));
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

        if (input!.Decisions is not { Count: > 0 } decisions)
        {
            return Http.Error(StatusCodes.Status400BadRequest, "decisions_required", nameof(Texts.Error_Att_DecisionsRequired));
        }

        if (decisions.Count > MaxDecisions)
        {
            return Http.Error(StatusCodes.Status422UnprocessableEntity, "too_many_decisions", nameof(Texts.Error_Att_TooManyDecisions), [MaxDecisions]);
        }

        if (Actor(request, input.DecidedBy, out var actor) is { } actorError)
        {
            return actorError;
        }

        // All or nothing on the shape, like the roster: a bad item refuses the request before anything is written.
        var errors = new List<MarkError>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < decisions.Count; i++)
        {
            var d = decisions[i];
            var id = d?.ParticipantId?.Trim();
            if (string.IsNullOrEmpty(id) || !seen.Add(id))
            {
                errors.Add(MarkError.Of(i, id, "participantId", nameof(Texts.Field_Att_Decision_ParticipantId)));
            }

            if (d?.Decision?.Trim().ToLowerInvariant() is not (Confirm or Reject))
            {
                errors.Add(MarkError.Of(i, id, "decision", nameof(Texts.Field_Att_Decision_Invalid)));
            }

            if (d?.Note is { Length: > RosterFunctions.MaxNoteLength })
            {
                errors.Add(MarkError.Of(i, id, "note", nameof(Texts.Field_Att_Note_TooLong), RosterFunctions.MaxNoteLength));
            }
        }

        if (errors.Count > 0)
        {
            return Http.Error(StatusCodes.Status422UnprocessableEntity, "invalid_decisions", nameof(Texts.Error_Att_InvalidDecisions), [errors.Count], errors);
        }

        var results = new List<object>();
        var changed = new List<string>();
        foreach (var d in decisions)
        {
            var id = d!.ParticipantId!.Trim();
            var confirm = d.Decision!.Trim().Equals(Confirm, StringComparison.OrdinalIgnoreCase);
            var outcome = "notPending";
            string? status = null;
            for (var attempt = 0; attempt < 5; attempt++)
            {
                var row = await attendance.GetAsync(cycleId, sessionId, id, cancellationToken);
                status = row?.Status;
                if (row is null || row.Status != AttendanceStatus.Pending)
                {
                    outcome = "notPending";
                    break;
                }

                var now = time.GetUtcNow();
                // Confirmed: Present or Late as of the moment the code was typed; rejected: Absent, with the reason.
                row.Status = confirm ? window!.StatusAt(row.CheckedInAt ?? now) : AttendanceStatus.Absent;
                row.MarkedBy = actor.Name;
                row.MarkedAt = now;
                row.Note = string.IsNullOrWhiteSpace(d.Note) ? row.Note : d.Note.Trim();
                if (await attendance.TryReplaceAsync(row, cancellationToken))
                {
                    await audit.WriteAsync(cycleId, actor, confirm ? "attendance.pending-confirmed" : "attendance.pending-rejected", id, $"{sessionId}: {AttendanceStatus.Pending} → {row.Status}", cancellationToken);
                    outcome = confirm ? "confirmed" : "rejected";
                    status = row.Status;
                    changed.Add(id);
                    break;
                }
            }

            results.Add(new { participantId = id, outcome, status });
        }

        var response = new Dictionary<string, object?> { ["cycleId"] = cycleId, ["sessionId"] = sessionId, ["changed"] = changed.Count, ["results"] = results };
        var current = await cycles.GetAsync(cycleId, cancellationToken) ?? cycle!;
        if (changed.Count > 0 && current.Phase is CyclePhase.Completing or CyclePhase.Completed)
        {
            // Decided after the training: the rule is re-run for these people, and certificates follow as for a roster correction.
            var outcomes = await followUp.ReevaluateAsync(current, changed, cancellationToken);
            response["completion"] = outcomes.Select(o => new { participantId = o.ParticipantId, eligible = o.Result.Eligible, changed = o.Changed, explanation = o.Result.Explanation, explanationEn = o.Result.ExplanationEn, certificateToReview = o.CertificateToReview }).ToList();
            if (current.Phase == CyclePhase.Completed)
            {
                var changeKey = CertificateFollowUpOrchestration.ChangeKey(["pending", sessionId, .. changed.Order(StringComparer.Ordinal)]);
                var followUpId = await followUp.ScheduleCertificatesAsync(current, changeKey, durable, cancellationToken);
                if (followUpId is null)
                {
                    return CompletionFollowUp.NotScheduled(request);
                }

                response["certificates"] = new { scheduled = true, followUpId };
            }
        }

        return Http.Ok(response);
    }

    /// <summary>What a scanner typed: the token itself, or a URL carrying it as <c>p=</c>.</summary>
    private static string? Scanned(string? text)
    {
        text = text?.Trim();
        if (string.IsNullOrEmpty(text) || text.Length > MaxScannedLength)
        {
            return null;
        }

        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && !string.IsNullOrEmpty(uri.Query))
        {
            return Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(uri.Query).TryGetValue("p", out var p) ? p.FirstOrDefault() : null;
        }

        return text;
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
