using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using TrainingCycles.Identity;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Cycles;

/// <summary>Organizer API for cycles: create (starts the workflow), list, status and the phase controls.</summary>
public sealed class CycleFunctions(CycleStore cycles, AuditLog audit, TimeProvider time, ILogger<CycleFunctions> logger, IEnumerable<ICycleStartCompanion> companions)
{
    public const int MaxDefinitionBytes = 256 * 1024;

    [Function(nameof(CreateCycle))]

    [Requires(Permission.CreateCycle)]
    public async Task<IActionResult> CreateCycle(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "cycles")] HttpRequest request,
        [DurableClient] DurableTaskClient durable)
    {
        var body = await Http.ReadBodyAsync(request, MaxDefinitionBytes, request.HttpContext.RequestAborted);
        if (body is null)
        {
            return Http.TooLarge(MaxDefinitionBytes);
        }

        // Idempotency-Key: the cycle id is derived from it, so a retry (a lost answer, a 503) finds the cycle the
        // first attempt wrote — 201 the first time, 200 with the same cycle after — and finishes what it left undone.
        string? cycleId = null;
        string? requestHash = null;
        if (request.Headers.TryGetValue(IdempotencyKeyHeader, out var keys))
        {
            var key = keys.Count == 1 ? keys[0]?.Trim() : null;
            if (string.IsNullOrEmpty(key) || key.Length > MaxIdempotencyKeyLength || key.Any(c => c < 0x21 || c > 0x7e))
            {
                return Http.Error(StatusCodes.Status400BadRequest, "invalid_idempotency_key", nameof(Texts.Error_Cycle_InvalidIdempotencyKey), [IdempotencyKeyHeader, MaxIdempotencyKeyLength]);
            }

            cycleId = CycleStore.IdFromIdempotencyKey(key);
            requestHash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(body)));
            if (await cycles.GetAsync(cycleId) is { } earlier)
            {
                return await RepeatedCreateAsync(earlier, requestHash, durable);
            }
        }

        if (!Http.TryParseJson<CycleDefinition>(body, out var definition, out var error))
        {
            return error!;
        }

        var (schedule, errors) = CycleDefinitionValidator.Validate(definition, time.GetUtcNow());
        if (schedule is null)
        {
            return ValidationFailed(errors);
        }

        var (cycle, created) = await cycles.CreateAsync(definition!, schedule, AuditActors.Of(request), cycleId, requestHash);
        if (!created)
        {
            return await RepeatedCreateAsync(cycle, requestHash!, durable); // a concurrent request with the same key won
        }

        logger.LogInformation("Created cycle {CycleId}", cycle.CycleId);
        if (!await TryStartWorkflowAsync(cycle, durable))
        {
            return WorkflowNotStarted(cycle);
        }

        return new CreatedResult($"/api/cycles/{cycle.CycleId}", await CreateAnswerAsync(cycle, durable)) { DeclaredType = typeof(CycleSummary) };
    }

    public const string IdempotencyKeyHeader = "Idempotency-Key";
    public const int MaxIdempotencyKeyLength = 200;

    private async Task<IActionResult> RepeatedCreateAsync(CycleRecord cycle, string requestHash, DurableTaskClient durable)
    {
        if (cycle.Entity.CreateRequestHash != requestHash)
        {
            return Http.Error(StatusCodes.Status409Conflict, "idempotency_key_reused", nameof(Texts.Error_Cycle_IdempotencyKeyReused), [IdempotencyKeyHeader], new { cycleId = cycle.CycleId });
        }

        logger.LogInformation("Create of cycle {CycleId} repeated with the same idempotency key", cycle.CycleId);
        if (!await TryStartWorkflowAsync(cycle, durable))
        {
            return WorkflowNotStarted(cycle);
        }

        return Http.Ok(await CreateAnswerAsync(cycle, durable));
    }

    private async Task<CycleSummary> CreateAnswerAsync(CycleRecord cycle, DurableTaskClient durable) =>
        await SummaryAsync(cycle, durable) with { Warnings = NullIfEmpty(CycleDefinitionValidator.Warnings(cycle.Schedule, cycle.Definition.CheckIn)) };

    /// <summary>
    /// Starts the cycle's orchestration (instance id = cycle id) unless it exists; finding it already there is
    /// success. Used by create, a repeated create and the status read, so a cycle whose create was cut off between
    /// writing the rows and starting the workflow is finished by the next of those, not left without a workflow.
    /// </summary>
    private async Task<bool> TryStartWorkflowAsync(CycleRecord cycle, DurableTaskClient durable)
    {
        if (cycle.Phase is CyclePhase.Completed or CyclePhase.Cancelled)
        {
            return true;
        }

        try
        {
            if (await DurableStarts.StartOnceAsync(durable, nameof(CycleOrchestration.CycleOrchestrator), new CycleWorkflowInput(cycle.CycleId, cycle.Phase), cycle.CycleId))
            {
                logger.LogInformation("Started the workflow of cycle {CycleId} in phase {Phase}", cycle.CycleId, cycle.Phase);
                foreach (var companion in companions)
                {
                    await companion.CycleWorkflowStartedAsync(durable, cycle.CycleId, CancellationToken.None);
                }
            }

            await MailOutboxDrainStart.EnsureAsync(durable, cycle.CycleId); // #24: the confirmation outbox's drain

            return true;
        }
        catch (Exception e) when (DependencyFailures.IsUnavailable(e))
        {
            logger.LogWarning(e, "Workflow of cycle {CycleId} could not be started yet", cycle.CycleId);
            return false;
        }
    }

    private static IActionResult WorkflowNotStarted(CycleRecord cycle) => Http.Error(StatusCodes.Status503ServiceUnavailable, "workflow_not_started",
        nameof(Texts.Error_Cycle_WorkflowNotStarted), [cycle.CycleId, IdempotencyKeyHeader], new { cycleId = cycle.CycleId });

    [Function(nameof(ListCycles))]

    [Requires(Permission.ListCycles, AccessScope.AnyCycle)]
    public async Task<IActionResult> ListCycles([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "cycles")] HttpRequest request)
    {
        var list = await cycles.ListAsync();
        var access = RequestAccess.Of(request);
        var items = new List<object>();
        foreach (var c in list.Where(c => access is null || access.SeesCycle(c.CycleId)))
        {
            items.Add(new
            {
                cycleId = c.CycleId,
                title = c.Entity.Title,
                phase = c.Phase,
                timeZone = c.Schedule.TimeZone,
                createdAt = c.Entity.CreatedAt,
                registrationClosesAt = c.Schedule.RegistrationClosesAt,
                trainingStartsAt = c.Schedule.TrainingStartsAt,
                counts = await cycles.CountsAsync(c),
            });
        }

        return Http.Ok(new { items });
    }

    [Function(nameof(GetCycle))]

    [Requires(Permission.ViewCycle, AccessScope.Cycle)]
    public async Task<IActionResult> GetCycle(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "cycles/{cycleId}")] HttpRequest request,
        [DurableClient] DurableTaskClient durable,
        string cycleId)
    {
        var cycle = await cycles.GetAsync(cycleId);
        if (cycle is null)
        {
            return Http.NotFound(Missing.Cycle);
        }

        await TryStartWorkflowAsync(cycle, durable); // heals a create that was cut off before the workflow started
        return Http.Ok(await SummaryAsync(cycle, durable));
    }

    [Function(nameof(CloseRegistration))]

    [Requires(Permission.RunCycle, AccessScope.Cycle)]
    public Task<IActionResult> CloseRegistration(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "cycles/{cycleId}/close-registration")] HttpRequest request,
        [DurableClient] DurableTaskClient durable,
        string cycleId) =>
        CommandAsync(durable, AuditActors.Of(request), cycleId, CycleCommand.CloseRegistration, [CyclePhase.Inviting, CyclePhase.RegistrationOpen], entity =>
        {
            entity.RegistrationClosedAt ??= time.GetUtcNow();
            return true;
        });

    [Function(nameof(EndTraining))]

    [Requires(Permission.RunCycle, AccessScope.Cycle)]
    public Task<IActionResult> EndTraining(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "cycles/{cycleId}/end-training")] HttpRequest request,
        [DurableClient] DurableTaskClient durable,
        string cycleId) =>
        CommandAsync(durable, AuditActors.Of(request), cycleId, CycleCommand.EndTraining, [CyclePhase.InTraining], entity =>
        {
            entity.TrainingEndedAt ??= time.GetUtcNow();
            return true;
        });

    [Function(nameof(CancelCycle))]

    [Requires(Permission.RunCycle, AccessScope.Cycle)]
    public async Task<IActionResult> CancelCycle(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "cycles/{cycleId}/cancel")] HttpRequest request,
        [DurableClient] DurableTaskClient durable,
        string cycleId)
    {
        var body = await Http.ReadBodyAsync(request, 16 * 1024, request.HttpContext.RequestAborted);
        if (body is null)
        {
            return Http.TooLarge(16 * 1024);
        }

        string? reason = null;
        if (!string.IsNullOrWhiteSpace(body))
        {
            if (!Http.TryParseJson<CancelRequest>(body, out var cancel, out var error))
            {
                return error!;
            }

            reason = cancel!.Reason is null ? null : PlainText.Line(cancel.Reason, 1000); // goes into official mail: plain, one line
            if (reason is { Length: > 500 })
            {
                return ValidationFailed([new FieldError("reason", Text.Both(nameof(Texts.Field_Cycle_ReasonTooLong)))]);
            }
        }

        return await CommandAsync(durable, AuditActors.Of(request), cycleId, CycleCommand.Cancel, [CyclePhase.Inviting, CyclePhase.RegistrationOpen, CyclePhase.AwaitingTraining, CyclePhase.InTraining], entity =>
        {
            entity.CancelledAt ??= time.GetUtcNow();
            entity.CancelReason = reason;
            return true;
        }, reason);
    }

    /// <summary>Moves dates: the body is a definition whose times (registration, sessions, reminders) replace the current ones.</summary>
    [Function(nameof(RescheduleCycle))]
    [Requires(Permission.RunCycle, AccessScope.Cycle)]
    public async Task<IActionResult> RescheduleCycle(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "cycles/{cycleId}/reschedule")] HttpRequest request,
        [DurableClient] DurableTaskClient durable,
        string cycleId)
    {
        var cycle = await cycles.GetAsync(cycleId);
        if (cycle is null)
        {
            return Http.NotFound(Missing.Cycle);
        }

        var body = await Http.ReadBodyAsync(request, MaxDefinitionBytes, request.HttpContext.RequestAborted);
        if (body is null)
        {
            return Http.TooLarge(MaxDefinitionBytes);
        }

        if (!Http.TryParseJson<RescheduleRequest>(body, out var change, out var error))
        {
            return error!;
        }

        if (cycle.Phase is CyclePhase.Completing or CyclePhase.Completed or CyclePhase.Cancelled)
        {
            return WrongPhase(cycle.Phase);
        }

        var merged = Merge(cycle, change!);
        // Once registration has closed, the deadline may lie in the past; sessions still may not precede it.
        var now = cycle.Phase is CyclePhase.Inviting or CyclePhase.RegistrationOpen ? time.GetUtcNow() : DateTimeOffset.MinValue;
        var (schedule, errors) = CycleDefinitionValidator.Validate(merged, now);
        if (schedule is null)
        {
            return ValidationFailed(errors);
        }

        if (cycle.Phase == CyclePhase.InTraining && schedule.TrainingStartsAt != cycle.Schedule.TrainingStartsAt && cycle.Schedule.TrainingStartsAt <= time.GetUtcNow())
        {
            return ValidationFailed([new FieldError("sessions[0].startsAt", Text.Both(nameof(Texts.Field_Cycle_SessionStarted)))]);
        }

        var updated = await cycles.UpdateAsync(cycleId, entity =>
        {
            entity.DefinitionJson = JsonSerializer.Serialize(merged, CycleStore.Json);
            entity.ScheduleJson = JsonSerializer.Serialize(schedule, CycleStore.Json);
            entity.ScheduleVersion++;
            return true;
        });
        await audit.WriteChangeAsync(cycleId, AuditActors.Of(request), "cycle.rescheduled", null, $"version {updated.Entity.ScheduleVersion}", ScheduleOf(cycle.Definition), ScheduleOf(merged));
        await durable.RaiseEventAsync(cycleId, CycleCommand.EventName, new CycleCommand(CycleCommand.Reschedule, ScheduleVersion: updated.Entity.ScheduleVersion));
        return Http.Ok(await SummaryAsync(updated, durable) with { Warnings = NullIfEmpty(CycleDefinitionValidator.Warnings(schedule, merged.CheckIn)) }, StatusCodes.Status202Accepted);
    }

    /// <summary>The definition with the reschedule's times; what the request leaves out stays as it is.</summary>
    private static CycleDefinition Merge(CycleRecord cycle, RescheduleRequest change) => cycle.Definition with
    {
        RegistrationOpensAt = change.RegistrationOpensAt ?? cycle.Definition.RegistrationOpensAt,
        // After an early close, the close time is the deadline that sessions must follow.
        RegistrationClosesAt = change.RegistrationClosesAt ?? (cycle.Entity.RegistrationClosedAt is { } closed && closed < cycle.Schedule.RegistrationClosesAt
            ? closed.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture)
            : cycle.Definition.RegistrationClosesAt),
        Sessions = change.Sessions ?? cycle.Definition.Sessions,
        Reminders = change.Reminders ?? cycle.Definition.Reminders,
        Nomination = change.Nomination ?? cycle.Definition.Nomination,
    };

    /// <summary>What a reschedule changes, as the audit trail keeps it before and after.</summary>
    private static object ScheduleOf(CycleDefinition d) =>
        new { d.RegistrationOpensAt, d.RegistrationClosesAt, sessions = d.Sessions?.Select(s => new { s.Id, s.StartsAt, s.EndsAt }).ToList() };

    private static IReadOnlyList<FieldError>? NullIfEmpty(IReadOnlyList<FieldError> warnings) => warnings.Count == 0 ? null : warnings;

    private async Task<IActionResult> CommandAsync(DurableTaskClient durable, AuditActor actor, string cycleId, string command, CyclePhase[] allowed, Func<Cycles.CycleEntity, bool> change, string? reason = null)
    {
        var cycle = await cycles.GetAsync(cycleId);
        if (cycle is null)
        {
            return Http.NotFound(Missing.Cycle);
        }

        if (!allowed.Contains(cycle.Phase))
        {
            return WrongPhase(cycle.Phase);
        }

        var updated = await cycles.UpdateAsync(cycleId, change);
        await audit.WriteChangeAsync(cycleId, actor, "cycle." + command, null, reason, new { phase = cycle.Phase.ToString() }, null);
        await durable.RaiseEventAsync(cycleId, CycleCommand.EventName, new CycleCommand(command, reason));
        return Http.Ok(await SummaryAsync(updated, durable), StatusCodes.Status202Accepted);
    }

    private async Task<CycleSummary> SummaryAsync(CycleRecord cycle, DurableTaskClient durable)
    {
        // Custom status comes only with the payloads (inputs here are ids and counts, so this is cheap).
        var instance = await durable.GetInstanceAsync(cycle.CycleId, getInputsAndOutputs: true);
        CycleCustomStatus? custom = null;
        if (instance?.SerializedCustomStatus is { Length: > 0 } raw)
        {
            try
            {
                custom = JsonSerializer.Deserialize<CycleCustomStatus>(raw, Http.Json);
            }
            catch (JsonException e)
            {
                logger.LogWarning("Custom status of cycle {CycleId} unreadable: {Error} {Raw}", cycle.CycleId, e.Message, raw);
                custom = null;
            }
        }

        var s = cycle.Schedule;
        return new CycleSummary(
            cycle.CycleId,
            cycle.Entity.Title,
            cycle.Phase,
            instance?.RuntimeStatus.ToString() ?? "Unknown",
            await cycles.CountsAsync(cycle),
            custom?.NextAt,
            custom?.Next,
            cycle.Entity.ScheduleVersion,
            new ScheduleView(s.TimeZone, s.RegistrationOpensAt, s.RegistrationClosesAt, [.. s.Sessions.Select(x => new SessionView(x.Id, x.Title, x.StartsAt, x.EndsAt))],
                [.. s.RemindersBeforeDeadline.Select(System.Xml.XmlConvert.ToString)], [.. s.RemindersBeforeTraining.Select(System.Xml.XmlConvert.ToString)],
                s.TrainingEndsAtWith(cycle.Definition.CheckIn)),
            cycle.Definition,
            cycle.Entity.RegistrationClosedAt,
            cycle.Entity.TrainingEndedAt,
            cycle.Entity.CancelledAt,
            cycle.Entity.CancelReason,
            new CycleLinks($"/api/cycles/{cycle.CycleId}", $"/api/cycles/{cycle.CycleId}/register", $"/api/cycles/{cycle.CycleId}/participants"));
    }

    internal static IActionResult ValidationFailed(IReadOnlyList<FieldError> errors) =>
        Http.Error(StatusCodes.Status400BadRequest, "validation_failed", nameof(Texts.Error_Cycle_ValidationFailed), [],
            errors.Select(e => new { field = e.Field, message = e.Message, messageEn = e.MessageEn }).ToList());

    internal static IActionResult WrongPhase(CyclePhase phase) =>
        Http.Error(StatusCodes.Status409Conflict, "wrong_phase", nameof(Texts.Error_Cycle_WrongPhase), [phase.ToString()], new { phase });
}

