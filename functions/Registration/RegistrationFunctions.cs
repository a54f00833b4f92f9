using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;
using TrainingCycles.Registration.Views;
using TrainingCycles.Reminders;
using TrainingCycles.Infrastructure.Views;


namespace TrainingCycles.Registration;

/// <summary>
/// <c>GET/POST /api/cycles/{cycleId}/register</c>: the form every participant meets first. Optional query tokens:
/// <c>invite</c> (from the invitation email; prefills, and is required for invite-only cycles) and <c>manage</c>
/// (from the confirmation email; view, change or withdraw).
/// </summary>
public sealed class RegistrationFunctions(
    CycleStore cycles, ParticipantStore participants, RegistrationService registrations, ParticipantMailQueue mailQueue, MailOutboxWaker outbox, EmailLog emailLog, Tokens tokens, MailComposer composer, FormRateLimiter rateLimiter, TimeProvider time, ILogger<RegistrationFunctions> logger)
{
    public const int MaxFormBytes = 32 * 1024;

    [Function(nameof(ShowRegistrationForm))]
    public async Task<IActionResult> ShowRegistrationForm(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "cycles/{cycleId}/register")] HttpRequest request,
        string cycleId)
    {
        var lang = Pages.Language(request);
        var cycle = await cycles.GetRecentAsync(cycleId);
        if (cycle is null)
        {
            return NotFoundPage(lang);
        }

        var (participant, purpose, tokenPage) = await ResolveTokenAsync(request, cycle, lang);
        if (tokenPage is not null)
        {
            return tokenPage;
        }

        if (purpose == TokenPurpose.Manage && participant is { CertificateId: not null })
        {
            // Once a certificate exists the manage link is where its holder gets a fresh download link.
            return ShowDocuments(cycle, lang, participant);
        }

        if (purpose == TokenPurpose.Manage && participant is { CompletionOutcome: "Letter" /* #20 Attendance.CompletionOutcome.Letter */ } && cycle.Phase == CyclePhase.Completed)
        {
            // #20: a letter of participation instead of a certificate, downloaded with the same manage link.
            var letter = $"/api/cycles/{cycle.CycleId}/my-letter?t={Uri.EscapeDataString(request.Query["manage"].FirstOrDefault() ?? "")}" + (lang == "en" ? "&lang=en" : "");
            return View.Page<DocumentsPage>(lang, new DocumentsPage.Data(cycle, null, null, letter));
        }

        if (ClosedPage(cycle, lang, participant) is { } closed)
        {
            return closed;
        }

        if (purpose == TokenPurpose.ConfirmEmail)
        {
            return participant!.Status == ParticipantStatus.Unconfirmed
                ? View.Page<ConfirmEmailPage>(lang, cycle)
                : await ManagePageAsync(cycle, lang, participant, Registration.RegistrationForm.FromParticipant(participant), []);
        }

        if (participant is not null && participant.Status is ParticipantStatus.Confirmed or ParticipantStatus.Waitlisted)
        {
            return await ManagePageAsync(cycle, lang, participant, Registration.RegistrationForm.FromParticipant(participant), []);
        }

        if (cycle.Entity.InviteOnly && participant is null)
        {
            Refused(cycleId, "invite-only");
            // An invitee who lost the invitation asks for it again here; nobody else learns anything.
            return View.Page<InviteOnlyPage>(lang, cycle, StatusCodes.Status403Forbidden);
        }

        // An invitation link may have been forwarded: it prefills what the organizer sent, never the NIP or phone.
        var values = participant is null ? new RegistrationForm { Language = lang } : Registration.RegistrationForm.FromParticipant(participant) with { Language = participant.Language, Nip = "", Phone = "" };
        return await FormPageAsync(cycle, lang, values, [], StatusCodes.Status200OK);
    }

    [Function(nameof(SubmitRegistration))]
    public async Task<IActionResult> SubmitRegistration(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "cycles/{cycleId}/register")] HttpRequest request,
        [DurableClient] DurableTaskClient durable,
        string cycleId)
    {
        var lang = Pages.Language(request);
        var (form, refusal) = await ReadFormAsync(request, cycleId, lang);
        if (form is null)
        {
            return refusal!;
        }

        var cycle = await cycles.GetRecentAsync(cycleId);
        if (cycle is null)
        {
            return NotFoundPage(lang);
        }

        var (participant, purpose, tokenPage) = await ResolveTokenAsync(request, cycle, lang);
        if (tokenPage is not null)
        {
            return tokenPage;
        }

        var action = form["action"].FirstOrDefault();
        var isWithdraw = action == "withdraw";
        if (ClosedPage(cycle, lang, participant, isWithdraw, StatusCodes.Status409Conflict) is { } closed)
        {
            Refused(cycleId, "closed");
            return closed;
        }

        if (action is "withdraw" or "confirm" or "resend" && !rateLimiter.TryAcquire(request, "register"))
        {
            return TooMany(request, lang);
        }

        switch (action)
        {
            case "withdraw":
                return await WithdrawAsync(request, durable, cycle, lang, participant, purpose);
            case "confirm":
                return await ConfirmEmailAsync(request, durable, cycle, lang, participant, purpose);
            case "resend":
                return await ResendLinkAsync(request, durable, cycle, lang, form);
            default:
                return await RegisterAsync(request, durable, cycle, lang, participant, purpose, form);
        }
    }

    /// <summary>The "register" action: validate, check the open form's rules and the rate limit, then register, change or start an open registration.</summary>
    private async Task<IActionResult> RegisterAsync(HttpRequest request, DurableTaskClient durable, CycleRecord cycle, string lang, ParticipantEntity? participant, string? purpose, IFormCollection form)
    {
        var cycleId = cycle.CycleId;
        if (cycle.Entity.InviteOnly && participant is null)
        {
            return View.Message(lang, StatusCodes.Status403Forbidden, nameof(Texts.Reg_InviteOnly_Title), nameof(Texts.Reg_InviteOnly_ShortText));
        }

        if (purpose == TokenPurpose.ConfirmEmail)
        {
            // A confirmation link only confirms; changes go through the manage link mailed after confirming.
            return View.Page<ConfirmEmailPage>(lang, cycle);
        }

        var values = Registration.RegistrationForm.FromForm(form);
        var regencies = cycle.Definition.Regencies is { Count: > 0 } list ? list : CycleDefinitionValidator.CentralKalimantanRegencies;
        var today = DateOnly.FromDateTime(CycleSchedule.ToLocal(time.GetUtcNow(), cycle.Schedule.TimeZone).DateTime);
        var (valid, errors) = RegistrationValidator.Validate(values, regencies, today);
        var open = cycle.Definition.OpenRegistration ?? new OpenRegistrationSettings();
        if (valid is not null && participant is null && !open.AllowsEmail(valid.Email))
        {
            var domains = string.Join(", ", open.AllowedEmailDomains!);
            errors = [FieldError.Of("email", nameof(Texts.Field_EmailDomain), domains)];
            valid = null;
        }

        if (valid is null)
        {
            // Which fields, never what was typed in them.
            Refused(cycleId, "invalid-fields", string.Join(',', errors.Select(e => e.Field).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)));
            // Field errors are not counted against the rate limit: a person fixing typos is not a flood.
            return participant is { Status: ParticipantStatus.Confirmed or ParticipantStatus.Waitlisted }
                ? await ManagePageAsync(cycle, lang, participant, values, errors, StatusCodes.Status422UnprocessableEntity)
                : await FormPageAsync(cycle, lang, values, errors, StatusCodes.Status422UnprocessableEntity);
        }

        if (!rateLimiter.TryAcquire(request, "register"))
        {
            Refused(cycleId, "rate-limited");
            // Keep what they typed (the form re-renders it) so they can send it again in a minute.
            request.HttpContext.Response.Headers.RetryAfter = "60";
            var notice = Text.Get(lang, nameof(Texts.Reg_TooMany_Notice));
            return participant is { Status: ParticipantStatus.Confirmed or ParticipantStatus.Waitlisted }
                ? await ManagePageAsync(cycle, lang, participant, values, [], StatusCodes.Status429TooManyRequests, notice)
                : await FormPageAsync(cycle, lang, values, [], StatusCodes.Status429TooManyRequests, notice);
        }

        var result = participant is null && open.ConfirmEmail
            ? await registrations.StartOpenRegistrationAsync(cycle, valid, TimeSpan.FromMinutes(open.ConfirmWithinMinutes))
            : await registrations.RegisterAsync(cycle, valid, participant?.RowKey);
        if (result.Outcome is RegistrationOutcome.NipTaken or RegistrationOutcome.EmailTaken)
        {
            Refused(cycleId, result.Outcome == RegistrationOutcome.NipTaken ? "nip-taken" : "email-taken");
            return await FormPageAsync(cycle, lang, values, [TakenError(result.Outcome)], StatusCodes.Status422UnprocessableEntity);
        }

        if (result.Outcome == RegistrationOutcome.Gone)
        {
            return GonePage(lang);
        }

        var p = result.Participant!;
        if (result.Outcome == RegistrationOutcome.AwaitingEmailConfirmation)
        {
            await mailQueue.ScheduleAsync(durable, new ParticipantMailRequest(cycle.CycleId, p.RowKey, MailKinds.EmailCheck, "check", p.ConfirmBy));
            return View.Page<CheckYourEmailPage>(lang, new CheckYourEmailPage.Data(cycle, open.ConfirmWithinMinutes), StatusCodes.Status202Accepted);
        }

        await ScheduleOutcomeMailAsync(durable, cycle, result);
        if (result.Outcome == RegistrationOutcome.Updated && participant is not null && !string.Equals(participant.Email, p.Email, StringComparison.Ordinal))
        {
            // The new address gets the new personal link: the old links (possibly in someone else's mailbox) stopped working.
            await mailQueue.ScheduleAsync(durable, new ParticipantMailRequest(cycle.CycleId, p.RowKey, MailKinds.PersonalLink, "email-" + p.TokenVersion));
        }

        return ConfirmationPage(cycle, lang, p, result.Outcome);
    }

    /// <summary>The form post's envelope: bounded, form-encoded, readable, and not filled in by a bot. A refusal page otherwise.</summary>
    private async Task<(IFormCollection? Form, IActionResult? Refusal)> ReadFormAsync(HttpRequest request, string cycleId, string lang)
    {
        if (request.ContentLength is null or > MaxFormBytes)
        {
            return (null, View.Message(lang, request.ContentLength is null ? StatusCodes.Status411LengthRequired : StatusCodes.Status413PayloadTooLarge,
                nameof(Texts.Reg_TooLarge_Title), nameof(Texts.Reg_TooLarge_Text)));
        }

        if (!request.HasFormContentType)
        {
            return (null, View.Message(lang, StatusCodes.Status415UnsupportedMediaType, nameof(Texts.Reg_Unsupported_Title), nameof(Texts.Reg_Unsupported_Text)));
        }

        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or BadHttpRequestException)
        {
            return (null, View.Message(lang, StatusCodes.Status400BadRequest, nameof(Texts.Page_Unreadable_Title), nameof(Texts.Reg_Unreadable_Text)));
        }

        if (!string.IsNullOrEmpty(form["website"].FirstOrDefault()))
        {
            Refused(cycleId, "honeypot");
            return (null, View.Message(lang, StatusCodes.Status400BadRequest, nameof(Texts.Reg_Refused_Title), nameof(Texts.Reg_Refused_Text)));
        }

        return (form, null);
    }

    /// <summary>A refused registration, for the operator: the cycle, the reason and (for field errors) which fields — never who or what they typed.</summary>
    private void Refused(string cycleId, string reason, string? fields = null)
    {
        Telemetry.Refusals.Add(1, new KeyValuePair<string, object?>("form", "registration"), new KeyValuePair<string, object?>("reason", reason));
        logger.LogInformation("Registration refused for cycle {CycleId}: {Reason} {Fields}", cycleId, reason, fields ?? "");
    }

    /// <summary>
    /// #24: the confirmation (or waitlisted) mail is already in the outbox — written in the registration's own
    /// transaction — so nothing is scheduled here: the request path makes no call to the workflow engine. The drain
    /// is nudged in the background (never awaited) so the mail leaves within about a second.
    /// </summary>
    private Task ScheduleOutcomeMailAsync(DurableTaskClient durable, CycleRecord cycle, RegistrationResult result)
    {
        if (result.Outcome is RegistrationOutcome.Confirmed or RegistrationOutcome.Waitlisted)
        {
            outbox.Wake(durable, cycle.CycleId);
        }

        return Task.CompletedTask;
    }

    private static FieldError TakenError(RegistrationOutcome outcome) => outcome == RegistrationOutcome.NipTaken
        ? FieldError.Of("nip", nameof(Texts.Field_NipTaken))
        : FieldError.Of("email", nameof(Texts.Field_EmailTaken));

    private async Task<IActionResult> ConfirmEmailAsync(HttpRequest request, DurableTaskClient durable, CycleRecord cycle, string lang, ParticipantEntity? participant, string? purpose)
    {
        if (participant is null || purpose != TokenPurpose.ConfirmEmail)
        {
            return View.Message(lang, StatusCodes.Status403Forbidden, nameof(Texts.Reg_LinkRequired_Title), nameof(Texts.Reg_LinkRequired_Confirm));
        }

        var result = await registrations.ConfirmEmailAsync(cycle, participant.RowKey);
        switch (result.Outcome)
        {
            case RegistrationOutcome.NipTaken or RegistrationOutcome.EmailTaken:
                return View.Message(lang, StatusCodes.Status409Conflict, nameof(Texts.Reg_AlreadyRegistered_Title),
                    result.Outcome == RegistrationOutcome.NipTaken ? nameof(Texts.Field_NipTaken) : nameof(Texts.Field_EmailTaken));
            case RegistrationOutcome.Gone or RegistrationOutcome.ConfirmationExpired:
                return View.Message(lang, StatusCodes.Status410Gone, nameof(Texts.Reg_ConfirmExpired_Title), nameof(Texts.Reg_ConfirmExpired_Text));
            case RegistrationOutcome.AlreadyConfirmed:
                var p = result.Participant!;
                return ConfirmationPage(cycle, lang, p, p.Status == ParticipantStatus.Waitlisted ? RegistrationOutcome.Waitlisted : RegistrationOutcome.Confirmed);
        }

        await ScheduleOutcomeMailAsync(durable, cycle, result);
        return ConfirmationPage(cycle, lang, result.Participant!, result.Outcome);
    }

    /// <summary>
    /// "Send my link again": the personal link for whatever the address has in this cycle goes to that address — never
    /// to the screen. The answer is the same whether or not the address is known, so it tells a stranger nothing.
    /// </summary>
    private async Task<IActionResult> ResendLinkAsync(HttpRequest request, DurableTaskClient durable, CycleRecord cycle, string lang, IFormCollection form)
    {
        var email = PlainText.Line(form["resend-email"].FirstOrDefault(), 254).ToLowerInvariant();
        if (!InviteeImport.IsEmail(email))
        {
            return await FormPageAsync(cycle, lang, new RegistrationForm { Language = lang }, [], StatusCodes.Status422UnprocessableEntity,
                resendError: FieldError.Of("resend-email", nameof(Texts.Field_EmailInvalid)));
        }

        if (await participants.FindByEmailAsync(cycle.CycleId, email) is { Status: not ParticipantStatus.Unconfirmed } p)
        {
            // One resend per person per hour at most: the email log keys on (kind, occurrence, person), and an hour
            // already handled schedules nothing at all.
            var occurrence = "resend-" + time.GetUtcNow().ToString("yyyyMMddHH", System.Globalization.CultureInfo.InvariantCulture);
            var handled = await emailLog.HandledKeysAsync(cycle.CycleId, [EmailLog.Key(MailKinds.PersonalLink, occurrence, p.RowKey)]);
            if (handled.Count == 0)
            {
                await mailQueue.ScheduleAsync(durable, new ParticipantMailRequest(cycle.CycleId, p.RowKey, MailKinds.PersonalLink, occurrence));
            }
        }

        return View.Message(lang, StatusCodes.Status200OK, nameof(Texts.Reg_CheckEmail_Title), nameof(Texts.Reg_ResendSent_Text));
    }

    private async Task<IActionResult> WithdrawAsync(HttpRequest request, DurableTaskClient durable, CycleRecord cycle, string lang, ParticipantEntity? participant, string? purpose)
    {
        if (participant is null || purpose != TokenPurpose.Manage)
        {
            return View.Message(lang, StatusCodes.Status403Forbidden, nameof(Texts.Reg_LinkRequired_Title), nameof(Texts.Reg_LinkRequired_Withdraw));
        }

        var result = await registrations.WithdrawAsync(cycle, participant.RowKey, promote: true);
        if (result.Promoted is not null)
        {
            outbox.Wake(durable, cycle.CycleId); // #24: "a seat is yours" is in the outbox, written with the promotion
        }

        return View.Message(lang, StatusCodes.Status200OK, nameof(Texts.Reg_Withdrawn_Title), nameof(Texts.Reg_Withdrawn_Text));
    }

    /// <summary>
    /// Reads the manage, invite or email-confirmation token, if any. An invalid one gets a clear page, never a silent
    /// fallback; a token issued before the person's last withdrawal or email change is refused like a revoked one.
    /// </summary>
    private async Task<(ParticipantEntity? Participant, string? Purpose, IActionResult? Page)> ResolveTokenAsync(HttpRequest request, CycleRecord cycle, string lang)
    {
        foreach (var (name, purpose) in new[] { ("manage", TokenPurpose.Manage), ("invite", TokenPurpose.Invite), ("confirm", TokenPurpose.ConfirmEmail) })
        {
            var token = request.Query[name].FirstOrDefault();
            if (token is null)
            {
                continue;
            }

            var problem = tokens.Validate(token, purpose, out var claims);
            if (problem != TokenProblem.None || claims!.CycleId != cycle.CycleId)
            {
                return (null, null, problem == TokenProblem.Expired
                    ? View.Message(lang, StatusCodes.Status403Forbidden, nameof(Texts.Reg_LinkExpired_Title), nameof(Texts.Reg_LinkExpired_Text))
                    : View.Message(lang, StatusCodes.Status403Forbidden, nameof(Texts.Reg_LinkInvalid_Title), nameof(Texts.Reg_LinkInvalid_Text)));
            }

            var participant = await participants.GetAsync(cycle.CycleId, claims.SubjectId);
            if (participant is null)
            {
                return (null, null, GonePage(lang));
            }

            if (claims.Version != participant.TokenVersion)
            {
                return (null, null, View.Message(lang, StatusCodes.Status403Forbidden, nameof(Texts.Reg_LinkReplaced_Title), nameof(Texts.Reg_LinkReplaced_Text)));
            }

            return (participant, purpose, null);
        }

        return (null, null, null);
    }

    private static IActionResult GonePage(string lang) =>
        View.Message(lang, StatusCodes.Status404NotFound, nameof(Texts.Reg_Gone_Title), nameof(Texts.Reg_Gone_Text));

    private static IActionResult TooMany(HttpRequest request, string lang)
    {
        request.HttpContext.Response.Headers.RetryAfter = "60";
        return View.Retry(lang, StatusCodes.Status429TooManyRequests, nameof(Texts.Reg_TooMany_Title), nameof(Texts.Reg_TooMany_Text));
    }

    /// <summary>The holder's certificate, with a download link made now (links in mail last weeks, not a year).</summary>
    private IActionResult ShowDocuments(CycleRecord cycle, string lang, ParticipantEntity p) =>
        View.Page<DocumentsPage>(lang, new DocumentsPage.Data(cycle, p.CertificateNumber, composer.DownloadLink(cycle, p)));

    private IActionResult? ClosedPage(CycleRecord cycle, string lang, ParticipantEntity? participant, bool withdrawing = false, int status = StatusCodes.Status200OK)
    {
        var now = time.GetUtcNow();
        var s = cycle.Schedule;
        if (cycle.Entity.CancelledAt is not null || cycle.Phase == CyclePhase.Cancelled)
        {
            return cycle.Entity.CancelReason is { } reason
                ? View.Message(lang, StatusCodes.Status410Gone, nameof(Texts.Reg_Cancelled_Title), nameof(Texts.Reg_Cancelled_TextWithReason), cycle.Entity.Title, reason)
                : View.Message(lang, StatusCodes.Status410Gone, nameof(Texts.Reg_Cancelled_Title), nameof(Texts.Reg_Cancelled_Text), cycle.Entity.Title);
        }

        if (now < s.RegistrationOpensAt)
        {
            var opens = Formatting.DateTime(s.RegistrationOpensAt, s.TimeZone, lang);
            return View.Message(lang, status, nameof(Texts.Reg_NotOpen_Title), nameof(Texts.Reg_NotOpen_Text), cycle.Entity.Title, opens);
        }

        // A registered person may still withdraw after the deadline, until the training starts.
        if (withdrawing && participant is not null && now < s.TrainingStartsAt)
        {
            return null;
        }

        var closedAt = cycle.Entity.RegistrationClosedAt is { } early && early < s.RegistrationClosesAt ? early : s.RegistrationClosesAt;
        if (now >= closedAt || cycle.Phase is not (CyclePhase.Inviting or CyclePhase.RegistrationOpen))
        {
            var deadline = Formatting.DateTime(closedAt, s.TimeZone, lang);
            return View.Message(lang, status, nameof(Texts.Reg_Closed_Title), nameof(Texts.Reg_Closed_Text), cycle.Entity.Title, deadline);
        }

        return null;
    }

    private async Task<IActionResult> FormPageAsync(CycleRecord cycle, string lang, RegistrationForm values, IReadOnlyList<FieldError> errors, int status, string? notice = null, FieldError? resendError = null)
    {
        var counts = await cycles.CountsAsync(cycle);
        return View.Page<RegistrationFormPage>(lang, new RegistrationFormPage.Data(cycle, values, errors, Math.Max(0, await registrations.CapacityAsync(cycle) - counts.Confirmed), notice, resendError), status);
    }

    private async Task<IActionResult> ManagePageAsync(CycleRecord cycle, string lang, ParticipantEntity p, RegistrationForm values, IReadOnlyList<FieldError> errors, int status = StatusCodes.Status200OK, string? notice = null)
    {
        var counts = await cycles.CountsAsync(cycle);
        var canChange = time.GetUtcNow() < cycle.Schedule.RegistrationClosesAt;
        return View.Page<ManagePage>(lang, new ManagePage.Data(cycle, p, values, errors, Math.Max(0, await registrations.CapacityAsync(cycle) - counts.Confirmed), canChange, notice), status);
    }

    private static IActionResult ConfirmationPage(CycleRecord cycle, string lang, ParticipantEntity p, RegistrationOutcome outcome) =>
        View.Page<ConfirmationPage>(lang, new ConfirmationPage.Data(cycle, p, outcome));

    private static IActionResult NotFoundPage(string lang) =>
        View.Message(lang, StatusCodes.Status404NotFound, nameof(Texts.Reg_NotFound_Title), nameof(Texts.Reg_NotFound_Text));
}
