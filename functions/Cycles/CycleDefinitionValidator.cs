using System.Globalization;
using System.Text.RegularExpressions;
using NodaTime;
using NodaTime.Text;
using TrainingCycles.Infrastructure;

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
            errors.Add(new("", Text.Both(nameof(Texts.Field_Cycle_DefinitionEmpty))));
            return (null, errors);
        }

        CheckText(definition.Title, "title", nameof(Texts.Field_Cycle_Label_Title), 200, errors);
        CheckText(definition.OrganizerName, "organizerName", nameof(Texts.Field_Cycle_Label_OrganizerName), 200, errors);
        CheckText(definition.Venue, "venue", nameof(Texts.Field_Cycle_Label_Venue), 300, errors);
        if (definition.Description is { Length: > 4000 })
        {
            errors.Add(new("description", Text.Both(nameof(Texts.Field_Cycle_DescriptionTooLong))));
        }

        var zoneId = string.IsNullOrWhiteSpace(definition.TimeZone) ? DefaultTimeZone : definition.TimeZone.Trim();
        var zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(zoneId);
        if (zone is null)
        {
            errors.Add(new("timeZone", Text.Both(nameof(Texts.Field_Cycle_TimeZoneUnknown), zoneId)));
        }

        if (definition.Capacity is not int capacity || capacity < 1)
        {
            errors.Add(new("capacity", Text.Both(nameof(Texts.Field_Cycle_CapacityTooSmall))));
        }
        else if (capacity > 100_000)
        {
            errors.Add(new("capacity", Text.Both(nameof(Texts.Field_Cycle_CapacityTooLarge))));
        }

        var opens = Time(definition.RegistrationOpensAt, "registrationOpensAt", zone, errors);
        var closes = Time(definition.RegistrationClosesAt, "registrationClosesAt", zone, errors);
        if (opens is not null && closes is not null && closes <= opens)
        {
            errors.Add(new("registrationClosesAt", Text.Both(nameof(Texts.Field_Cycle_ClosesBeforeOpens))));
        }

        if (closes is not null && closes <= now)
        {
            errors.Add(new("registrationClosesAt", Text.Both(nameof(Texts.Field_Cycle_DeadlinePast))));
        }

        var sessions = new List<ScheduledSession>();
        if (definition.Sessions is not { Count: > 0 })
        {
            errors.Add(new("sessions", Text.Both(nameof(Texts.Field_Cycle_NoSessions))));
        }
        else if (definition.Sessions.Count > MaxSessions)
        {
            errors.Add(new("sessions", Text.Both(nameof(Texts.Field_Cycle_TooManySessions), MaxSessions)));
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
                    errors.Add(new(field, Text.Both(nameof(Texts.Field_Cycle_SessionEmpty))));
                    continue;
                }

                var id = string.IsNullOrWhiteSpace(s.Id) ? "s" + (i + 1).ToString(CultureInfo.InvariantCulture) : s.Id.Trim();
                if (!SessionId().IsMatch(id))
                {
                    errors.Add(new(field + ".id", Text.Both(nameof(Texts.Field_Cycle_SessionIdInvalid))));
                }
                else if (!ids.Add(id))
                {
                    errors.Add(new(field + ".id", Text.Both(nameof(Texts.Field_Cycle_SessionIdDuplicate), id)));
                }

                var title = string.IsNullOrWhiteSpace(s.Title) ? $"Sesi {i + 1}" : s.Title.Trim();
                if (title.Length > 200)
                {
                    errors.Add(new(field + ".title", Text.Both(nameof(Texts.Field_Cycle_SessionTitleTooLong))));
                }

                var start = Time(s.StartsAt, field + ".startsAt", zone, errors);
                var end = Time(s.EndsAt, field + ".endsAt", zone, errors);
                if (start is null || end is null)
                {
                    continue;
                }

                if (end <= start)
                {
                    errors.Add(new(field + ".endsAt", Text.Both(nameof(Texts.Field_Cycle_SessionEndsBeforeStart))));
                }
                else if (end - start > TimeSpan.FromHours(24))
                {
                    errors.Add(new(field + ".endsAt", Text.Both(nameof(Texts.Field_Cycle_SessionTooLong))));
                }

                if (closes is not null && start < closes)
                {
                    errors.Add(new(field + ".startsAt", Text.Both(nameof(Texts.Field_Cycle_SessionBeforeDeadline))));
                }

                var (jp, instructor, instructorEmail) = SessionExtras(s, field, errors);
                sessions.Add(new ScheduledSession(id, title, start.Value, end.Value, jp, instructor, instructorEmail));
            }

            if (definition.Sessions.Any(x => x?.Jp is not null) && definition.Sessions.ToList().FindIndex(x => x is not null && x.Jp is null) is var noJp and >= 0)
            {
                errors.Add(new($"sessions[{noJp}].jp", Text.Both(nameof(Texts.Field_Cycle_SessionJpMissing))));
            }

            var ordered = sessions.OrderBy(s => s.StartsAt).ToList();
            for (var i = 1; i < ordered.Count; i++)
            {
                if (ordered[i].StartsAt < ordered[i - 1].EndsAt)
                {
                    var index = sessions.IndexOf(ordered[i]);
                    errors.Add(new($"sessions[{index}].startsAt", Text.Both(nameof(Texts.Field_Cycle_SessionsOverlap), ordered[i].Title, ordered[i - 1].Title)));
                }
            }

            sessions = ordered;
        }

        var beforeDeadline = Offsets(definition.Reminders?.BeforeDeadline, "reminders.beforeDeadline", errors);
        var beforeTraining = Offsets(definition.Reminders?.BeforeTraining, "reminders.beforeTraining", errors);

        var completion = definition.Completion ?? new CompletionRule();
        if (completion.MinimumAttendancePercent is < 0 or > 100)
        {
            errors.Add(new("completion.minimumAttendancePercent", Text.Both(nameof(Texts.Field_Cycle_MinimumAttendance))));
        }

        var totalJp = sessions.Sum(x => x.Jp);
        CheckCompletion(completion, totalJp, errors);

        var certificate = definition.Certificate ?? new CertificateSettings();
        if (certificate.NumberFormat is not { } numberFormat || !numberFormat.Contains("{seq", StringComparison.Ordinal) || !NumberFormat().IsMatch(numberFormat))
        {
            errors.Add(new("certificate.numberFormat", Text.Both(nameof(Texts.Field_Cycle_NumberFormat))));
        }

        // Sessions with JP give the cycle its total; the certificate's hours may then be left out (0), and when given must agree.
        if (totalJp > 0 && certificate.TrainingHours != 0 && certificate.TrainingHours != totalJp)
        {
            errors.Add(new("certificate.trainingHours", Text.Both(nameof(Texts.Field_Cycle_TrainingHoursNotTotal), certificate.TrainingHours, totalJp)));
        }
        else if (totalJp == 0 && certificate.TrainingHours is < 1 or > 1000)
        {
            errors.Add(new("certificate.trainingHours", Text.Both(nameof(Texts.Field_Cycle_TrainingHours))));
        }

        CheckText(certificate.SignatoryName, "certificate.signatoryName", nameof(Texts.Field_Cycle_Label_SignatoryName), 200, errors);
        CheckText(certificate.SignatoryTitle, "certificate.signatoryTitle", nameof(Texts.Field_Cycle_Label_SignatoryTitle), 200, errors);
        if (!string.IsNullOrWhiteSpace(certificate.SignatoryNip) && !NipShape().IsMatch(certificate.SignatoryNip.Replace(" ", "", StringComparison.Ordinal)))
        {
            errors.Add(new("certificate.signatoryNip", Text.Both(nameof(Texts.Field_Cycle_SignatoryNip))));
        }

        if (!string.IsNullOrWhiteSpace(certificate.SigningPlace))
        {
            CheckText(certificate.SigningPlace, "certificate.signingPlace", nameof(Texts.Field_Cycle_Label_SigningPlace), 100, errors);
        }

        if (certificate.PrintedFields is { } printed
            && (printed.Any(f => !CertificateSettings.PrintableFields.Contains(f, StringComparer.Ordinal)) || printed.Distinct(StringComparer.Ordinal).Count() != printed.Count))
        {
            errors.Add(new("certificate.printedFields", Text.Both(nameof(Texts.Field_Cycle_Cert_PrintedFields), string.Join(", ", CertificateSettings.PrintableFields))));
        }

        if (certificate.AccentColor is { } color && !HexColor().IsMatch(color))
        {
            errors.Add(new("certificate.accentColor", Text.Both(nameof(Texts.Field_Cycle_AccentColor))));
        }

        if (definition.Records is { } records)
        {
            if (records.SiasnTrainingTypeId is { } typeId && (typeId.Trim().Length is 0 or > 40 || !typeId.Trim().All(char.IsAsciiLetterOrDigit)))
            {
                errors.Add(new("records.siasnTrainingTypeId", Text.Both(nameof(Texts.Field_Cycle_SiasnTrainingTypeId))));
            }

            foreach (var (value, field) in new[] { (records.SiasnTrainingTypeName, "records.siasnTrainingTypeName"), (records.SiasnCertificateType, "records.siasnCertificateType"), (records.Institution, "records.institution"), (records.Location, "records.location") })
            {
                if (value is { Length: > 200 })
                {
                    errors.Add(new(field, Text.Both(nameof(Texts.Field_Cycle_RecordsText))));
                }
            }

            if (records.BiodataDeadline is not null)
            {
                Time(records.BiodataDeadline, "records.biodataDeadline", zone, errors); // #22
            }
        }

        if (definition.Privacy is { } privacy)
        {
            foreach (var (value, field) in new[] { (privacy.Purpose, "privacy.purpose"), (privacy.PurposeEn, "privacy.purposeEn"), (privacy.Retention, "privacy.retention"), (privacy.RetentionEn, "privacy.retentionEn") })
            {
                if (value is { Length: > PrivacySettings.MaxLength })
                {
                    errors.Add(new(field, Text.Both(nameof(Texts.Field_Cycle_PrivacyText), PrivacySettings.MaxLength)));
                }
            }
        }

        var open = definition.OpenRegistration ?? new OpenRegistrationSettings();
        if (open.ConfirmWithinMinutes is < 1 or > 10_080)
        {
            errors.Add(new("openRegistration.confirmWithinMinutes", Text.Both(nameof(Texts.Field_Cycle_ConfirmWindow))));
        }

        if (open.AllowedEmailDomains is { } domains &&
            (domains.Count > 20 || domains.Any(d => d is null || !EmailDomain().IsMatch(d))))
        {
            errors.Add(new("openRegistration.allowedEmailDomains", Text.Both(nameof(Texts.Field_Cycle_EmailDomains))));
        }

        var checkIn = definition.CheckIn ?? new CheckInSettings();
        if (checkIn.OpensMinutesBeforeStart is < 0 or > 720 || checkIn.ClosesMinutesAfterStart is < 0 or > 1440 || checkIn.LateAfterMinutes < 0 || checkIn.LateAfterMinutes > checkIn.ClosesMinutesAfterStart)
        {
            errors.Add(new("checkIn", Text.Both(nameof(Texts.Field_Cycle_CheckInWindow))));
        }

        if (definition.Regencies is { } regencies && (regencies.Count > 100 || regencies.Any(r => string.IsNullOrWhiteSpace(r) || r.Length > 100)))
        {
            errors.Add(new("regencies", Text.Both(nameof(Texts.Field_Cycle_Regencies))));
        }

        if (definition.Nomination is { } nomination)
        {
            // #19: the nomination deadline (before registration closes), its reminder offsets and where unused seats go.
            var nominationDeadline = Time(nomination.Deadline, "nomination.deadline", zone, errors);
            Offsets(nomination.RemindersBeforeDeadline, "nomination.remindersBeforeDeadline", errors);
            if (nominationDeadline is { } nd && closes is { } registrationCloses && nd > registrationCloses)
            {
                errors.Add(new("nomination.deadline", Text.Both(nameof(Texts.Field_Nomination_DeadlineAfterClose))));
            }

            if (nomination.ReleaseTo is not (NominationSettings.ReleaseToWaitlist or NominationSettings.ReleaseToOpen))
            {
                errors.Add(new("nomination.releaseTo", Text.Both(nameof(Texts.Field_Nomination_ReleaseTo))));
            }
        }

        EvaluationPeriods.Check(definition.Evaluation, errors); // #21

        // A table property holds 32K characters; the definition is stored whole as JSON, so it must fit.
        if (errors.Count == 0 && System.Text.Json.JsonSerializer.Serialize(definition, CycleStore.Json).Length > MaxDefinitionJsonChars)
        {
            errors.Add(new("", Text.Both(nameof(Texts.Field_Cycle_DefinitionTooLarge))));
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
            string Warning(string lang, string trainingEnds) =>
                Text.Get(lang, nameof(Texts.Field_Cycle_Warning_CheckInClosesAfterEnd), s.Title, closes, At(windowCloses, lang), zone, At(s.EndsAt, lang), trainingEnds);
            warnings.Add(new(
                "checkIn.closesMinutesAfterStart",
                Warning("id", ends),
                Warning("en", endsEn)));
        }

        return warnings;
    }

    // ---- #20 completion: session JP and instructor, the completion rule ----
    public const int MaxSessionJp = 20;

    private static (int Jp, string? Instructor, string? InstructorEmail) SessionExtras(SessionDefinition s, string field, List<FieldError> errors)
    {
        if (s.Jp is < 1 or > MaxSessionJp)
        {
            errors.Add(new(field + ".jp", Text.Both(nameof(Texts.Field_Cycle_SessionJp), MaxSessionJp)));
        }

        string? instructor = null;
        if (!string.IsNullOrWhiteSpace(s.Instructor))
        {
            CheckText(s.Instructor, field + ".instructor", nameof(Texts.Field_Cycle_Label_Instructor), 200, errors);
            instructor = s.Instructor.Trim();
        }

        string? email = null;
        if (!string.IsNullOrWhiteSpace(s.InstructorEmail))
        {
            email = s.InstructorEmail.Trim();
            if (!InviteeImport.IsEmail(email))
            {
                errors.Add(new(field + ".instructorEmail", Text.Both(nameof(Texts.Field_Cycle_InstructorEmail))));
            }
        }

        return (s.Jp ?? 0, instructor, email);
    }

    private static void CheckCompletion(CompletionRule rule, int totalJp, List<FieldError> errors)
    {
        if (rule.MinimumJp is { } minJp && (totalJp == 0 || minJp < 0 || minJp > totalJp))
        {
            errors.Add(new("completion.minimumJp", Text.Both(nameof(Texts.Field_Cycle_MinimumJp), totalJp)));
        }

        if (rule.MaximumExcusedPercent is < 0 or > 100)
        {
            errors.Add(new("completion.maximumExcusedPercent", Text.Both(nameof(Texts.Field_Cycle_Percent))));
        }

        if (rule.LetterMinimumPercent is < 0 or > 100)
        {
            errors.Add(new("completion.letterMinimumPercent", Text.Both(nameof(Texts.Field_Cycle_Percent))));
        }

        if (rule.MinimumPostTestScore is < 0 or > 100)
        {
            errors.Add(new("completion.minimumPostTestScore", Text.Both(nameof(Texts.Field_Cycle_MinimumScore))));
        }

        if (rule.LetterNumberFormat is { } letterFormat && (!letterFormat.Contains("{seq", StringComparison.Ordinal) || !NumberFormat().IsMatch(letterFormat)))
        {
            errors.Add(new("completion.letterNumberFormat", Text.Both(nameof(Texts.Field_Cycle_NumberFormat))));
        }

        if (rule.RosterLockWaitHours is < 1 or > 24 * 90)
        {
            errors.Add(new("completion.rosterLockWaitHours", Text.Both(nameof(Texts.Field_Cycle_RosterLockWaitHours), 24 * 90)));
        }

        if (rule.CertificateShowsEarnedJp && totalJp == 0)
        {
            errors.Add(new("completion.certificateShowsEarnedJp", Text.Both(nameof(Texts.Field_Cycle_EarnedJpNeedsJp))));
        }
    }

    private static void CheckText(string? value, string field, string label, int max, List<FieldError> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add(Labelled(field, nameof(Texts.Field_Cycle_TextRequired), label));
        }
        else if (value.Length > max)
        {
            errors.Add(Labelled(field, nameof(Texts.Field_Cycle_TextTooLong), label, max));
        }
        else if (value.Any(c => char.IsControl(c) && c is not '\n' and not '\r' and not '\t'))
        {
            errors.Add(Labelled(field, nameof(Texts.Field_Cycle_TextControl), label));
        }
    }

    /// <summary>An error whose first placeholder is the field's label (<paramref name="label"/>, a catalog key), in each language.</summary>
    internal static FieldError Labelled(string field, string key, string label, params object?[] args) =>
        new(field, WithLabel("id", key, label, args), WithLabel("en", key, label, args));

    private static string WithLabel(string lang, string key, string label, object?[] args) => Text.Get(lang, key, [Text.Get(lang, label), .. args]);

    private static DateTimeOffset? Time(string? value, string field, DateTimeZone? zone, List<FieldError> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add(new(field, Text.Both(nameof(Texts.Field_Cycle_TimeRequired))));
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

        errors.Add(new(field, Text.Both(nameof(Texts.Field_Cycle_TimeInvalid), Shorten(value))));
        return null;
    }

    /// <summary>A definition time read as <see cref="Validate"/> reads it (null when it is not valid): #19's nomination deadline.</summary>
    public static DateTimeOffset? ParseTime(string? value, string timeZone) =>
        Time(value, "", DateTimeZoneProviders.Tzdb.GetZoneOrNull(timeZone), []);

    /// <summary>Reminder offsets read as <see cref="Validate"/> reads them (invalid ones left out), furthest ahead first.</summary>
    public static IReadOnlyList<TimeSpan> ParseOffsets(IReadOnlyList<string>? values) => Offsets(values, "", []);

    /// <summary>Trainings happen between 2000 and 2100; anything else is a typo, reported as one.</summary>
    private static DateTimeOffset? InRange(DateTimeOffset utc, string field, List<FieldError> errors)
    {
        if (utc.Year is >= 2000 and <= 2100)
        {
            return utc;
        }

        errors.Add(new(field, Text.Both(nameof(Texts.Field_Cycle_YearRange))));
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
            errors.Add(new(field, Text.Both(nameof(Texts.Field_Cycle_TooManyReminders), MaxReminders)));
            return result;
        }

        for (var i = 0; i < values.Count; i++)
        {
            var parsed = PeriodPattern.NormalizingIso.Parse(values[i]?.Trim() ?? "");
            if (!parsed.Success || parsed.Value.Years != 0 || parsed.Value.Months != 0)
            {
                errors.Add(new($"{field}[{i}]", Text.Both(nameof(Texts.Field_Cycle_DurationInvalid), Shorten(values[i] ?? string.Empty))));
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
                errors.Add(new($"{field}[{i}]", Text.Both(nameof(Texts.Field_Cycle_ReminderOffsetRange))));
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
