using System.Globalization;
using System.Text.RegularExpressions;
using NodaTime;
using NodaTime.Text;

namespace TrainingCycles.Cycles;

/// <summary>Checks a definition and resolves its times; every problem is reported against its field, in both languages.</summary>
public static partial class CycleDefinitionValidator
{
    [GeneratedRegex("^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$", RegexOptions.CultureInvariant)]
    private static partial Regex EmailDomain();

    public const string DefaultTimeZone = "Asia/Jakarta";
    public const int MaxSessions = 60;
    public const int MaxReminders = 10;
    public const int MaxDefinitionJsonChars = 30_000;
    public static readonly TimeSpan MaxReminderOffset = TimeSpan.FromDays(90);

    public static readonly IReadOnlyList<string> CentralKalimantanRegencies =
    [
        "Barito Selatan", "Barito Timur", "Barito Utara", "Gunung Mas", "Kapuas", "Katingan", "Kotawaringin Barat",
        "Kotawaringin Timur", "Lamandau", "Murung Raya", "Pulang Pisau", "Seruyan", "Sukamara", "Kota Palangka Raya",
    ];

    private static readonly OffsetDateTimePattern[] OffsetPatterns =
    [
        OffsetDateTimePattern.ExtendedIso,
        OffsetDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mmo<G>"),
    ];

    private static readonly LocalDateTimePattern[] LocalPatterns =
    [
        LocalDateTimePattern.ExtendedIso,
        LocalDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mm"),
        LocalDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd' 'HH':'mm"),
    ];

