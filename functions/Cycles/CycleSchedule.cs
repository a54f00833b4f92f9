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

    public DateTimeOffset TrainingEndsAt => Sessions[^1].EndsAt;

    /// <summary>Converts a UTC instant to the cycle's local time (Flex Consumption cannot set TZ; we never rely on it).</summary>
    public DateTimeOffset ToLocal(DateTimeOffset utc) => ToLocal(utc, TimeZone);

    public static DateTimeOffset ToLocal(DateTimeOffset utc, string timeZone)
    {
        var zone = DateTimeZoneProviders.Tzdb[timeZone];
        return Instant.FromDateTimeOffset(utc).InZone(zone).ToDateTimeOffset();
    }
}

public sealed record ScheduledSession(string Id, string Title, DateTimeOffset StartsAt, DateTimeOffset EndsAt);
