namespace TrainingCycles.Cycles;

/// <summary>
/// A cycle's agency nomination (#19, <c>CycleDefinition.Nomination</c>): agencies get seat quotas (imported by the
/// organizer), their coordinators nominate staff until <see cref="Deadline"/>, the organizer approves or rejects. At the
/// deadline the seats no agency used go to the waitlist or stay open to the form (<see cref="ReleaseTo"/>).
/// </summary>
public sealed record NominationSettings
{
    public const string ReleaseToWaitlist = "waitlist";
    public const string ReleaseToOpen = "open";

    /// <summary>ISO-8601 time, with an offset or in the cycle's time zone; at or before registration closes.</summary>
    public string? Deadline { get; init; }

    /// <summary>ISO-8601 durations before the deadline when coordinators with unfilled quotas are reminded (e.g. P3D, P1D).</summary>
    public IReadOnlyList<string>? RemindersBeforeDeadline { get; init; }

    /// <summary><c>waitlist</c>: unused seats promote people from the waitlist; <c>open</c>: they stay for the open form.</summary>
    public string ReleaseTo { get; init; } = ReleaseToWaitlist;

    /// <summary>When true, each nominee is mailed their own link and must accept the nomination there before the
    /// organizer can approve (register) them; declining frees the seat for the agency and tells the coordinator.</summary>
    public bool NomineeMustAccept { get; init; }
}
