using System.Text.Json.Serialization;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Cycles;

/// <summary>
/// What an organizer sends to create (or reschedule) a cycle. Times are ISO-8601 strings: with an offset
/// (<c>2026-12-07T08:00:00+07:00</c>) or without one, in which case they are read in the cycle's time zone.
/// Strings rather than DateTimeOffset so that a bad value gets a field-level message, not a parse failure.
/// </summary>
public sealed record CycleDefinition
{
    public string? Title { get; init; }
    public string? OrganizerName { get; init; }
    public string? Venue { get; init; }
    public string? Description { get; init; }
    public string? TimeZone { get; init; }
    public int? Capacity { get; init; }
    public bool InviteOnly { get; init; }
    public string? RegistrationOpensAt { get; init; }
    public string? RegistrationClosesAt { get; init; }
    public IReadOnlyList<SessionDefinition>? Sessions { get; init; }
    public ReminderOffsets? Reminders { get; init; }
    public CompletionRule? Completion { get; init; }
    public CertificateSettings? Certificate { get; init; }
    public CheckInSettings? CheckIn { get; init; }

    /// <summary>How the open form (no personal link) is protected; the defaults apply when omitted.</summary>
    public OpenRegistrationSettings? OpenRegistration { get; init; }

    /// <summary>Regencies/cities offered on the registration form; Central Kalimantan's 14 when empty.</summary>
    public IReadOnlyList<string>? Regencies { get; init; }

    /// <summary>Agency nomination (#19): seat quotas per agency, filled by agency coordinators (Nomination/).</summary>
    public NominationSettings? Nomination { get; init; }
}

public sealed record SessionDefinition
{
    /// <summary>Stable id (letters, digits, hyphens); generated as s1, s2… when omitted.</summary>
    public string? Id { get; init; }
    public string? Title { get; init; }
    public string? StartsAt { get; init; }
    public string? EndsAt { get; init; }
}

/// <summary>ISO-8601 durations before the registration deadline and before the first session (e.g. P3D, P1D, PT2H).</summary>
public sealed record ReminderOffsets
{
    public IReadOnlyList<string>? BeforeDeadline { get; init; }
    public IReadOnlyList<string>? BeforeTraining { get; init; }
}

public sealed record CompletionRule
{
    public int MinimumAttendancePercent { get; init; } = 100;
    public bool LateCounts { get; init; } = true;
    public bool ExcusedCounts { get; init; }
}

public sealed record CertificateSettings
{
    /// <summary>Tokens: {seq} or {seq:000} (required), {yyyy}, {MM}, {code} (cycle code).</summary>
    public string NumberFormat { get; init; } = "{seq:000}/PELATIHAN/{yyyy}";
    public int TrainingHours { get; init; }
    public string? SignatoryName { get; init; }
    public string? SignatoryTitle { get; init; }
    public string? SignatoryNip { get; init; }

    /// <summary>Printed before the signing date ("Palangka Raya, 2 Desember 2026"); when blank, the city named last in the venue.</summary>
    public string? SigningPlace { get; init; }

    /// <summary>Optional look: accent colour as #RRGGBB and the heading wording.</summary>
    public string? AccentColor { get; init; }
    public string? Heading { get; init; }
}

public sealed record CheckInSettings
{
    public int OpensMinutesBeforeStart { get; init; } = 30;
    public int ClosesMinutesAfterStart { get; init; } = 60;
    public int LateAfterMinutes { get; init; } = 15;
}

/// <summary>
/// The open registration form. With <see cref="ConfirmEmail"/> (the default) a registration through the open form holds
/// no seat until the person opens the link mailed to them; unconfirmed ones are removed after
/// <see cref="ConfirmWithinMinutes"/>. Invitation links were emailed by the organizer, so they count as confirmed.
/// </summary>
public sealed record OpenRegistrationSettings
{
    public bool ConfirmEmail { get; init; } = true;

    public int ConfirmWithinMinutes { get; init; } = 60;

    /// <summary>When set, the open form takes only addresses at these domains or their subdomains (e.g. <c>go.id</c>).</summary>
    public IReadOnlyList<string>? AllowedEmailDomains { get; init; }

    public bool AllowsEmail(string email)
    {
        if (AllowedEmailDomains is not { Count: > 0 } domains)
        {
            return true;
        }

        var host = email[(email.LastIndexOf('@') + 1)..];
        return domains.Any(d => string.Equals(host, d, StringComparison.OrdinalIgnoreCase) || host.EndsWith("." + d, StringComparison.OrdinalIgnoreCase));
    }
}

/// <summary>A field-level validation error, in both languages.</summary>
public sealed record FieldError(string Field, string Message, string MessageEn)
{
    /// <summary>An error from a catalog text in both languages: <c>new("title", Text.Both(nameof(Texts.Field_X)))</c>.</summary>
    public FieldError(string field, (string Id, string En) message)
        : this(field, message.Id, message.En)
    {
    }

    /// <summary>The error for <paramref name="field"/> from the catalog: <c>FieldError.Of("email", nameof(Texts.Field_EmailInvalid))</c>.</summary>
    public static FieldError Of(string field, string key, params object?[] args)
    {
        var (message, messageEn) = Text.Both(key, args);
        return new FieldError(field, message, messageEn);
    }

    /// <summary>The message in the page's language.</summary>
    public string In(string lang) => lang == "en" ? MessageEn : Message;
}

/// <summary>The phases of a cycle, in order.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CyclePhase>))]
public enum CyclePhase
{
    Inviting,
    RegistrationOpen,
    AwaitingTraining,
    InTraining,
    Completing,
    Completed,
    Cancelled,
}
