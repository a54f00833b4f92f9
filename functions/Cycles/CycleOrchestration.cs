using System.Globalization;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using TrainingCycles.Attendance;
using TrainingCycles.Certificates;
using TrainingCycles.Evaluation;
using TrainingCycles.Infrastructure;
using TrainingCycles.Reminders;

namespace TrainingCycles.Cycles;

/// <summary>
/// One orchestration per cycle (instance id = cycle id). Each phase waits on a durable timer raced with the
/// organizer's commands, then moves on with ContinueAsNew so history stays small however long the cycle runs.
/// Per-person work happens inside activities, in batches: history grows with reminders and commands, not people.
/// </summary>
public static class CycleOrchestration
{
    /// <summary>A reminder timer that fires later than this after its time (the host was down) is skipped, not sent late.</summary>
    public static readonly TimeSpan ReminderGrace = TimeSpan.FromMinutes(30);

    [Function(nameof(CycleOrchestrator))]
    public static async Task<CyclePhase> CycleOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context, CycleWorkflowInput input)
    {
        var log = context.CreateReplaySafeLogger(nameof(CycleOrchestrator));
        var plan = await LoadPlanAsync(context, input.CycleId);
        var phase = plan.Cancelled && input.Phase != CyclePhase.Completed ? CyclePhase.Cancelled : input.Phase;
        var sent = input.SentReminders ?? [];
        log.LogInformation("Cycle {CycleId} in phase {Phase}", input.CycleId, phase);

        switch (phase)
        {
            case CyclePhase.Inviting:
            {
                var counts = input.Entered ? await CountsAsync(context, input.CycleId) : await EnterAsync(context, input.CycleId, phase);
                while (true)
                {
                    SetStatus(context, phase, counts, plan.RegistrationOpensAt, "registration-opens", plan);
                    var command = await WaitAsync(context, plan.RegistrationOpensAt);
                    // Before registration opens nobody has been told a date, so a reschedule is not announced.
                    var common = await HandleCommonAsync(context, input, command, plan, announceReschedule: false);
                    if (common.Exit is { } exit)
                    {
                        return exit;
                    }

                    plan = common.Plan;
                    switch (command?.Command)
                    {
                        case null:
                            return Next(context, input with { Phase = CyclePhase.RegistrationOpen, Entered = false });
                        case CycleCommand.CloseRegistration:
                            return Next(context, input with { Phase = CyclePhase.AwaitingTraining, Entered = false });
                    }

                    counts = await CountsAsync(context, input.CycleId);
                }
            }

            case CyclePhase.RegistrationOpen:
            {
                if (!input.Entered)
                {
                    await EnterAsync(context, input.CycleId, phase);
                    await SendWaveAsync(context, input.CycleId, MailKinds.Invitation, "initial");
                }

                while (true)
                {
                    var counts = await CountsAsync(context, input.CycleId);
                    var reminder = NextReminder(context, plan.RemindersBeforeDeadline, plan.RegistrationClosesAt, "deadline", sent);
                    var due = reminder is { } r && r.At < plan.RegistrationClosesAt ? r.At : plan.RegistrationClosesAt;
                    SetStatus(context, phase, counts, due, due == plan.RegistrationClosesAt ? "registration-closes" : "registration-reminder", plan);
                    var command = await WaitAsync(context, due);
                    var common = await HandleCommonAsync(context, input, command, plan, announceReschedule: true);
                    if (common.Exit is { } exit)
                    {
                        return exit;
                    }

                    plan = common.Plan;
                    switch (command?.Command)
                    {
                        case null when due == plan.RegistrationClosesAt:
                            return Next(context, input with { Phase = CyclePhase.AwaitingTraining, Entered = false, SentReminders = sent });
                        case null:
                            sent = [.. sent, reminder!.Value.Key];
                            if (context.CurrentUtcDateTime - due.UtcDateTime <= ReminderGrace)
                            {
                                await SendWaveAsync(context, input.CycleId, MailKinds.RegistrationReminder, reminder.Value.Key);
                            }

                            break;
                        case CycleCommand.CloseRegistration:
                            return Next(context, input with { Phase = CyclePhase.AwaitingTraining, Entered = false, SentReminders = sent });
                        case CycleCommand.InviteesImported:
                            await SendWaveAsync(context, input.CycleId, MailKinds.Invitation, "initial");
                            break;
                    }
                }
            }

            case CyclePhase.AwaitingTraining:
            {
                if (!input.Entered)
                {
                    await EnterAsync(context, input.CycleId, phase);
                }

                while (true)
                {
                    var counts = await CountsAsync(context, input.CycleId);
                    var reminder = NextReminder(context, plan.RemindersBeforeTraining, plan.TrainingStartsAt, "training", sent);
                    var due = reminder is { } r && r.At < plan.TrainingStartsAt ? r.At : plan.TrainingStartsAt;
                    SetStatus(context, phase, counts, due, due == plan.TrainingStartsAt ? "training-starts" : "training-reminder", plan);
                    var command = await WaitAsync(context, due);
                    var common = await HandleCommonAsync(context, input, command, plan, announceReschedule: true);
                    if (common.Exit is { } exit)
                    {
                        return exit;
                    }

                    plan = common.Plan;
                    switch (command?.Command)
                    {
                        case null when due == plan.TrainingStartsAt:
                            return Next(context, input with { Phase = CyclePhase.InTraining, Entered = false, SentReminders = sent });
                        case null:
                            sent = [.. sent, reminder!.Value.Key];
                            if (context.CurrentUtcDateTime - due.UtcDateTime <= ReminderGrace)
                            {
                                await SendWaveAsync(context, input.CycleId, MailKinds.TrainingReminder, reminder.Value.Key);
                            }

                            break;
                        case CycleCommand.Reschedule:
                            if (!plan.RegistrationClosedEarly && plan.RegistrationClosesAt > context.CurrentUtcDateTime)
                            {
                                // The deadline moved into the future: registration opens again.
                                return Next(context, input with { Phase = CyclePhase.RegistrationOpen, Entered = true, SentReminders = sent });
                            }

                            break;
                    }
                }
            }

            case CyclePhase.InTraining:
            {
                if (!input.Entered)
                {
                    await EnterAsync(context, input.CycleId, phase);
                }

                while (true)
                {
                    var counts = await CountsAsync(context, input.CycleId);
                    SetStatus(context, phase, counts, plan.TrainingEndsAt, "training-ends", plan);
                    var command = await WaitAsync(context, plan.TrainingEndsAt);
                    var common = await HandleCommonAsync(context, input, command, plan, announceReschedule: true);
                    if (common.Exit is { } exit)
                    {
                        return exit;
                    }

                    plan = common.Plan;
                    switch (command?.Command)
                    {
                        case null:
                        case CycleCommand.EndTraining:
                            return Next(context, input with { Phase = CyclePhase.Completing, Entered = false, RosterGate = true }); // #20: see RosterLockWait
                    }
                }
            }

            case CyclePhase.Completing:
            {
                var counts = await EnterAsync(context, input.CycleId, phase);
                SetStatus(context, phase, counts, null, "issuing-certificates", plan);
                await BiodataGate.WaitAsync(context, input.CycleId); // #22: biodata confirmation deadline (Cycles/BiodataGate.cs)
                await context.CallActivityAsync<StepResult>(nameof(AttendanceActivities.FinalizeAttendance), input.CycleId, RetryPolicies.Storage);
                await RosterLockWait.AwaitAsync(context, input, counts, plan.ScheduleVersion); // #20
                await context.CallActivityAsync<StepResult>(nameof(AttendanceActivities.EvaluateCompletion), input.CycleId, RetryPolicies.Storage);
                await CertificateFanOut.IssueAsync(context, input.CycleId); // #24: numbering, then batches of ~250 at most 4 at a time
                await context.CallActivityAsync<StepResult>(nameof(Certificates.Letters.LetterFunctions.IssueLetters), input.CycleId, RetryPolicies.Storage); // #20
                await SendWaveAsync(context, input.CycleId, MailKinds.CertificateIssued, "initial");
                counts = await EnterAsync(context, input.CycleId, CyclePhase.Completed);
                await context.CallActivityAsync<StepResult>(nameof(FollowUpActivities.StartFollowUpSurvey), input.CycleId, RetryPolicies.Storage); // #21
                SetStatus(context, CyclePhase.Completed, counts, null, null, plan);
                return CyclePhase.Completed;
            }

            case CyclePhase.Cancelled:
            {
                var counts = await EnterAsync(context, input.CycleId, phase);
                await SendWaveAsync(context, input.CycleId, MailKinds.Cancelled, "cancel");
                SetStatus(context, CyclePhase.Cancelled, counts, null, null, plan);
                return CyclePhase.Cancelled;
            }

            default:
                return phase;
        }
    }

    /// <summary>What a phase-independent command did: the (possibly reloaded) plan, and the next phase when it ends this one.</summary>
    private readonly record struct CommonOutcome(CyclePlan Plan, CyclePhase? Exit);

    /// <summary>
    /// The commands every waiting phase answers the same way: cancel ends the phase; reschedule reloads the plan
    /// and (once dates were announced) mails the change. The phase handles the rest after this. It schedules the
    /// same activities, in the same order, as the per-phase copies it replaced, so instances in flight replay
    /// unchanged (docs/decisions.md).
    /// </summary>
    private static async Task<CommonOutcome> HandleCommonAsync(TaskOrchestrationContext context, CycleWorkflowInput input, CycleCommand? command, CyclePlan plan, bool announceReschedule)
    {
        switch (command?.Command)
        {
            case CycleCommand.Cancel:
                return new CommonOutcome(plan, Next(context, input with { Phase = CyclePhase.Cancelled, Entered = false }));
            case CycleCommand.Reschedule:
                plan = await LoadPlanAsync(context, input.CycleId);
                if (announceReschedule)
                {
                    await SendWaveAsync(context, input.CycleId, MailKinds.ScheduleChanged, "v" + plan.ScheduleVersion.ToString(CultureInfo.InvariantCulture));
                }

                return new CommonOutcome(plan, null);
            default:
                return new CommonOutcome(plan, null);
        }
    }

    private static CyclePhase Next(TaskOrchestrationContext context, CycleWorkflowInput input)
    {
        context.ContinueAsNew(input, preserveUnprocessedEvents: true);
        return input.Phase;
    }

    /// <summary>The earliest reminder not yet handled whose time is still ahead.</summary>
    private static (DateTimeOffset At, string Key)? NextReminder(TaskOrchestrationContext context, IReadOnlyList<TimeSpan> offsets, DateTimeOffset anchor, string kind, IReadOnlyList<string> sent)
    {
        var now = new DateTimeOffset(context.CurrentUtcDateTime, TimeSpan.Zero);
        (DateTimeOffset At, string Key)? best = null;
        foreach (var offset in offsets)
        {
            var at = anchor - offset;
            // The key names the anchor time: after a reschedule the same offset is a new reminder.
            var key = string.Create(CultureInfo.InvariantCulture, $"{kind}-{System.Xml.XmlConvert.ToString(offset)}@{anchor.UtcDateTime:yyyyMMddTHHmmssZ}");
            // A reminder whose time has already passed when we plan (a reschedule moved the anchor) is never sent.
            if (sent.Contains(key) || at < now || at >= anchor)
            {
                continue;
            }

            if (best is null || at < best.Value.At)
            {
                best = (at, key);
            }
        }

        return best;
    }

    private static async Task<CycleCommand?> WaitAsync(TaskOrchestrationContext context, DateTimeOffset dueAt)
    {
        using var cancel = new CancellationTokenSource();
        var timer = context.CreateTimer(dueAt.UtcDateTime, cancel.Token);
        var command = context.WaitForExternalEvent<CycleCommand>(CycleCommand.EventName, cancel.Token);
        var winner = await Task.WhenAny(timer, command);
        cancel.Cancel();
        return winner == command ? await command : null;
    }

    private static Task<CyclePlan> LoadPlanAsync(TaskOrchestrationContext context, string cycleId) =>
        context.CallActivityAsync<CyclePlan>(nameof(CycleActivities.LoadCyclePlan), cycleId, RetryPolicies.Storage);

    private static Task<CycleCounts> EnterAsync(TaskOrchestrationContext context, string cycleId, CyclePhase phase) =>
        context.CallActivityAsync<CycleCounts>(nameof(CycleActivities.SetCyclePhase), new PhaseChange(cycleId, phase), RetryPolicies.Storage);

    private static Task<CycleCounts> CountsAsync(TaskOrchestrationContext context, string cycleId) =>
        context.CallActivityAsync<CycleCounts>(nameof(CycleActivities.GetCycleCounts), cycleId, RetryPolicies.Storage);

    private static Task<MailWaveResult> SendWaveAsync(TaskOrchestrationContext context, string cycleId, string kind, string occurrence) =>
        context.CallActivityAsync<MailWaveResult>(nameof(MailWaveActivity.SendMailWave), new MailWave(cycleId, kind, occurrence), RetryPolicies.SendGrid);

    private static void SetStatus(TaskOrchestrationContext context, CyclePhase phase, CycleCounts counts, DateTimeOffset? nextAt, string? next, CyclePlan plan) =>
        context.SetCustomStatus(new CycleCustomStatus(phase, counts, nextAt, next, plan.ScheduleVersion));
}
