using System.Globalization;
using TrainingCycles.Attendance;
using TrainingCycles.Cycles;

namespace TrainingCycles.Dashboard;

/// <summary>The figures behind the dashboard's progress charts, from the rows as they are (nothing cached).</summary>
public static class CycleProgress
{
    /// <summary>Registrations per local day, with the running total; at most <paramref name="maxDays"/> days, the most recent.</summary>
    public static (int Total, IReadOnlyList<object> Days) RegistrationsPerDay(IReadOnlyList<ParticipantEntity> people, string zone, int maxDays)
    {
        var perDay = people.Where(p => p.RegisteredAt is not null)
            .GroupBy(p => DateOnly.FromDateTime(CycleSchedule.ToLocal(p.RegisteredAt!.Value, zone).DateTime))
            .ToDictionary(g => g.Key, g => g.Count());
        var days = new List<object>();
        if (perDay.Count > 0)
        {
            var first = perDay.Keys.Min();
            var last = perDay.Keys.Max();
            var start = last.DayNumber - first.DayNumber >= maxDays ? last.AddDays(1 - maxDays) : first;
            var cumulative = perDay.Where(d => d.Key < start).Sum(d => d.Value);
            for (var day = start; day <= last; day = day.AddDays(1))
            {
                var count = perDay.GetValueOrDefault(day);
                cumulative += count;
                days.Add(new { date = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), count, cumulative });
            }
        }

        return (perDay.Values.Sum(), days);
    }

    /// <summary>Per session: confirmed participants and how many are present, late, excused, absent or not marked yet.</summary>
    public static IReadOnlyList<object> SessionCounts(IReadOnlyList<ScheduledSession> schedule, IReadOnlyList<ParticipantEntity> people, IReadOnlyList<AttendanceEntity> rows)
    {
        var confirmed = people.Where(p => p.Status == ParticipantStatus.Confirmed).Select(p => p.RowKey).ToHashSet(StringComparer.Ordinal);
        return schedule.Select(s =>
        {
            var marked = rows.Where(r => r.SessionId == s.Id).ToList();
            var markedIds = marked.Select(r => r.ParticipantId).ToHashSet(StringComparer.Ordinal);
            int Count(string status) => marked.Count(r => r.Status == status);
            return (object)new
            {
                id = s.Id,
                title = s.Title,
                startsAt = s.StartsAt,
                endsAt = s.EndsAt,
                confirmed = confirmed.Count,
                present = Count(AttendanceStatus.Present),
                late = Count(AttendanceStatus.Late),
                excused = Count(AttendanceStatus.Excused),
                absent = Count(AttendanceStatus.Absent),
                unmarked = confirmed.Count(id => !markedIds.Contains(id)),
            };
        }).ToList();
    }
}
