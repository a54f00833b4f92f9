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

    /// <summary>What the person's record and the SIASN export say about this training (issue #22).</summary>
    public RecordsSettings? Records { get; init; }

    /// <summary>Agency nomination (#19): seat quotas per agency, filled by agency coordinators (Nomination/).</summary>
    public NominationSettings? Nomination { get; init; }

    /// <summary>#21: tests, ratings and the evaluation gate; no gate when omitted.</summary>
    public EvaluationSettings? Evaluation { get; init; }

    /// <summary>#23: the purpose and retention every form of this cycle shows; catalog defaults when omitted.</summary>
    public PrivacySettings? Privacy { get; init; }
}

/// <summary>With <see cref="RequiredBeforeCertificate"/> a certificate is issued only once its holder has sent the
/// final (organisation) evaluation; those who have not get one reminder.</summary>
public sealed record EvaluationSettings
{
    public bool RequiredBeforeCertificate { get; init; }

    /// <summary>ISO-8601 period after completion when the follow-up survey is mailed (e.g. P3M); none when omitted.</summary>
    public string? FollowUpAfter { get; init; }

    /// <summary>ISO-8601 period after the survey when the one reminder goes to those who have not answered (default P14D).</summary>
    public string? FollowUpReminderAfter { get; init; }
}

/// <summary>
/// The SIASN course-record fields that are the same for everyone in the cycle (docs/siasn.md has the mapping).
/// The training type is SIASN's own reference (Referensi → Jenis Diklat): its id and its name, as SIASN lists them.
/// </summary>
public sealed record RecordsSettings
{
    /// <summary>SIASN <c>jenisDiklatId</c>: the id of the training type in SIASN's reference list.</summary>
    public string? SiasnTrainingTypeId { get; init; }

    /// <summary>The name SIASN shows for that id (e.g. "Pelatihan Teknis"), printed next to it for the HR officer.</summary>
    public string? SiasnTrainingTypeName { get; init; }

    /// <summary>SIASN <c>jenisKursusSertipikat</c> as its form offers it; when blank, the training type's name.</summary>
    public string? SiasnCertificateType { get; init; }

    /// <summary>SIASN <c>institusiPenyelenggara</c>; when blank, the cycle's organizer name.</summary>
    public string? Institution { get; init; }

    /// <summary>SIASN <c>lokasi</c>; when blank, the city named last in the venue (or the venue).</summary>
    public string? Location { get; init; }

    /// <summary>#22: until when participants may confirm or ask to correct how they will be printed (docs/biodata.md);
    /// the certificate phase waits for it, then issues the unconfirmed with what is on file. Unset: no confirmation round.</summary>
    public string? BiodataDeadline { get; init; }
}

public sealed record SessionDefinition
{
    /// <summary>Stable id (letters, digits, hyphens); generated as s1, s2… when omitted.</summary>
    public string? Id { get; init; }
    public string? Title { get; init; }
    public string? StartsAt { get; init; }
    public string? EndsAt { get; init; }
    public int? Jp { get; init; }
    public string? Instructor { get; init; }
    public string? InstructorEmail { get; init; }
}

/// <summary>ISO-8601 durations before the registration deadline and before the first session (e.g. P3D, P1D, PT2H).</summary>
public sealed record ReminderOffsets
{
    public IReadOnlyList<string>? BeforeDeadline { get; init; }
    public IReadOnlyList<string>? BeforeTraining { get; init; }
}

public sealed record CompletionRule
{
    /// <summary>Share of the cycle's JP (of its sessions when no session carries JP) a person must attend for a certificate.</summary>
    public int MinimumAttendancePercent { get; init; } = 100;

    /// <summary>When set, a minimum number of JP attended instead of <see cref="MinimumAttendancePercent"/> (sessions must carry JP).</summary>
    public int? MinimumJp { get; init; }

    public bool LateCounts { get; init; } = true;

    /// <summary>Whether approved excused absence (izin, sakit, dinas) counts towards the minimum.</summary>
    public bool ExcusedCounts { get; init; }

    /// <summary>When excused absence counts: at most this share of the cycle's JP (sessions) may be excused; more is not counted.</summary>
    public int? MaximumExcusedPercent { get; init; }

    /// <summary>Optional minimum post-test score (0-100) for a certificate.</summary>
    public decimal? MinimumPostTestScore { get; init; }

    /// <summary>
    /// Those who attended at least this share (excused not counted) but miss the certificate get a letter of
    /// participation (surat keterangan telah mengikuti); null = nothing.
    /// </summary>
    public int? LetterMinimumPercent { get; init; }

    /// <summary>Whether the certificate prints the JP the person earned (true) or the cycle's total (false, the default).</summary>
    public bool CertificateShowsEarnedJp { get; init; }

    /// <summary>Numbering of letters of participation, tokens as <see cref="CertificateSettings.NumberFormat"/>; "{seq:000}/SKTM/{yyyy}" when omitted.</summary>
    public string? LetterNumberFormat { get; init; }

    /// <summary>#20: the workflow waits for the organizer's roster lock before the rule and the documents (false: it does not, as before).</summary>
    public bool RequireRosterLock { get; init; }

    /// <summary>With <see cref="RequireRosterLock"/>: after this many hours past the end of training it issues on what is marked; null = waits until locked.</summary>
    public int? RosterLockWaitHours { get; init; }
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

    /// <summary>
    /// #22: the identity rows the certificate prints under the name, in this order, from <see cref="PrintableFields"/>;
    /// null prints all of them. An empty list prints the name alone.
    /// </summary>
    public IReadOnlyList<string>? PrintedFields { get; init; }

    /// <summary>#22: the identity fields a certificate can print (the name always prints).</summary>
    public static readonly IReadOnlyList<string> PrintableFields = ["nip", "birth", "rank", "position", "agency"];

    /// <summary>The fields printed: <see cref="PrintedFields"/> when given, else all of <see cref="PrintableFields"/>.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> FieldsToPrint => PrintedFields ?? PrintableFields;
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