    /// <summary>Validates a definition for a new cycle (<paramref name="now"/> rejects deadlines already past).</summary>
    public static (CycleSchedule? Schedule, IReadOnlyList<FieldError> Errors) Validate(CycleDefinition? definition, DateTimeOffset now)
    {
        var errors = new List<FieldError>();
        if (definition is null)
        {
            errors.Add(new("", "Definisi pelatihan kosong atau bukan JSON yang valid.", "The cycle definition is empty or not valid JSON."));
            return (null, errors);
        }

        Text(definition.Title, "title", "Judul pelatihan", "Title", 200, errors);
        Text(definition.OrganizerName, "organizerName", "Nama penyelenggara", "Organizer name", 200, errors);
        Text(definition.Venue, "venue", "Tempat pelatihan", "Venue", 300, errors);
        if (definition.Description is { Length: > 4000 })
        {
            errors.Add(new("description", "Deskripsi paling banyak 4.000 karakter.", "Description must be at most 4,000 characters."));
        }

        var zoneId = string.IsNullOrWhiteSpace(definition.TimeZone) ? DefaultTimeZone : definition.TimeZone.Trim();
        var zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(zoneId);
        if (zone is null)
        {
            errors.Add(new("timeZone", $"Zona waktu '{zoneId}' tidak dikenal. Gunakan nama IANA, mis. Asia/Jakarta (WIB), Asia/Makassar (WITA), Asia/Jayapura (WIT).",
                $"Unknown time zone '{zoneId}'. Use an IANA name, e.g. Asia/Jakarta."));
        }

        if (definition.Capacity is not int capacity || capacity < 1)
        {
            errors.Add(new("capacity", "Kapasitas harus minimal 1 peserta.", "Capacity must be at least 1."));
        }
        else if (capacity > 100_000)
        {
            errors.Add(new("capacity", "Kapasitas paling banyak 100.000 peserta.", "Capacity must be at most 100,000."));
        }

        var opens = Time(definition.RegistrationOpensAt, "registrationOpensAt", zone, errors);
        var closes = Time(definition.RegistrationClosesAt, "registrationClosesAt", zone, errors);
        if (opens is not null && closes is not null && closes <= opens)
        {
            errors.Add(new("registrationClosesAt", "Batas akhir pendaftaran harus setelah pendaftaran dibuka.", "Registration must close after it opens."));
        }

        if (closes is not null && closes <= now)
        {
            errors.Add(new("registrationClosesAt", "Batas akhir pendaftaran sudah lewat.", "The registration deadline is already past."));
        }

        var sessions = new List<ScheduledSession>();
        if (definition.Sessions is not { Count: > 0 })
        {
            errors.Add(new("sessions", "Tambahkan minimal satu sesi pelatihan.", "Add at least one training session."));
        }
        else if (definition.Sessions.Count > MaxSessions)
        {
            errors.Add(new("sessions", $"Paling banyak {MaxSessions} sesi.", $"At most {MaxSessions} sessions."));
        }
        else
        {
            var ids = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < definition.Sessions.Count; i++)
            {
                var s = definition.Sessions[i];
                var field = $"sessions[{i}]";
                if (s is null)
                {
                    errors.Add(new(field, "Sesi kosong.", "Empty session."));
                    continue;
                }

                var id = string.IsNullOrWhiteSpace(s.Id) ? "s" + (i + 1).ToString(CultureInfo.InvariantCulture) : s.Id.Trim();
                if (!SessionId().IsMatch(id))
                {
                    errors.Add(new(field + ".id", "Id sesi hanya boleh huruf, angka dan tanda hubung (maks. 20).", "Session id may only hold letters, digits and hyphens (max 20)."));
                }
                else if (!ids.Add(id))
                {
                    errors.Add(new(field + ".id", $"Id sesi '{id}' dipakai lebih dari sekali.", $"Session id '{id}' is used more than once."));
                }

                var title = string.IsNullOrWhiteSpace(s.Title) ? $"Sesi {i + 1}" : s.Title.Trim();
                if (title.Length > 200)
                {
                    errors.Add(new(field + ".title", "Judul sesi paling banyak 200 karakter.", "Session title must be at most 200 characters."));
                }

                var start = Time(s.StartsAt, field + ".startsAt", zone, errors);
                var end = Time(s.EndsAt, field + ".endsAt", zone, errors);
                if (start is null || end is null)
                {
                    continue;
                }

                if (end <= start)
                {
                    errors.Add(new(field + ".endsAt", "Sesi harus berakhir setelah dimulai.", "A session must end after it starts."));
                }
                else if (end - start > TimeSpan.FromHours(24))
                {
                    errors.Add(new(field + ".endsAt", "Satu sesi paling lama 24 jam; bagi pelatihan beberapa hari menjadi beberapa sesi.", "A session lasts at most 24 hours; split multi-day trainings into sessions."));
                }

                if (closes is not null && start < closes)
                {
                    errors.Add(new(field + ".startsAt", "Sesi tidak boleh dimulai sebelum batas akhir pendaftaran.", "A session cannot start before the registration deadline."));
                }

                sessions.Add(new ScheduledSession(id, title, start.Value, end.Value));
            }

            var ordered = sessions.OrderBy(s => s.StartsAt).ToList();
            for (var i = 1; i < ordered.Count; i++)
            {
                if (ordered[i].StartsAt < ordered[i - 1].EndsAt)
                {
                    var index = sessions.IndexOf(ordered[i]);
                    errors.Add(new($"sessions[{index}].startsAt", $"Sesi '{ordered[i].Title}' tumpang tindih dengan sesi '{ordered[i - 1].Title}'.", $"Session '{ordered[i].Title}' overlaps '{ordered[i - 1].Title}'."));
                }
            }

            sessions = ordered;
        }

        var beforeDeadline = Offsets(definition.Reminders?.BeforeDeadline, "reminders.beforeDeadline", errors);
        var beforeTraining = Offsets(definition.Reminders?.BeforeTraining, "reminders.beforeTraining", errors);

        var completion = definition.Completion ?? new CompletionRule();
        if (completion.MinimumAttendancePercent is < 0 or > 100)
        {
            errors.Add(new("completion.minimumAttendancePercent", "Persentase kehadiran minimum harus 0–100.", "Minimum attendance must be 0–100 percent."));
        }

