using TrainingCycles.Cycles;

namespace TrainingCycles.Attendance;

/// <summary>One session's check-in window: <c>[start − opens, start + closes)</c>; late strictly after <c>start + lateAfter</c>.</summary>
public sealed record CheckInWindow(ScheduledSession Session, DateTimeOffset OpensAt, DateTimeOffset ClosesAt, DateTimeOffset LateAfter)
{
    public bool IsOpen(DateTimeOffset now) => now >= OpensAt && now < ClosesAt;

    public string StatusAt(DateTimeOffset now) => now > LateAfter ? AttendanceStatus.Late : AttendanceStatus.Present;
}

/// <summary>When each session can be checked into, from the cycle's <see cref="CheckInSettings"/>.</summary>
public static class CheckInWindows
{
    public static IReadOnlyList<CheckInWindow> For(CycleRecord cycle) => For(cycle.Schedule, cycle.Definition.CheckIn ?? new CheckInSettings());

    public static IReadOnlyList<CheckInWindow> For(CycleSchedule schedule, CheckInSettings settings) =>
        [.. schedule.Sessions.Select(s => new CheckInWindow(
            s,
            s.StartsAt.AddMinutes(-settings.OpensMinutesBeforeStart),
            s.StartsAt.AddMinutes(settings.ClosesMinutesAfterStart),
            s.StartsAt.AddMinutes(settings.LateAfterMinutes)))];

    /// <summary>Windows open now. Usually none or one; windows of close sessions may overlap, and then the code decides.</summary>
    public static IReadOnlyList<CheckInWindow> Open(IReadOnlyList<CheckInWindow> windows, DateTimeOffset now) => [.. windows.Where(w => w.IsOpen(now))];

    /// <summary>The first window that opens after <paramref name="now"/>, if any.</summary>
    public static CheckInWindow? Next(IReadOnlyList<CheckInWindow> windows, DateTimeOffset now) =>
        windows.Where(w => w.OpensAt > now).OrderBy(w => w.OpensAt).FirstOrDefault();
}
