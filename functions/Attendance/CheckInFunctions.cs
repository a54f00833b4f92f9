using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using TrainingCycles.Cycles;
using TrainingCycles.Attendance.Views;
using TrainingCycles.Infrastructure;
using TrainingCycles.Infrastructure.Views;
using static TrainingCycles.Infrastructure.Pages;
using CheckInView = TrainingCycles.Attendance.Views.CheckInPage;

namespace TrainingCycles.Attendance;

/// <summary>
/// Self check-in at the venue: the participant opens their personal link (token from the H-1 reminder) and types
/// the session code shown by the organizers. The row is written straight to the Attendance table, insert-only:
/// a repeat is harmless and an organizer's mark is never overwritten. Works without JavaScript.
/// </summary>
public sealed class CheckInFunctions(CycleStore cycles, ParticipantStore participants, SelfCheckIn selfCheckIn, Tokens tokens)
{
    private const int MaxFormBytes = 4 * 1024;

    [Function(nameof(CheckIn))]
    public async Task<IActionResult> CheckIn(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", Route = "cycles/{cycleId}/checkin")] HttpRequest request,
        string cycleId)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        var isPost = HttpMethods.IsPost(request.Method);
        var token = request.Query["t"].FirstOrDefault();
        if (string.IsNullOrEmpty(token) && !isPost)
        {
            var plain = await cycles.GetAsync(cycleId, cancellationToken);
            return plain is null ? CycleNotFound(Language(request)) : Landing(Language(request), plain);
        }

        // The link is checked before a byte of the body is read: without a valid personal link nobody gets the
        // server to buffer anything.
        var problem = tokens.Validate(token, TokenPurpose.CheckIn, out var claims);
        if (problem != TokenProblem.None || claims!.CycleId != cycleId)
        {
            return BadLink(Language(request), problem);
        }

        var form = isPost ? await ReadFormAsync(request, cancellationToken) : new FormRead(null, null);
        if (form.Refusal is { } refusal)
        {
            return refusal;
        }

        var lang = Language(request, form.Form?["lang"].FirstOrDefault());
        var cycle = await cycles.GetAsync(cycleId, cancellationToken);
        if (cycle is null)
        {
            return CycleNotFound(lang);
        }

        // A link issued before the person withdrew or changed their email address is revoked.
        var participant = await participants.GetAsync(cycleId, claims.SubjectId, cancellationToken);
        if (participant is null || participant.TokenVersion != claims.Version)
        {
            return BadLink(lang, TokenProblem.BadSignature);
        }

        if ((Cancelled(lang, cycle) ?? (participant.Status != ParticipantStatus.Confirmed ? NotConfirmed(lang, participant.Status) : null)) is { } refused)
        {
            return refused;
        }