public sealed record CancelRequest(string? Reason);

/// <param name="Nomination">#19: new nomination settings (e.g. an earlier deadline); the nomination workflow notices within its recheck.</param>
public sealed record RescheduleRequest(string? RegistrationOpensAt, string? RegistrationClosesAt, IReadOnlyList<SessionDefinition>? Sessions, ReminderOffsets? Reminders, NominationSettings? Nomination = null);

public sealed record SessionView(string Id, string Title, DateTimeOffset StartsAt, DateTimeOffset EndsAt);

/// <param name="TrainingEndsAt">When training ends as planned (<see cref="CycleSchedule.TrainingEndsAtWith"/>): the workflow's timer, the next step and the dashboard's phase strip all show this.</param>
public sealed record ScheduleView(string TimeZone, DateTimeOffset RegistrationOpensAt, DateTimeOffset RegistrationClosesAt, IReadOnlyList<SessionView> Sessions, IReadOnlyList<string> RemindersBeforeDeadline, IReadOnlyList<string> RemindersBeforeTraining, DateTimeOffset TrainingEndsAt);

public sealed record CycleLinks(string Self, string Register, string Participants);

public sealed record CycleSummary(
    string CycleId, string Title, CyclePhase Phase, string RuntimeStatus, CycleCounts Counts, DateTimeOffset? NextAt, string? Next, int ScheduleVersion,
    ScheduleView Schedule, CycleDefinition Definition, DateTimeOffset? RegistrationClosedAt, DateTimeOffset? TrainingEndedAt, DateTimeOffset? CancelledAt, string? CancelReason, CycleLinks Links)
{
    /// <summary>In the create and reschedule answers only: what is valid but probably not meant (bilingual, per field).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<FieldError>? Warnings { get; init; }
}