        var certificate = definition.Certificate ?? new CertificateSettings();
        if (certificate.NumberFormat is not { } numberFormat || !numberFormat.Contains("{seq", StringComparison.Ordinal) || !NumberFormat().IsMatch(numberFormat))
        {
            errors.Add(new("certificate.numberFormat", "Format nomor sertifikat harus memuat {seq} (mis. {seq:000}/BPSDM-KT/{yyyy}) dan hanya token {seq}, {seq:000}, {yyyy}, {MM}, {code}.",
                "The certificate number format must contain {seq} (e.g. {seq:000}/BPSDM-KT/{yyyy}) and only the tokens {seq}, {seq:000}, {yyyy}, {MM}, {code}."));
        }

        if (certificate.TrainingHours is < 1 or > 1000)
        {
            errors.Add(new("certificate.trainingHours", "Jumlah jam pelajaran (JP) harus 1–1.000.", "Training hours (JP) must be 1–1,000."));
        }

        Text(certificate.SignatoryName, "certificate.signatoryName", "Nama penandatangan", "Signatory name", 200, errors);
        Text(certificate.SignatoryTitle, "certificate.signatoryTitle", "Jabatan penandatangan", "Signatory title", 200, errors);
        if (!string.IsNullOrWhiteSpace(certificate.SignatoryNip) && !NipShape().IsMatch(certificate.SignatoryNip.Replace(" ", "", StringComparison.Ordinal)))
        {
            errors.Add(new("certificate.signatoryNip", "NIP penandatangan harus 18 digit angka.", "The signatory's NIP must be 18 digits."));
        }

        if (!string.IsNullOrWhiteSpace(certificate.SigningPlace))
        {
            Text(certificate.SigningPlace, "certificate.signingPlace", "Tempat penandatanganan", "Place of signing", 100, errors);
        }

        if (certificate.AccentColor is { } color && !HexColor().IsMatch(color))
        {
            errors.Add(new("certificate.accentColor", "Warna harus berformat #RRGGBB.", "Colour must look like #RRGGBB."));
        }

        var open = definition.OpenRegistration ?? new OpenRegistrationSettings();
        if (open.ConfirmWithinMinutes is < 1 or > 10_080)
        {
            errors.Add(new("openRegistration.confirmWithinMinutes", "Batas waktu konfirmasi email harus 1–10.080 menit (7 hari).", "The email confirmation window must be 1–10,080 minutes (7 days)."));
        }

        if (open.AllowedEmailDomains is { } domains &&
            (domains.Count > 20 || domains.Any(d => d is null || !EmailDomain().IsMatch(d))))
        {
            errors.Add(new("openRegistration.allowedEmailDomains", "Domain email tidak valid: paling banyak 20 nama domain seperti go.id atau kalteng.go.id (tanpa @).",
                "Invalid email domains: at most 20 domain names such as go.id or kalteng.go.id (no @)."));
        }

        var checkIn = definition.CheckIn ?? new CheckInSettings();
        if (checkIn.OpensMinutesBeforeStart is < 0 or > 720 || checkIn.ClosesMinutesAfterStart is < 0 or > 1440 || checkIn.LateAfterMinutes < 0 || checkIn.LateAfterMinutes > checkIn.ClosesMinutesAfterStart)
        {
            errors.Add(new("checkIn", "Jendela presensi tidak valid (buka 0–720 menit sebelum, tutup 0–1.440 menit setelah mulai, terlambat ≤ tutup).",
                "Invalid check-in window (opens 0–720 min before, closes 0–1,440 min after start, late ≤ close)."));
        }

        if (definition.Regencies is { } regencies && (regencies.Count > 100 || regencies.Any(r => string.IsNullOrWhiteSpace(r) || r.Length > 100)))
        {
            errors.Add(new("regencies", "Daftar kabupaten/kota berisi nilai kosong atau terlalu panjang (maks. 100 nilai, 100 karakter).", "The regency/city list has empty or overlong values (max 100 values of 100 characters)."));
        }

