namespace TrainingCycles.Reminders;

/// <summary>Every kind of message the system sends; also the template file names.</summary>
public static class MailKinds
{
    public const string Invitation = "invitation";
    public const string RegistrationReminder = "registration-reminder";
    public const string Confirmation = "confirmation";
    public const string Waitlisted = "waitlisted";
    public const string Promoted = "promoted";
    public const string TrainingReminder = "training-reminder";
    public const string ScheduleChanged = "schedule-changed";
    public const string Cancelled = "cancelled";
    public const string CertificateIssued = "certificate-issued";

    /// <summary>The open form's "confirm your address" mail: the link that turns an unconfirmed registration into a seat.</summary>
    public const string EmailCheck = "email-check";

    /// <summary>"Send my link again": the person's current personal link (invitation or manage).</summary>
    public const string PersonalLink = "personal-link";

    /// <summary>A staff member's passwordless sign-in link (not tied to a cycle; custom arg <c>c</c> is "signin").</summary>
    public const string SignIn = "sign-in";

    /// <summary>#21: the final evaluation is still missing and holds the certificate back (sent once per person).</summary>
    public const string EvaluationReminder = "evaluation-reminder";

    /// <summary>#21: the follow-up survey months after completion (occurrences "survey" and "reminder").</summary>
    public const string FollowUpSurvey = "follow-up-survey";

    /// <summary>#21: the same follow-up to the alumnus's direct superior (their own link; email log keyed by the alumnus's id).</summary>
    public const string FollowUpSuperior = "follow-up-superior";

    /// <summary>A person's link to their own training record across cycles (#22; custom arg <c>c</c> is "records").</summary>
    public const string RecordsLink = "records-link";

    public static readonly IReadOnlyList<string> All =
        [Invitation, RegistrationReminder, Confirmation, Waitlisted, Promoted, TrainingReminder, ScheduleChanged, Cancelled, CertificateIssued, EmailCheck, PersonalLink, SignIn, EvaluationReminder, FollowUpSurvey, FollowUpSuperior, RecordsLink];
}