        // The participant's door QR for presence-bound sessions: the same person and cycle, for as long as the link lives.
        var presence = tokens.Create(TokenPurpose.Presence, cycleId, participant.RowKey, claims.ExpiresAt, participant.TokenVersion);
        var outcome = await selfCheckIn.RunAsync(cycle, participant, isPost ? form.Form?["code"].FirstOrDefault() ?? "" : null, cancellationToken);
        return new CheckInPage(request, lang, cycle, participant, token!, presence).For(outcome, isPost);
    }

    private sealed record FormRead(IFormCollection? Form, IActionResult? Refusal);

    /// <summary>
    /// The form, read only when it declares a length within the limit (like the registration form): a chunked body
    /// (no length) is refused with 411 and an oversized one with 413 before anything is buffered. Null when the body
    /// has no length at all (411).
    /// </summary>
    private static async Task<FormRead> ReadFormAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength is null)
        {
            return new FormRead(null, Bilingual(request, StatusCodes.Status411LengthRequired, nameof(Texts.Att_CheckIn_LengthRequired_Title), nameof(Texts.Att_CheckIn_LengthRequired_Text)));
        }

        if (request.ContentLength > MaxFormBytes)
        {
            return new FormRead(null, Bilingual(request, StatusCodes.Status413PayloadTooLarge, nameof(Texts.Att_CheckIn_TooLarge_Title), nameof(Texts.Att_CheckIn_TooLarge_Text), MaxFormBytes / 1024));
        }

        if (!request.HasFormContentType)
        {
            return new FormRead(null, Bilingual(request, StatusCodes.Status415UnsupportedMediaType, nameof(Texts.Att_CheckIn_Unsupported_Title), nameof(Texts.Att_CheckIn_Unsupported_Text)));
        }

        try
        {
            return new FormRead(await request.ReadFormAsync(cancellationToken), null);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or BadHttpRequestException)
        {
            return new FormRead(null, Bilingual(request, StatusCodes.Status400BadRequest, nameof(Texts.Att_CheckIn_Unreadable_Title), nameof(Texts.Att_CheckIn_Unreadable_Text)));
        }
    }

    /// <summary>A refusal sent before the form (and its language field) is read: it says it in both languages.</summary>
    private static IActionResult Bilingual(HttpRequest request, int status, string titleKey, string textKey, params object?[] args) =>
        View.Page<BilingualRefusalPage>(Language(request), new BilingualRefusalPage.Data(titleKey, textKey, args), status);

    private static IActionResult? Cancelled(string lang, CycleRecord cycle) =>
        cycle.Phase != CyclePhase.Cancelled && cycle.Entity.CancelledAt is null ? null
        : string.IsNullOrWhiteSpace(cycle.Entity.CancelReason)
            ? View.Message(lang, StatusCodes.Status410Gone, nameof(Texts.Att_CheckIn_Cancelled_Title), nameof(Texts.Att_CheckIn_Cancelled_Text), cycle.Entity.Title)
            : View.Message(lang, StatusCodes.Status410Gone, nameof(Texts.Att_CheckIn_Cancelled_Title), nameof(Texts.Att_CheckIn_Cancelled_TextWithReason), cycle.Entity.Title, cycle.Entity.CancelReason);

    private static IActionResult CycleNotFound(string lang) =>
        View.Message(lang, StatusCodes.Status404NotFound, nameof(Texts.Att_CheckIn_CycleNotFound_Title), nameof(Texts.Att_CheckIn_CycleNotFound_Text));

    /// <summary>The page the venue QR code leads to: it explains that check-in needs the personal link.</summary>
    private static IActionResult Landing(string lang, CycleRecord cycle) => View.Page<CheckInLandingPage>(lang, cycle.Entity.Title);

    private static IActionResult BadLink(string lang, TokenProblem problem) => problem switch
    {
        TokenProblem.Missing => View.Message(lang, StatusCodes.Status403Forbidden, nameof(Texts.Att_CheckIn_LinkMissing_Title), nameof(Texts.Att_CheckIn_LinkMissing_Text)),
        TokenProblem.Expired => View.Message(lang, StatusCodes.Status403Forbidden, nameof(Texts.Att_CheckIn_LinkExpired_Title), nameof(Texts.Att_CheckIn_LinkExpired_Text)),
        _ => View.Message(lang, StatusCodes.Status403Forbidden, nameof(Texts.Att_CheckIn_LinkInvalid_Title), nameof(Texts.Att_CheckIn_LinkInvalid_Text)),
    };

    private static IActionResult NotConfirmed(string lang, string status) => View.Message(lang, StatusCodes.Status403Forbidden, nameof(Texts.Att_CheckIn_NotAvailable_Title), status switch
    {
        ParticipantStatus.Withdrawn => nameof(Texts.Att_CheckIn_NotAvailable_Withdrawn),
        ParticipantStatus.Waitlisted => nameof(Texts.Att_CheckIn_NotAvailable_Waitlisted),
        _ => nameof(Texts.Att_CheckIn_NotAvailable_NotRegistered),
    });

    private static string NotOpenText(CycleRecord cycle, IReadOnlyList<CheckInWindow> windows, DateTimeOffset now, string lang)
    {
        var zone = cycle.Schedule.TimeZone;
        var text = new StringBuilder(Text.Get(lang, nameof(Texts.Att_CheckIn_NotOpen)));
        var running = windows.FirstOrDefault(w => w.ClosesAt <= now && w.Session.EndsAt > now);
        if (running is not null)
        {
            text.Clear().Append(Text.Get(lang, nameof(Texts.Att_CheckIn_SessionClosed), running.Session.Title, Formatting.Time(running.ClosesAt, zone, lang)));
        }

        var next = CheckInWindows.Next(windows, now);
        if (next is not null)
        {
            text.Append(' ').Append(Text.Get(lang, nameof(Texts.Att_CheckIn_NextSession),
                next.Session.Title, Formatting.DateTime(next.OpensAt, zone, lang), Formatting.Time(next.Session.StartsAt, zone, lang)));
        }
        else if (running is null)
        {
            text.Clear().Append(Text.Get(lang, nameof(Texts.Att_CheckIn_AllClosed)));
        }

        return text.ToString();
    }

    private static string LockedText(CycleRecord cycle, DateTimeOffset until, string lang) =>
        Text.Get(lang, nameof(Texts.Att_CheckIn_Locked), Formatting.Time(until, cycle.Schedule.TimeZone, lang));

    /// <summary>The states of the check-in page for one participant (<see cref="CheckInView"/>); every one shows who, what and when.</summary>
    private sealed class CheckInPage(HttpRequest request, string lang, CycleRecord cycle, ParticipantEntity participant, string token, string presenceToken)
    {
        /// <summary>An open session needs presence at the door: the page shows the participant's personal QR.</summary>
        private bool AtTheDoor { get; set; }

        /// <summary>The view and status code for each outcome; a POST that cannot be taken is a 409.</summary>
        public IActionResult For(CheckInOutcome outcome, bool isPost)
        {
            switch (outcome)
            {
                case CheckInOutcome.Ended:
                    return Closed(StatusCodes.Status409Conflict, Text.Get(lang, nameof(Texts.Att_CheckIn_Ended)));
                case CheckInOutcome.NotOpen notOpen:
                    return Closed(isPost ? StatusCodes.Status409Conflict : StatusCodes.Status200OK, NotOpenText(cycle, notOpen.Windows, notOpen.Now, lang));
                case CheckInOutcome.Marked marked:
                    return marked.New ? Success(marked.Session, marked.Row) : Already(marked.Session, marked.Row);
                case CheckInOutcome.AskCode ask:
                    AtTheDoor = ask.AtTheDoor;
                    return ask.Problem switch
                    {
                        CodeProblem.Locked => Form(ask.Open, LockedText(cycle, ask.LockedUntil!.Value, lang), StatusCodes.Status429TooManyRequests),
                        CodeProblem.Shape => Form(ask.Open, Text.Get(lang, nameof(Texts.Att_CheckIn_CodeShape)), StatusCodes.Status422UnprocessableEntity),
                        CodeProblem.Wrong => Form(ask.Open, Text.Get(lang, nameof(Texts.Att_CheckIn_WrongCode), ask.AttemptsLeft), StatusCodes.Status422UnprocessableEntity),
                        _ => Form(ask.Open, error: null, StatusCodes.Status200OK),
                    };
                default:
                    throw new ArgumentOutOfRangeException(nameof(outcome));
            }
        }

        private IActionResult Form(IReadOnlyList<CheckInWindow> open, string? error, int status) =>
            Show(CheckInView.Kind.Form, open.Select(w => w.Session), error, status);

        private IActionResult Success(ScheduledSession session, AttendanceEntity row) => row.Status == AttendanceStatus.Pending
            ? PendingPage(session, row)
            : Show(CheckInView.Kind.Success, [session], Text.Get(lang, nameof(Texts.Att_CheckIn_Success_Text), AttendanceStatus.Label(row.Status, lang), session.Title, At(row)));

        private IActionResult Already(ScheduledSession session, AttendanceEntity row)
        {
            if (row.Status == AttendanceStatus.Pending)
            {
                return PendingPage(session, row);
            }

            // An organizer's Absent or Excused is not "you are in": say who recorded it and whom to ask.
            var key = row.Status is AttendanceStatus.Present or AttendanceStatus.Late
                ? row.Source == AttendanceSource.Self ? nameof(Texts.Att_CheckIn_Already_Text) : nameof(Texts.Att_CheckIn_Already_TextByOrganizers)
                : nameof(Texts.Att_CheckIn_Already_Marked);
            return Show(CheckInView.Kind.Already, [session], Text.Get(lang, key, AttendanceStatus.Label(row.Status, lang), session.Title, At(row)));
        }

        private IActionResult Closed(int status, string text) => Show(CheckInView.Kind.Closed, [], text, status);

        private IActionResult PendingPage(ScheduledSession session, AttendanceEntity row) =>
            Show(CheckInView.Kind.Pending, [session], Text.Get(lang, nameof(Texts.Att_CheckIn_Pending_Text), At(row), session.Title), StatusCodes.Status202Accepted);

        private IActionResult Show(CheckInView.Kind kind, IEnumerable<ScheduledSession> sessions, string? text, int status = StatusCodes.Status200OK)
        {
            var lines = Formatting.SessionLines(cycle.Schedule, lang);
            var shown = sessions.Select(session =>
            {
                var index = cycle.Schedule.Sessions.ToList().FindIndex(s => s.Id == session.Id);
                return index >= 0 ? lines[index] : session.Title;
            }).ToList();
            var action = request.Path + "?t=" + Uri.EscapeDataString(token);
            return View.Page<CheckInView>(lang, new CheckInView.Data(kind, cycle.Entity.Title, participant.FullName ?? participant.Email, shown, text,
                kind == CheckInView.Kind.Form && AtTheDoor, presenceToken, action), status);
        }

        private string At(AttendanceEntity row) => Formatting.Time(row.CheckedInAt ?? row.MarkedAt, cycle.Schedule.TimeZone, lang) + " " +
            Formatting.ZoneLabel(cycle.Schedule.TimeZone, CycleSchedule.ToLocal(row.CheckedInAt ?? row.MarkedAt, cycle.Schedule.TimeZone));
    }
}