        // A table property holds 32K characters; the definition is stored whole as JSON, so it must fit.
        if (errors.Count == 0 && System.Text.Json.JsonSerializer.Serialize(definition, CycleStore.Json).Length > MaxDefinitionJsonChars)
        {
            errors.Add(new("", "Definisi terlalu besar untuk disimpan (kurangi deskripsi, sesi, atau daftar kabupaten/kota).", "The definition is too large to store (shorten the description, sessions or regency list)."));
        }

        if (errors.Count > 0 || zone is null || opens is null || closes is null)
        {
            return (null, errors);
        }

        return (new CycleSchedule(zoneId, opens.Value, closes.Value, sessions, beforeDeadline, beforeTraining), errors);
    }

    /// <summary>
    /// What is allowed but probably not meant, for the create and reschedule answers: a session shorter than its
    /// check-in window. Such a definition is valid (a one-hour webinar with the default 60-minute window is common,
    /// and a late arrival may still check in), so it is a warning, not an error: training then ends when the last
    /// window closes (<see cref="CycleSchedule.TrainingEndsAtWith"/>), and the answer says so with the times.
    /// </summary>
    public static IReadOnlyList<FieldError> Warnings(CycleSchedule schedule, CheckInSettings? checkIn)
    {
        var closes = (checkIn ?? new CheckInSettings()).ClosesMinutesAfterStart;
        var warnings = new List<FieldError>();
        var ends = Infrastructure.Formatting.Time(schedule.TrainingEndsAtWith(checkIn), schedule.TimeZone, "id");
        var endsEn = Infrastructure.Formatting.Time(schedule.TrainingEndsAtWith(checkIn), schedule.TimeZone, "en");
        var zone = Infrastructure.Formatting.ZoneLabel(schedule.TimeZone, schedule.ToLocal(schedule.LastSessionEndsAt));
        for (var i = 0; i < schedule.Sessions.Count; i++)
        {
            var s = schedule.Sessions[i];
            var windowCloses = s.StartsAt.AddMinutes(closes);
            if (windowCloses <= s.EndsAt)
            {
                continue;
            }

            string At(DateTimeOffset t, string lang) => Infrastructure.Formatting.Time(t, schedule.TimeZone, lang);
            warnings.Add(new(
                "checkIn.closesMinutesAfterStart",
                $"Presensi sesi '{s.Title}' ditutup {closes} menit setelah mulai ({At(windowCloses, "id")} {zone}), setelah sesi berakhir ({At(s.EndsAt, "id")} {zone}). " +
                $"Pelatihan dianggap berakhir saat presensi terakhir ditutup: {ends} {zone}. Perkecil checkIn.closesMinutesAfterStart bila bukan itu maksudnya.",
                $"Check-in for session '{s.Title}' closes {closes} minutes after it starts ({At(windowCloses, "en")} {zone}), after the session ends ({At(s.EndsAt, "en")} {zone}). " +
                $"Training counts as ended when the last check-in closes: {endsEn} {zone}. Lower checkIn.closesMinutesAfterStart if that is not what you meant."));
        }

        return warnings;
    }

    private static void Text(string? value, string field, string labelId, string labelEn, int max, List<FieldError> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add(new(field, $"{labelId} wajib diisi.", $"{labelEn} is required."));
        }
        else if (value.Length > max)
        {
            errors.Add(new(field, $"{labelId} paling banyak {max} karakter.", $"{labelEn} must be at most {max} characters."));
        }
        else if (value.Any(c => char.IsControl(c) && c is not '\n' and not '\r' and not '\t'))
        {
            errors.Add(new(field, $"{labelId} berisi karakter kontrol yang tidak diizinkan.", $"{labelEn} contains control characters."));
        }
    }

    private static DateTimeOffset? Time(string? value, string field, DateTimeZone? zone, List<FieldError> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add(new(field, "Waktu wajib diisi (format ISO-8601, mis. 2026-12-07T08:00).", "Time is required (ISO-8601, e.g. 2026-12-07T08:00)."));
            return null;
        }

        value = value.Trim();
        try
        {
            foreach (var pattern in OffsetPatterns)
            {
                var parsed = pattern.Parse(value);
                if (parsed.Success)
                {
                    return InRange(parsed.Value.ToInstant().ToDateTimeOffset(), field, errors);
                }
            }

            foreach (var pattern in LocalPatterns)
            {
                var parsed = pattern.Parse(value);
                if (parsed.Success)
                {
                    return zone is null ? null : InRange(parsed.Value.InZoneLeniently(zone).ToInstant().ToDateTimeOffset(), field, errors);
                }
            }
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or InvalidOperationException or OverflowException)
        {
            // Times at the edge of the calendar (year 1, year 9999 with an offset) cannot be represented.
        }

        errors.Add(new(field, $"'{Shorten(value)}' bukan waktu ISO-8601 (mis. 2026-12-07T08:00 atau 2026-12-07T08:00:00+07:00).", $"'{Shorten(value)}' is not an ISO-8601 time (e.g. 2026-12-07T08:00)."));
        return null;
    }

    /// <summary>Trainings happen between 2000 and 2100; anything else is a typo, reported as one.</summary>
    private static DateTimeOffset? InRange(DateTimeOffset utc, string field, List<FieldError> errors)
    {
        if (utc.Year is >= 2000 and <= 2100)
        {
            return utc;
        }

        errors.Add(new(field, "Tahun harus antara 2000 dan 2100.", "The year must be between 2000 and 2100."));
        return null;
    }

    private static List<TimeSpan> Offsets(IReadOnlyList<string>? values, string field, List<FieldError> errors)
    {
        var result = new List<TimeSpan>();
        if (values is null)
        {
            return result;
        }

        if (values.Count > MaxReminders)
        {
            errors.Add(new(field, $"Paling banyak {MaxReminders} pengingat.", $"At most {MaxReminders} reminders."));
            return result;
        }

        for (var i = 0; i < values.Count; i++)
        {
            var parsed = PeriodPattern.NormalizingIso.Parse(values[i]?.Trim() ?? "");
            if (!parsed.Success || parsed.Value.Years != 0 || parsed.Value.Months != 0)
            {
                errors.Add(new($"{field}[{i}]", $"'{Shorten(values[i] ?? "")}' bukan durasi ISO-8601 dalam minggu/hari/jam/menit (mis. P3D, P1D, PT2H).", $"'{Shorten(values[i] ?? "")}' is not an ISO-8601 duration in weeks/days/hours/minutes (e.g. P3D, PT2H)."));
                continue;
            }

            TimeSpan offset;
            try
            {
                offset = parsed.Value.ToDuration().ToTimeSpan();
            }
            catch (Exception e) when (e is OverflowException or ArgumentOutOfRangeException or InvalidOperationException)
            {
                offset = TimeSpan.MaxValue;
            }

            if (offset <= TimeSpan.Zero || offset > MaxReminderOffset)
            {
                errors.Add(new($"{field}[{i}]", "Durasi pengingat harus lebih dari 0 dan paling lama 90 hari.", "A reminder offset must be positive and at most 90 days."));
                continue;
            }

            if (!result.Contains(offset))
            {
                result.Add(offset);
            }
        }

        result.Sort((a, b) => b.CompareTo(a)); // furthest ahead first: the order they fire in
        return result;
    }

    private static string Shorten(string value) => value.Length <= 40 ? value : value[..40] + "…";

    [GeneratedRegex("^[A-Za-z0-9-]{1,20}$")]
    private static partial Regex SessionId();

    [GeneratedRegex(@"^([^{}]|\{seq\}|\{seq:0{1,8}\}|\{yyyy\}|\{MM\}|\{code\}){1,80}$")]
    private static partial Regex NumberFormat();

    [GeneratedRegex("^[0-9]{18}$")]
    private static partial Regex NipShape();

    [GeneratedRegex("^#[0-9A-Fa-f]{6}$")]
    private static partial Regex HexColor();
}
