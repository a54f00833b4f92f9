using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using TrainingCycles.Cycles;
using TrainingCycles.Identity;
using TrainingCycles.Infrastructure;
using TrainingCycles.Reminders;

namespace TrainingCycles.Registration;

/// <summary>What an organizer sends to act on one participant: why, and — for automation only — the officer it acts for
/// (a signed-in person is named by their sign-in, not by what they type).</summary>
public sealed record ParticipantActionRequest
{
    public string? Actor { get; init; }
    public string? Reason { get; init; }
}

/// <summary>An organizer's correction: the fields to change (others stay) plus why (and, for automation, for whom).</summary>
public sealed record ParticipantCorrectionRequest
{
    public string? Actor { get; init; }
    public string? Reason { get; init; }
    public string? FullName { get; init; }
    public string? Nip { get; init; }
    public string? Email { get; init; }
    public string? Phone { get; init; }
    public string? Agency { get; init; }
    public string? AgencyLevel { get; init; }
    public string? Regency { get; init; }
    public string? Position { get; init; }
    public string? Rank { get; init; }
    public string? Language { get; init; }
}

/// <summary>
/// Organizer actions on one participant: withdraw, correct, remove. Each is audited with the proven caller (and the
/// fields a correction changed, before and after); a freed seat goes to the waitlist as usual.
/// </summary>
public sealed class ParticipantAdminFunctions(CycleStore cycles, ParticipantStore participants, RegistrationService registrations, ParticipantMailQueue mailQueue, MailOutboxWaker outbox, TimeProvider time)
{
    private const int MaxBodyBytes = 16 * 1024;

    [Function(nameof(WithdrawParticipant))]

