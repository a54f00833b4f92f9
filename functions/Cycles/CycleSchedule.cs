using NodaTime;

namespace TrainingCycles.Cycles;

/// <summary>A validated definition with every time resolved to UTC: what the workflow and the pages use.</summary>
public sealed record CycleSchedule(
    string TimeZone,
    DateTimeOffset RegistrationOpensAt,
    DateTimeOffset RegistrationClosesAt,
    IReadOnlyList<ScheduledSession> Sessions,
    IReadOnlyList<TimeSpan> RemindersBeforeDeadline,
    IReadOnlyList<TimeSpan> RemindersBeforeTraining)
{
    public DateTimeOffset TrainingStartsAt => Sessions[0].StartsAt;

    /// <summary>The cycle's Jam Pelajaran (45-minute lesson hours): the sum of its sessions' JP (0 when none carries JP).</summary>
    public int TotalJp => Sessions.Sum(s => s.Jp);

    /// <summary>When the last session ends (the training's last day). Not when training ends: see <see cref="TrainingEndsAtWith"/>.</summary>
    public DateTimeOffset LastSessionEndsAt => Sessions[^1].EndsAt;

    /// <summary>
    /// The one definition of when training ends: when every session has ended and every session's check-in window
    /// has closed, whichever is later (a check-in window may outlast a short session; the validator warns about it).
    /// The workflow's timer, the status's next step, the dashboard's phase strip and the end-of-training steps all
    /// use this, so they never disagree.
    /// </summary>
    public DateTimeOffset TrainingEndsAtWith(CheckInSettings? checkIn)
    {
        var closesAfter = (checkIn ?? new CheckInSettings()).ClosesMinutesAfterStart;
        return Sessions.Max(s => s.EndsAt > s.StartsAt.AddMinutes(closesAfter) ? s.EndsAt : s.StartsAt.AddMinutes(closesAfter));
    }

    /// <summary>Converts a UTC instant to the cycle's local time (Flex Consumption cannot set TZ; we never rely on it).</summary>
    public DateTimeOffset ToLocal(DateTimeOffset utc) => ToLocal(utc, TimeZone);

    public static DateTimeOffset ToLocal(DateTimeOffset utc, string timeZone)
    {
        var zone = DateTimeZoneProviders.Tzdb[timeZone];
        return Instant.FromDateTimeOffset(utc).InZone(zone).ToDateTimeOffset();
    }
}

public sealed record ScheduledSession(string Id, string Title, DateTimeOffset StartsAt, DateTimeOffset EndsAt, int Jp = 0, string? Instructor = null, string? InstructorEmail = null);
