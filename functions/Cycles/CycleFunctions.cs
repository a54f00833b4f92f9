using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Cycles;

/// <summary>Organizer API for cycles: create (starts the workflow), list, status and the phase controls.</summary>
public sealed class CycleFunctions(CycleStore cycles, AuditLog audit, TimeProvider time, ILogger<CycleFunctions> logger)
{
    public const int MaxDefinitionBytes = 256 * 1024;

    [Function(nameof(CreateCycle))]
    public async Task<IActionResult> CreateCycle(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "cycles")] HttpRequest request,
        [DurableClient] DurableTaskClient durable)
    {
        var body = await Http.ReadBodyAsync(request, MaxDefinitionBytes, request.HttpContext.RequestAborted);
        if (body is null)
        {
            return Http.TooLarge(MaxDefinitionBytes);
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

        var cycle = await cycles.CreateAsync(definition!, schedule);
        await durable.ScheduleNewOrchestrationInstanceAsync(nameof(CycleOrchestration.CycleOrchestrator), new CycleWorkflowInput(cycle.CycleId, CyclePhase.Inviting), new StartOrchestrationOptions(cycle.CycleId));
        logger.LogInformation("Created cycle {CycleId}", cycle.CycleId);
        var summary = await SummaryAsync(cycle, durable) with { Warnings = NullIfEmpty(CycleDefinitionValidator.Warnings(schedule, definition!.CheckIn)) };
        return new CreatedResult($"/api/cycles/{cycle.CycleId}", summary) { DeclaredType = typeof(CycleSummary) };
    }

    [Function(nameof(ListCycles))]
    public async Task<IActionResult> ListCycles([HttpTrigger(AuthorizationLevel.Function, "get", Route = "cycles")] HttpRequest request)
    {
        var list = await cycles.ListAsync();
        var items = new List<object>();
        foreach (var c in list)
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
    public async Task<IActionResult> GetCycle(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "cycles/{cycleId}")] HttpRequest request,
        [DurableClient] DurableTaskClient durable,
        string cycleId)
    {
        var cycle = await cycles.GetAsync(cycleId);
        return cycle is null ? Http.NotFound("Pelatihan") : Http.Ok(await SummaryAsync(cycle, durable));
    }

    [Function(nameof(CloseRegistration))]
    public Task<IActionResult> CloseRegistration(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "cycles/{cycleId}/close-registration")] HttpRequest request,
        [DurableClient] DurableTaskClient durable,
        string cycleId) =>
        CommandAsync(durable, cycleId, CycleCommand.CloseRegistration, [CyclePhase.Inviting, CyclePhase.RegistrationOpen], entity =>
        {
            entity.RegistrationClosedAt ??= time.GetUtcNow();
            return true;
        });

    [Function(nameof(EndTraining))]
    public Task<IActionResult> EndTraining(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "cycles/{cycleId}/end-training")] HttpRequest request,
        [DurableClient] DurableTaskClient durable,
        string cycleId) =>
        CommandAsync(durable, cycleId, CycleCommand.EndTraining, [CyclePhase.InTraining], entity =>
        {
            entity.TrainingEndedAt ??= time.GetUtcNow();
            return true;
        });

    [Function(nameof(CancelCycle))]
    public async Task<IActionResult> CancelCycle(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "cycles/{cycleId}/cancel")] HttpRequest request,
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
                return ValidationFailed([new FieldError("reason", "Alasan paling banyak 500 karakter.", "Reason must be at most 500 characters.")]);
            }
        }

        return await CommandAsync(durable, cycleId, CycleCommand.Cancel, [CyclePhase.Inviting, CyclePhase.RegistrationOpen, CyclePhase.AwaitingTraining, CyclePhase.InTraining], entity =>
        {
            entity.CancelledAt ??= time.GetUtcNow();
            entity.CancelReason = reason;
            return true;
        }, reason);
    }

    /// <summary>Moves dates: the body is a definition whose times (registration, sessions, reminders) replace the current ones.</summary>
    [Function(nameof(RescheduleCycle))]
    public async Task<IActionResult> RescheduleCycle(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "cycles/{cycleId}/reschedule")] HttpRequest request,
        [DurableClient] DurableTaskClient durable,
        string cycleId)
    {
        var cycle = await cycles.GetAsync(cycleId);
        if (cycle is null)
        {
            return Http.NotFound("Pelatihan");
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

        var merged = cycle.Definition with
        {
            RegistrationOpensAt = change!.RegistrationOpensAt ?? cycle.Definition.RegistrationOpensAt,
            // After an early close, the close time is the deadline that sessions must follow.
            RegistrationClosesAt = change.RegistrationClosesAt ?? (cycle.Entity.RegistrationClosedAt is { } closed && closed < cycle.Schedule.RegistrationClosesAt
                ? closed.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture)
                : cycle.Definition.RegistrationClosesAt),
            Sessions = change.Sessions ?? cycle.Definition.Sessions,
            Reminders = change.Reminders ?? cycle.Definition.Reminders,
        };
        // Once registration has closed, the deadline may lie in the past; sessions still may not precede it.
        var now = cycle.Phase is CyclePhase.Inviting or CyclePhase.RegistrationOpen ? time.GetUtcNow() : DateTimeOffset.MinValue;
        var (schedule, errors) = CycleDefinitionValidator.Validate(merged, now);
        if (schedule is null)
        {
            return ValidationFailed(errors);
        }

        if (cycle.Phase == CyclePhase.InTraining && schedule.TrainingStartsAt != cycle.Schedule.TrainingStartsAt && cycle.Schedule.TrainingStartsAt <= time.GetUtcNow())
        {
            return ValidationFailed([new FieldError("sessions[0].startsAt", "Sesi yang sudah berlangsung tidak dapat dipindah.", "A session that has already started cannot be moved.")]);
        }

        var updated = await cycles.UpdateAsync(cycleId, entity =>
        {
            entity.DefinitionJson = JsonSerializer.Serialize(merged, CycleStore.Json);
            entity.ScheduleJson = JsonSerializer.Serialize(schedule, CycleStore.Json);
            entity.ScheduleVersion++;
            return true;
        });
        await audit.WriteAsync(cycleId, "organizer", "cycle.rescheduled", details: $"version {updated.Entity.ScheduleVersion}");
        await durable.RaiseEventAsync(cycleId, CycleCommand.EventName, new CycleCommand(CycleCommand.Reschedule, ScheduleVersion: updated.Entity.ScheduleVersion));
        return Http.Ok(await SummaryAsync(updated, durable) with { Warnings = NullIfEmpty(CycleDefinitionValidator.Warnings(schedule, merged.CheckIn)) }, StatusCodes.Status202Accepted);
    }

    private static IReadOnlyList<FieldError>? NullIfEmpty(IReadOnlyList<FieldError> warnings) => warnings.Count == 0 ? null : warnings;

    private async Task<IActionResult> CommandAsync(DurableTaskClient durable, string cycleId, string command, CyclePhase[] allowed, Func<Cycles.CycleEntity, bool> change, string? reason = null)
    {
        var cycle = await cycles.GetAsync(cycleId);
        if (cycle is null)
        {
            return Http.NotFound("Pelatihan");
        }

        if (!allowed.Contains(cycle.Phase))
        {
            return WrongPhase(cycle.Phase);
        }

        var updated = await cycles.UpdateAsync(cycleId, change);
        await audit.WriteAsync(cycleId, "organizer", "cycle." + command, details: reason);
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
        Http.Error(StatusCodes.Status400BadRequest, "validation_failed", "Definisi tidak valid; periksa setiap kolom yang disebut.", "The definition is not valid; see each field named.",
            errors.Select(e => new { field = e.Field, message = e.Message, messageEn = e.MessageEn }).ToList());

    internal static IActionResult WrongPhase(CyclePhase phase) =>
        Http.Error(StatusCodes.Status409Conflict, "wrong_phase", $"Tindakan ini tidak tersedia pada fase {phase}.", $"This action is not available in phase {phase}.", new { phase });
}

public sealed record CancelRequest(string? Reason);

public sealed record RescheduleRequest(string? RegistrationOpensAt, string? RegistrationClosesAt, IReadOnlyList<SessionDefinition>? Sessions, ReminderOffsets? Reminders);

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
