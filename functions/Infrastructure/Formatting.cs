using System.Globalization;
using TrainingCycles.Cycles;

namespace TrainingCycles.Infrastructure;

/// <summary>Dates and times as people in the cycle's time zone read them, in Bahasa Indonesia or English.</summary>
public static class Formatting
{
    public static readonly CultureInfo Indonesian = CultureInfo.GetCultureInfo("id-ID");
    public static readonly CultureInfo English = CultureInfo.GetCultureInfo("en-GB");

    public static CultureInfo Culture(string? language) => language == "en" ? English : Indonesian;

    /// <summary>WIB/WITA/WIT for Indonesia's zones, else the UTC offset.</summary>
    public static string ZoneLabel(string timeZone, DateTimeOffset local) => timeZone switch
    {
        "Asia/Jakarta" or "Asia/Pontianak" => "WIB",
        "Asia/Makassar" => "WITA",
        "Asia/Jayapura" => "WIT",
        _ => "UTC" + local.ToString("zzz", CultureInfo.InvariantCulture),
    };

    public static string DateTime(DateTimeOffset utc, string timeZone, string? language)
    {
        var local = CycleSchedule.ToLocal(utc, timeZone);
        var culture = Culture(language);
        var pattern = language == "en" ? "dddd, d MMMM yyyy, HH:mm" : "dddd, d MMMM yyyy, HH.mm";
        return local.ToString(pattern, culture) + " " + ZoneLabel(timeZone, local);
    }

    public static string Date(DateTimeOffset utc, string timeZone, string? language) =>
        CycleSchedule.ToLocal(utc, timeZone).ToString("d MMMM yyyy", Culture(language));

    public static string Time(DateTimeOffset utc, string timeZone, string? language)
    {
        var local = CycleSchedule.ToLocal(utc, timeZone);
        return local.ToString(language == "en" ? "HH:mm" : "HH.mm", CultureInfo.InvariantCulture);
    }

    /// <summary>"7–10 Desember 2026" or "7 December 2026" for the training as a whole.</summary>
    public static string DateRange(CycleSchedule schedule, string? language)
    {
        var first = CycleSchedule.ToLocal(schedule.TrainingStartsAt, schedule.TimeZone);
        var last = CycleSchedule.ToLocal(schedule.LastSessionEndsAt, schedule.TimeZone);
        var culture = Culture(language);
        if (first.Date == last.Date)
        {
            return first.ToString("d MMMM yyyy", culture);
        }

        return first.Year == last.Year && first.Month == last.Month
            ? first.ToString("%d", culture) + "–" + last.ToString("d MMMM yyyy", culture)
            : first.ToString("d MMMM yyyy", culture) + " – " + last.ToString("d MMMM yyyy", culture);
    }

    /// <summary>One line per session: "Senin, 7 Desember 2026, 08.00–16.00 WIB — Hari 1".</summary>
    public static IReadOnlyList<string> SessionLines(CycleSchedule schedule, string? language) =>
        [.. schedule.Sessions.Select(s =>
        {
            var start = CycleSchedule.ToLocal(s.StartsAt, schedule.TimeZone);
            var culture = Culture(language);
            var day = start.ToString("dddd, d MMMM yyyy", culture);
            return $"{day}, {Time(s.StartsAt, schedule.TimeZone, language)}–{Time(s.EndsAt, schedule.TimeZone, language)} {ZoneLabel(schedule.TimeZone, start)} — {s.Title}";
        })];
}
