namespace TrainingCycles.Cycles;

// Wire contracts of the cycle orchestration: they live in orchestration history, so renaming a property breaks
// instances in flight. Ids, times and counts only — never personal data.

public sealed record CycleWorkflowInput(string CycleId, CyclePhase Phase, bool Entered = false, IReadOnlyList<string>? SentReminders = null, bool RosterGate = false);

/// <summary>What the orchestrator needs to know about a cycle's timing, read fresh by an activity.</summary>
public sealed record CyclePlan(
    string CycleId,
    int ScheduleVersion,
    DateTimeOffset RegistrationOpensAt,
    DateTimeOffset RegistrationClosesAt,
    DateTimeOffset TrainingStartsAt,
    DateTimeOffset TrainingEndsAt,
    IReadOnlyList<TimeSpan> RemindersBeforeDeadline,
    IReadOnlyList<TimeSpan> RemindersBeforeTraining,
    bool Cancelled,
    bool RegistrationClosedEarly,
    bool TrainingEndedEarly);

/// <summary>The one external event the orchestration listens to (one name, so one wait raced with one timer).</summary>
public sealed record CycleCommand(string Command, string? Reason = null, int? ScheduleVersion = null)
{
    public const string EventName = "CycleCommand";
    public const string CloseRegistration = "close-registration";
    public const string EndTraining = "end-training";
    public const string Cancel = "cancel";
    public const string Reschedule = "reschedule";
    public const string InviteesImported = "invitees-imported";
}

public sealed record PhaseChange(string CycleId, CyclePhase Phase);

public sealed record CycleCustomStatus(CyclePhase Phase, CycleCounts Counts, DateTimeOffset? NextAt, string? Next, int ScheduleVersion);

/// <summary>One wave of one kind of mail to everyone it concerns; the activity decides who at send time.</summary>
public sealed record MailWave(string CycleId, string Kind, string Occurrence);

public sealed record MailWaveResult(int Recipients, int Sent, int AlreadySent, int Rejected, int Requests);

public sealed record StepResult(int Affected);