    [Requires(Permission.RunCycle, AccessScope.Cycle)]
    public async Task<IActionResult> WithdrawParticipant(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "cycles/{cycleId}/participants/{participantId}/withdraw")] HttpRequest request,
        [DurableClient] DurableTaskClient durable,
        string cycleId,
        string participantId)
    {
        var (cycle, participant, actor, problem, _) = await ReadAsync<ParticipantActionRequest>(request, cycleId, participantId, r => (r.Actor, r.Reason));
        if (problem is not null)
        {
            return problem;
        }

        if (participant!.Status is not (ParticipantStatus.Confirmed or ParticipantStatus.Waitlisted))
        {
            return NotRegistered();
        }

        var result = await registrations.WithdrawAsync(cycle!, participantId, promote: true, actor: actor!.Actor, reason: actor.Reason);
        if (!result.Withdrawn)
        {
            // The person withdrew (or was removed) between the read and the transaction.
            return NotRegistered();
        }

        if (result.Promoted is not null)
        {
            outbox.Wake(durable, cycleId); // #24: "a seat is yours" is in the outbox, written with the promotion
        }

        return Http.Ok(new { participantId, status = ParticipantStatus.Withdrawn, promoted = result.Promoted?.RowKey });
    }

    [Function(nameof(RemoveParticipant))]

    [Requires(Permission.RunCycle, AccessScope.Cycle)]
    public async Task<IActionResult> RemoveParticipant(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "cycles/{cycleId}/participants/{participantId}/remove")] HttpRequest request,
        [DurableClient] DurableTaskClient durable,
        string cycleId,
        string participantId)
    {
        var (cycle, _, actor, problem, _) = await ReadAsync<ParticipantActionRequest>(request, cycleId, participantId, r => (r.Actor, r.Reason));
        if (problem is not null)
        {
            return problem;
        }

        if (cycle!.Phase is not (CyclePhase.Inviting or CyclePhase.RegistrationOpen or CyclePhase.AwaitingTraining))
        {
            // Once training starts a person has attendance and may earn a certificate: their record stays (withdraw or correct it).
            return Http.Error(StatusCodes.Status409Conflict, "training_started", nameof(Texts.Error_Participant_TrainingStarted));
        }

        var result = await registrations.RemoveAsync(cycle, participantId, actor!.Actor, actor.Reason);
        switch (result.Outcome)
        {
            case RemovalOutcome.NotFound:
                return Http.NotFound(Missing.Participant);
            case RemovalOutcome.HasCertificate:
                return Http.Error(StatusCodes.Status409Conflict, "has_certificate", nameof(Texts.Error_Participant_HasCertificate));
        }

        if (result.Promoted is not null)
        {
            outbox.Wake(durable, cycleId); // #24: "a seat is yours" is in the outbox, written with the promotion
        }

        return Http.Ok(new { participantId, removed = true, promoted = result.Promoted?.RowKey });
    }

    [Function(nameof(CorrectParticipant))]

    [Requires(Permission.RunCycle, AccessScope.Cycle)]
    public async Task<IActionResult> CorrectParticipant(
        [HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = "cycles/{cycleId}/participants/{participantId}")] HttpRequest request,
        [DurableClient] DurableTaskClient durable,
        string cycleId,
        string participantId)
    {
        var (cycle, p, actor, problem, body) = await ReadAsync<ParticipantCorrectionRequest>(request, cycleId, participantId, r => (r.Actor, r.Reason));
        if (problem is not null)
        {
            return problem;
        }

        if (p!.Status == ParticipantStatus.Unconfirmed)
        {
            return Http.Error(StatusCodes.Status409Conflict, "unconfirmed", nameof(Texts.Error_Participant_Unconfirmed));
        }

        var current = RegistrationForm.FromParticipant(p);
        var values = current with
        {
            FullName = PlainText.Line(body!.FullName ?? current.FullName),
            Nip = PlainText.Line(body.Nip ?? current.Nip),
            Email = PlainText.Line(body.Email ?? current.Email),
            Phone = PlainText.Line(body.Phone ?? current.Phone),
            Agency = PlainText.Line(body.Agency ?? current.Agency),
            AgencyLevel = PlainText.Line(body.AgencyLevel ?? current.AgencyLevel),
            Regency = PlainText.Line(body.Regency ?? current.Regency),
            Position = PlainText.Line(body.Position ?? current.Position),
            Rank = PlainText.Line(body.Rank ?? current.Rank),
            Language = body.Language is "en" ? "en" : body.Language is "id" ? "id" : current.Language,
            Consent = true,
        };
        var regencies = cycle!.Definition.Regencies is { Count: > 0 } list ? list : CycleDefinitionValidator.CentralKalimantanRegencies;
        var today = DateOnly.FromDateTime(CycleSchedule.ToLocal(time.GetUtcNow(), cycle.Schedule.TimeZone).DateTime);
        var (valid, errors) = RegistrationValidator.Validate(values, regencies, today);
        if (valid is null)
        {
            return Http.Error(StatusCodes.Status422UnprocessableEntity, "invalid_fields", nameof(Texts.Error_Participant_InvalidFields), details:
                errors.Select(e => new { field = e.Field, message = e.Message, messageEn = e.MessageEn }).ToList());
        }

        var result = await registrations.RegisterAsync(cycle, valid, participantId, detailsOnly: true, actor: actor!.Actor, reason: actor.Reason);
        if (result.Outcome == RegistrationOutcome.Updated && !string.Equals(p.Email, result.Participant!.Email, StringComparison.Ordinal))
        {
            // A corrected address gets the person's new link; the links sent to the old one no longer work.
            await mailQueue.ScheduleAsync(durable, new ParticipantMailRequest(cycleId, participantId, MailKinds.PersonalLink, "email-" + result.Participant.TokenVersion));
        }

        return result.Outcome switch
        {
            RegistrationOutcome.NipTaken => Http.Error(StatusCodes.Status409Conflict, "nip_taken", nameof(Texts.Error_Participant_NipTaken)),
            RegistrationOutcome.EmailTaken => Http.Error(StatusCodes.Status409Conflict, "email_taken", nameof(Texts.Error_Participant_EmailTaken)),
            RegistrationOutcome.Gone => Http.NotFound(Missing.Participant),
            _ => Http.Ok(new { participantId, status = result.Participant!.Status, corrected = true }),
        };
    }

    private static IActionResult NotRegistered() =>
        Http.Error(StatusCodes.Status409Conflict, "not_registered", nameof(Texts.Error_Participant_NotRegistered));

    private sealed record Who(AuditActor Actor, string? Reason);

    private sealed record Read<T>(CycleRecord? Cycle, ParticipantEntity? Participant, Who? Actor, IActionResult? Problem, T? Body);

    /// <summary>The cycle, the participant and the body; or the bilingual answer that says what is wrong (nothing changed).</summary>
    private async Task<Read<T>> ReadAsync<T>(HttpRequest request, string cycleId, string participantId, Func<T, (string? Actor, string? Reason)> who)
        where T : class
    {
        var body = await Http.ReadBodyAsync(request, MaxBodyBytes, request.HttpContext.RequestAborted);
        if (body is null)
        {
            return new(null, null, null, Http.TooLarge(MaxBodyBytes), null);
        }

        if (!Http.TryParseJson<T>(body, out var parsed, out var error))
        {
            return new(null, null, null, error, null);
        }

        var (actorName, reason) = who(parsed!);
        if (PlainText.Line(actorName, 200).Length == 0 && RequestCaller.Of(request) is null or { Method: "service" })
        {
            // A signed-in person is named by their sign-in; automation (a service identity) names the officer it acts for.
            return new(null, null, null, Http.Error(StatusCodes.Status400BadRequest, "actor_required", nameof(Texts.Error_Participant_ActorRequired)), null);
        }

        if (PlainText.Line(reason, 1000).Length > 500)
        {
            return new(null, null, null, Http.Error(StatusCodes.Status400BadRequest, "reason_too_long", nameof(Texts.Error_Participant_ReasonTooLong)), null);
        }

        var cycle = await cycles.GetAsync(cycleId);
        if (cycle is null)
        {
            return new(null, null, null, Http.NotFound(Missing.Cycle), null);
        }

        var participant = await participants.GetAsync(cycleId, participantId);
        if (participant is null)
        {
            return new(null, null, null, Http.NotFound(Missing.Participant), null);
        }

        // The audit trail names the proven caller; the reason (plain, bounded) rides along in the details.
        var audited = new Who(AuditActors.Of(request, actorName), PlainText.Line(reason, 500) is { Length: > 0 } r ? r : null);
        return new(cycle, participant, audited, null, parsed);
    }
}
