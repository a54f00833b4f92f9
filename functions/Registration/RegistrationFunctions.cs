using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;
using TrainingCycles.Reminders;
using static TrainingCycles.Infrastructure.Pages;

namespace TrainingCycles.Registration;

/// <summary>
/// <c>GET/POST /api/cycles/{cycleId}/register</c>: the form every participant meets first. Optional query tokens:
/// <c>invite</c> (from the invitation email; prefills, and is required for invite-only cycles) and <c>manage</c>
/// (from the confirmation email; view, change or withdraw).
/// </summary>
public sealed class RegistrationFunctions(
    CycleStore cycles, ParticipantStore participants, RegistrationService registrations, ParticipantMailQueue mailQueue, EmailLog emailLog, Tokens tokens, MailComposer composer, FormRateLimiter rateLimiter, TimeProvider time, ILogger<RegistrationFunctions> logger)
{
    public const int MaxFormBytes = 32 * 1024;

    [Function(nameof(ShowRegistrationForm))]
    public async Task<IActionResult> ShowRegistrationForm(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "cycles/{cycleId}/register")] HttpRequest request,
        string cycleId)
    {
        var lang = Language(request);
        var cycle = await cycles.GetRecentAsync(cycleId);
        if (cycle is null)
        {
            return NotFoundPage(request, lang);
        }

        var (participant, purpose, tokenPage) = await ResolveTokenAsync(request, cycle, lang);
        if (tokenPage is not null)
        {
            return tokenPage;
        }

        if (purpose == TokenPurpose.Manage && participant is { CertificateId: not null })
        {
            // Once a certificate exists the manage link is where its holder gets a fresh download link.
            return DocumentsPage(request, cycle, lang, participant);
        }

        if (ClosedPage(request, cycle, lang, participant) is { } closed)
        {
            return closed;
        }

        if (purpose == TokenPurpose.ConfirmEmail)
        {
            return participant!.Status == ParticipantStatus.Unconfirmed
                ? ConfirmEmailPage(request, cycle, lang)
                : await ManagePageAsync(request, cycle, lang, participant, Registration.RegistrationForm.FromParticipant(participant), []);
        }

        if (participant is not null && participant.Status is ParticipantStatus.Confirmed or ParticipantStatus.Waitlisted)
        {
            return await ManagePageAsync(request, cycle, lang, participant, Registration.RegistrationForm.FromParticipant(participant), []);
        }

        if (cycle.Entity.InviteOnly && participant is null)
        {
            Refused(cycleId, "invite-only");
            // An invitee who lost the invitation asks for it again here; nobody else learns anything.
            var inviteOnly = LanguageSwitch(request, lang) +
                $"<h1>{H(T(lang, "Khusus undangan", "By invitation only"))}</h1><p>{H(T(lang,
                    "Pendaftaran pelatihan ini hanya melalui tautan pribadi di email undangan. Bila Anda diundang tetapi tidak menemukan emailnya, minta tautan Anda di bawah atau hubungi penyelenggara.",
                    "Registration for this training is only through the personal link in the invitation email. If you were invited but cannot find it, ask for your link below or contact the organizer."))}</p>" +
                RegistrationPage.ResendForm(lang, request.Path.ToString(), null);
            return Render(request, lang, T(lang, "Khusus undangan", "By invitation only") + " — " + cycle.Entity.Title, inviteOnly, StatusCodes.Status403Forbidden);
        }

        // An invitation link may have been forwarded: it prefills what the organizer sent, never the NIP or phone.
        var values = participant is null ? new RegistrationForm { Language = lang } : Registration.RegistrationForm.FromParticipant(participant) with { Language = participant.Language, Nip = "", Phone = "" };
        return await FormPageAsync(request, cycle, lang, values, [], StatusCodes.Status200OK);
    }

    [Function(nameof(SubmitRegistration))]
    public async Task<IActionResult> SubmitRegistration(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "cycles/{cycleId}/register")] HttpRequest request,
        [DurableClient] DurableTaskClient durable,
        string cycleId)
    {
        var lang = Language(request);
        if (request.ContentLength is null or > MaxFormBytes)
        {
            return Message(request, lang, request.ContentLength is null ? StatusCodes.Status411LengthRequired : StatusCodes.Status413PayloadTooLarge,
                "Isian terlalu besar", "Submission too large", "Isian formulir melebihi batas yang diizinkan.", "The form submission is larger than allowed.");
        }

        if (!request.HasFormContentType)
        {
            return Message(request, lang, StatusCodes.Status415UnsupportedMediaType, "Format tidak didukung", "Unsupported format",
                "Kirim formulir dari halaman pendaftaran.", "Please submit the form from the registration page.");
        }

        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or BadHttpRequestException)
        {
            return Message(request, lang, StatusCodes.Status400BadRequest, "Isian tidak terbaca", "Unreadable submission", "Formulir tidak dapat dibaca. Muat ulang halaman lalu coba lagi.", "The form could not be read. Reload the page and try again.");
        }

        if (!string.IsNullOrEmpty(form["website"].FirstOrDefault()))
        {
            Refused(cycleId, "honeypot");
            return Message(request, lang, StatusCodes.Status400BadRequest, "Permintaan ditolak", "Request refused", "Isian ini tidak dapat diproses.", "This submission cannot be processed.");
        }

        var cycle = await cycles.GetRecentAsync(cycleId);
        if (cycle is null)
        {
            return NotFoundPage(request, lang);
        }

        var (participant, purpose, tokenPage) = await ResolveTokenAsync(request, cycle, lang);
        if (tokenPage is not null)
        {
            return tokenPage;
        }

        var action = form["action"].FirstOrDefault();
        var isWithdraw = action == "withdraw";
        if (ClosedPage(request, cycle, lang, participant, isWithdraw, StatusCodes.Status409Conflict) is { } closed)
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
        }

        if (cycle.Entity.InviteOnly && participant is null)
        {
            return Message(request, lang, StatusCodes.Status403Forbidden, "Khusus undangan", "By invitation only",
                "Pendaftaran pelatihan ini hanya melalui tautan pribadi di email undangan.", "Registration for this training is only through the personal link in the invitation email.");
        }

        if (purpose == TokenPurpose.ConfirmEmail)
        {
            // A confirmation link only confirms; changes go through the manage link mailed after confirming.
            return ConfirmEmailPage(request, cycle, lang);
        }

        var values = Registration.RegistrationForm.FromForm(form);
        var regencies = cycle.Definition.Regencies is { Count: > 0 } list ? list : CycleDefinitionValidator.CentralKalimantanRegencies;
        var today = DateOnly.FromDateTime(CycleSchedule.ToLocal(time.GetUtcNow(), cycle.Schedule.TimeZone).DateTime);
        var (valid, errors) = RegistrationValidator.Validate(values, regencies, today);
        var open = cycle.Definition.OpenRegistration ?? new OpenRegistrationSettings();
        if (valid is not null && participant is null && !open.AllowsEmail(valid.Email))
        {
            var domains = string.Join(", ", open.AllowedEmailDomains!);
            errors = [new FieldError("email", $"Pendaftaran terbuka pelatihan ini hanya untuk alamat email dinas ({domains}).", $"Open registration for this training only takes official addresses ({domains}).")];
            valid = null;
        }

        if (valid is null)
        {
            // Which fields, never what was typed in them.
            Refused(cycleId, "invalid-fields", string.Join(',', errors.Select(e => e.Field).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)));
            // Field errors are not counted against the rate limit: a person fixing typos is not a flood.
            return participant is { Status: ParticipantStatus.Confirmed or ParticipantStatus.Waitlisted }
                ? await ManagePageAsync(request, cycle, lang, participant, values, errors, StatusCodes.Status422UnprocessableEntity)
                : await FormPageAsync(request, cycle, lang, values, errors, StatusCodes.Status422UnprocessableEntity);
        }

        if (!rateLimiter.TryAcquire(request, "register"))
        {
            Refused(cycleId, "rate-limited");
            // Keep what they typed (the form re-renders it) so they can send it again in a minute.
            request.HttpContext.Response.Headers.RetryAfter = "60";
            var notice = T(lang, "Terlalu banyak pengiriman dari jaringan Anda. Isian Anda masih ada di bawah: tunggu satu menit lalu kirim lagi.",
                "Too many submissions from your network. Your answers are still below: wait a minute and send them again.");
            return participant is { Status: ParticipantStatus.Confirmed or ParticipantStatus.Waitlisted }
                ? await ManagePageAsync(request, cycle, lang, participant, values, [], StatusCodes.Status429TooManyRequests, notice)
                : await FormPageAsync(request, cycle, lang, values, [], StatusCodes.Status429TooManyRequests, notice);
        }

        var result = participant is null && open.ConfirmEmail
            ? await registrations.StartOpenRegistrationAsync(cycle, valid, TimeSpan.FromMinutes(open.ConfirmWithinMinutes))
            : await registrations.RegisterAsync(cycle, valid, participant?.RowKey);
        if (result.Outcome is RegistrationOutcome.NipTaken or RegistrationOutcome.EmailTaken)
        {
            Refused(cycleId, result.Outcome == RegistrationOutcome.NipTaken ? "nip-taken" : "email-taken");
            return await FormPageAsync(request, cycle, lang, values, [TakenError(result.Outcome)], StatusCodes.Status422UnprocessableEntity);
        }

        if (result.Outcome == RegistrationOutcome.Gone)
        {
            return GonePage(request, lang);
        }

        var p = result.Participant!;
        if (result.Outcome == RegistrationOutcome.AwaitingEmailConfirmation)
        {
            await mailQueue.ScheduleAsync(durable, new ParticipantMailRequest(cycle.CycleId, p.RowKey, MailKinds.EmailCheck, "check", p.ConfirmBy));
            return CheckYourEmailPage(request, cycle, lang, open.ConfirmWithinMinutes);
        }

        await ScheduleOutcomeMailAsync(durable, cycle, result);
        if (result.Outcome == RegistrationOutcome.Updated && participant is not null && !string.Equals(participant.Email, p.Email, StringComparison.Ordinal))
        {
            // The new address gets the new personal link: the old links (possibly in someone else's mailbox) stopped working.
            await mailQueue.ScheduleAsync(durable, new ParticipantMailRequest(cycle.CycleId, p.RowKey, MailKinds.PersonalLink, "email-" + p.TokenVersion));
        }

        return ConfirmationPage(request, cycle, lang, p, result.Outcome);
    }

    /// <summary>A refused registration, for the operator: the cycle, the reason and (for field errors) which fields — never who or what they typed.</summary>
    private void Refused(string cycleId, string reason, string? fields = null)
    {
        Telemetry.Refusals.Add(1, new KeyValuePair<string, object?>("form", "registration"), new KeyValuePair<string, object?>("reason", reason));
        logger.LogInformation("Registration refused for cycle {CycleId}: {Reason} {Fields}", cycleId, reason, fields ?? "");
    }

    private Task ScheduleOutcomeMailAsync(DurableTaskClient durable, CycleRecord cycle, RegistrationResult result)
    {
        if (result.Outcome is not (RegistrationOutcome.Confirmed or RegistrationOutcome.Waitlisted))
        {
            return Task.CompletedTask;
        }

        var p = result.Participant!;
        var kind = result.Outcome == RegistrationOutcome.Confirmed ? MailKinds.Confirmation : MailKinds.Waitlisted;
        return mailQueue.ScheduleAsync(durable, new ParticipantMailRequest(cycle.CycleId, p.RowKey, kind, "r-" + p.RegistrationNumber));
    }

    private static FieldError TakenError(RegistrationOutcome outcome) => outcome == RegistrationOutcome.NipTaken
        ? new FieldError("nip", "NIP ini sudah terdaftar atau diundang di pelatihan ini. Gunakan tautan pribadi dari email Anda, atau minta tautan baru di bagian \"Kirim ulang tautan saya\".",
            "This NIP is already registered or invited for this training. Use the personal link from your email, or ask for a new one under \"Send my link again\".")
        : new FieldError("email", "Email ini sudah terdaftar atau diundang di pelatihan ini. Gunakan tautan pribadi dari email Anda, atau minta tautan baru di bagian \"Kirim ulang tautan saya\".",
            "This email is already registered or invited for this training. Use the personal link from your email, or ask for a new one under \"Send my link again\".");

    private async Task<IActionResult> ConfirmEmailAsync(HttpRequest request, DurableTaskClient durable, CycleRecord cycle, string lang, ParticipantEntity? participant, string? purpose)
    {
        if (participant is null || purpose != TokenPurpose.ConfirmEmail)
        {
            return Message(request, lang, StatusCodes.Status403Forbidden, "Tautan diperlukan", "Link required",
                "Konfirmasi hanya dapat dilakukan melalui tautan di email yang kami kirim.", "Confirmation only works through the link in the email we sent.");
        }

        var result = await registrations.ConfirmEmailAsync(cycle, participant.RowKey);
        switch (result.Outcome)
        {
            case RegistrationOutcome.NipTaken or RegistrationOutcome.EmailTaken:
                var taken = TakenError(result.Outcome);
                return Message(request, lang, StatusCodes.Status409Conflict, "Sudah terdaftar", "Already registered", taken.Message, taken.MessageEn);
            case RegistrationOutcome.Gone or RegistrationOutcome.ConfirmationExpired:
                return Message(request, lang, StatusCodes.Status410Gone, "Batas waktu konfirmasi lewat", "Confirmation window ended",
                    "Tautan konfirmasi ini sudah tidak berlaku dan kursi tidak dipesan. Silakan daftar lagi dari halaman pendaftaran.",
                    "This confirmation link has expired and no seat was held. Please register again from the registration page.");
            case RegistrationOutcome.AlreadyConfirmed:
                var p = result.Participant!;
                return ConfirmationPage(request, cycle, lang, p, p.Status == ParticipantStatus.Waitlisted ? RegistrationOutcome.Waitlisted : RegistrationOutcome.Confirmed);
        }

        await ScheduleOutcomeMailAsync(durable, cycle, result);
        return ConfirmationPage(request, cycle, lang, result.Participant!, result.Outcome);
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
            return await FormPageAsync(request, cycle, lang, new RegistrationForm { Language = lang }, [], StatusCodes.Status422UnprocessableEntity,
                resendError: new FieldError("resend-email", "Alamat email tidak valid (contoh: nama@kalteng.go.id).", "Not a valid email address (e.g. name@kalteng.go.id)."));
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

        return Message(request, lang, StatusCodes.Status200OK, "Periksa email Anda", "Check your email",
            "Bila alamat ini terdaftar atau diundang di pelatihan ini, tautan pribadi Anda sudah dikirim ke alamat tersebut (paling banyak sekali per jam). Periksa juga folder spam.",
            "If this address is registered or invited for this training, your personal link has been sent to it (at most once an hour). Check your spam folder too.");
    }

    private async Task<IActionResult> WithdrawAsync(HttpRequest request, DurableTaskClient durable, CycleRecord cycle, string lang, ParticipantEntity? participant, string? purpose)
    {
        if (participant is null || purpose != TokenPurpose.Manage)
        {
            return Message(request, lang, StatusCodes.Status403Forbidden, "Tautan diperlukan", "Link required",
                "Pembatalan hanya dapat dilakukan melalui tautan pribadi di email konfirmasi.", "You can only withdraw through the personal link in your confirmation email.");
        }

        var result = await registrations.WithdrawAsync(cycle, participant.RowKey, promote: true);
        if (result.Promoted is { } promoted)
        {
            await mailQueue.ScheduleAsync(durable, ParticipantMailRequest.Promoted(cycle.CycleId, promoted.RowKey));
        }

        return Message(request, lang, StatusCodes.Status200OK, "Pendaftaran dibatalkan", "Registration withdrawn",
            "Pendaftaran Anda telah dibatalkan. Terima kasih telah memberi tahu kami — kursi Anda diberikan kepada peserta berikutnya.",
            "Your registration has been withdrawn. Thank you for letting us know — your seat goes to the next person.");
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
                    ? Message(request, lang, StatusCodes.Status403Forbidden, "Tautan kedaluwarsa", "Link expired",
                        "Tautan pribadi ini sudah tidak berlaku. Minta tautan baru di halaman pendaftaran (\"Kirim ulang tautan saya\") atau hubungi penyelenggara.",
                        "This personal link has expired. Ask for a new one on the registration page (\"Send my link again\") or contact the organizer.")
                    : Message(request, lang, StatusCodes.Status403Forbidden, "Tautan tidak valid", "Invalid link",
                        "Tautan ini tidak valid. Pastikan Anda membuka tautan lengkap dari email Anda.", "This link is not valid. Make sure you opened the complete link from your email."));
            }

            var participant = await participants.GetAsync(cycle.CycleId, claims.SubjectId);
            if (participant is null)
            {
                return (null, null, GonePage(request, lang));
            }

            if (claims.Version != participant.TokenVersion)
            {
                return (null, null, Message(request, lang, StatusCodes.Status403Forbidden, "Tautan sudah diganti", "Link replaced",
                    "Tautan ini tidak berlaku lagi karena pendaftaran dibatalkan atau alamat email diubah. Minta tautan baru di halaman pendaftaran (\"Kirim ulang tautan saya\").",
                    "This link no longer works because the registration was withdrawn or its email address changed. Ask for a new one on the registration page (\"Send my link again\")."));
            }

            return (participant, purpose, null);
        }

        return (null, null, null);
    }

    private static IActionResult GonePage(HttpRequest request, string lang) =>
        Message(request, lang, StatusCodes.Status404NotFound, "Data tidak ditemukan", "Not found",
            "Data pendaftaran untuk tautan ini tidak ditemukan (pendaftaran yang tidak dikonfirmasi dihapus setelah batas waktunya).",
            "No registration was found for this link (registrations that are not confirmed are removed when their window ends).");

    private static IActionResult TooMany(HttpRequest request, string lang)
    {
        request.HttpContext.Response.Headers.RetryAfter = "60";
        return RetryMessage(request, lang, StatusCodes.Status429TooManyRequests, "Terlalu banyak percobaan", "Too many attempts",
            "Terlalu banyak pengiriman dari jaringan Anda. Tunggu satu menit, lalu tekan \"Kirim lagi\".",
            "Too many submissions from your network. Wait a minute, then press \"Send again\".");
    }

    private static IActionResult ConfirmEmailPage(HttpRequest request, CycleRecord cycle, string lang)
    {
        var action = request.Path + request.QueryString.ToString();
        var body = LanguageSwitch(request, lang) +
                   $"<h1>{H(cycle.Entity.Title)}</h1>" +
                   $"<h2>{H(T(lang, "Konfirmasi pendaftaran", "Confirm your registration"))}</h2>" +
                   $"<p>{H(T(lang, "Tekan tombol di bawah untuk mengonfirmasi alamat email Anda. Kursi (atau tempat di daftar tunggu) diberikan saat Anda mengonfirmasi.", "Press the button below to confirm your email address. A seat (or a waiting-list place) is given when you confirm."))}</p>" +
                   $"<form method=\"post\" action=\"{H(action)}\"><div class=\"hp\" aria-hidden=\"true\"><label for=\"website3\">Website</label><input type=\"text\" id=\"website3\" name=\"website\" tabindex=\"-1\" autocomplete=\"off\"></div>" +
                   $"<button type=\"submit\" name=\"action\" value=\"confirm\">{H(T(lang, "Konfirmasi pendaftaran saya", "Confirm my registration"))}</button></form>";
        return Render(request, lang, T(lang, "Konfirmasi pendaftaran", "Confirm your registration") + " — " + cycle.Entity.Title, body);
    }

    private static IActionResult CheckYourEmailPage(HttpRequest request, CycleRecord cycle, string lang, int minutes)
    {
        var body = $"<div class=\"success\" role=\"status\"><h1>{H(T(lang, "Periksa email Anda", "Check your email"))}</h1>" +
                   $"<p>{H(T(lang, $"Kami mengirim tautan konfirmasi ke alamat email Anda. Buka tautan itu dalam {minutes} menit untuk menyelesaikan pendaftaran: kursi baru dipesan setelah Anda mengonfirmasi.", $"We sent a confirmation link to your email address. Open it within {minutes} minutes to complete your registration: a seat is held only once you confirm."))}</p>" +
                   $"<p>{H(cycle.Entity.Title)}<br>{H(Formatting.DateRange(cycle.Schedule, lang))} — {H(cycle.Definition.Venue)}</p></div>" +
                   $"<p>{H(T(lang, "Tidak menerima email? Periksa folder spam, atau daftar lagi setelah batas waktu lewat.", "No email? Check your spam folder, or register again once the window has passed."))}</p>";
        return Render(request, lang, T(lang, "Periksa email Anda", "Check your email") + " — " + cycle.Entity.Title, body, StatusCodes.Status202Accepted);
    }

    /// <summary>The holder's certificate, with a download link made now (links in mail last weeks, not a year).</summary>
    private IActionResult DocumentsPage(HttpRequest request, CycleRecord cycle, string lang, ParticipantEntity p)
    {
        var link = composer.DownloadLink(cycle, p);
        var body = LanguageSwitch(request, lang) +
                   $"<h1>{H(cycle.Entity.Title)}</h1>" +
                   $"<div class=\"card\" role=\"status\"><p>{H(T(lang, "Nomor sertifikat", "Certificate number"))}: <strong>{H(p.CertificateNumber)}</strong></p>" +
                   $"<p><a id=\"download-certificate\" href=\"{H(link)}\">{H(T(lang, "Unduh sertifikat (PDF)", "Download the certificate (PDF)"))}</a></p>" +
                   $"<p>{H(T(lang, "Tautan unduhan ini dibuat sekarang dan berlaku 30 hari; buka halaman ini lagi kapan saja untuk tautan baru.", "This download link was made just now and works for 30 days; open this page again any time for a new one."))}</p></div>";
        return Render(request, lang, T(lang, "Sertifikat Anda", "Your certificate") + " — " + cycle.Entity.Title, body);
    }

    private IActionResult? ClosedPage(HttpRequest request, CycleRecord cycle, string lang, ParticipantEntity? participant, bool withdrawing = false, int status = StatusCodes.Status200OK)
    {
        var now = time.GetUtcNow();
        var s = cycle.Schedule;
        if (cycle.Entity.CancelledAt is not null || cycle.Phase == CyclePhase.Cancelled)
        {
            return Message(request, lang, StatusCodes.Status410Gone, "Pelatihan dibatalkan", "Training cancelled",
                $"{cycle.Entity.Title} dibatalkan oleh penyelenggara." + (cycle.Entity.CancelReason is { } r ? " Alasan: " + r : ""),
                $"{cycle.Entity.Title} has been cancelled by the organizer." + (cycle.Entity.CancelReason is { } r2 ? " Reason: " + r2 : ""));
        }

        if (now < s.RegistrationOpensAt)
        {
            var opens = Formatting.DateTime(s.RegistrationOpensAt, s.TimeZone, lang);
            return Message(request, lang, status, "Pendaftaran belum dibuka", "Registration not open yet",
                $"Pendaftaran {cycle.Entity.Title} dibuka {opens}.", $"Registration for {cycle.Entity.Title} opens {opens}.");
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
            return Message(request, lang, status, "Pendaftaran sudah ditutup", "Registration is closed",
                $"Pendaftaran {cycle.Entity.Title} ditutup {deadline}. Hubungi penyelenggara bila ada pertanyaan.",
                $"Registration for {cycle.Entity.Title} closed {deadline}. Contact the organizer with any questions.");
        }

        return null;
    }

    private async Task<IActionResult> FormPageAsync(HttpRequest request, CycleRecord cycle, string lang, RegistrationForm values, IReadOnlyList<FieldError> errors, int status, string? notice = null, FieldError? resendError = null)
    {
        var counts = await cycles.CountsAsync(cycle);
        var action = request.Path + request.QueryString.ToString();
        var body = LanguageSwitch(request, lang) +
                   $"<h1>{H(cycle.Entity.Title)}</h1>" +
                   Notice(notice) +
                   RegistrationPage.Facts(cycle, lang, Math.Max(0, cycle.Entity.Capacity - counts.Confirmed)) +
                   $"<h2>{H(T(lang, "Formulir pendaftaran", "Registration form"))}</h2>" +
                   RegistrationPage.Form(cycle, lang, values, errors, action, isChange: false) +
                   RegistrationPage.ResendForm(lang, request.Path.ToString(), resendError);
        var title = (errors.Count > 0 ? T(lang, "Kesalahan: ", "Error: ") : "") + T(lang, "Pendaftaran", "Registration") + " — " + cycle.Entity.Title;
        return Render(request, lang, title, body, status);
    }

    private static string Notice(string? notice) => notice is null ? "" : $"<div class=\"summary\" role=\"alert\" id=\"notice\"><p>{H(notice)}</p></div>";

    private async Task<IActionResult> ManagePageAsync(HttpRequest request, CycleRecord cycle, string lang, ParticipantEntity p, RegistrationForm values, IReadOnlyList<FieldError> errors, int status = StatusCodes.Status200OK, string? notice = null)
    {
        var counts = await cycles.CountsAsync(cycle);
        var action = request.Path + request.QueryString.ToString();
        var canChange = time.GetUtcNow() < cycle.Schedule.RegistrationClosesAt;
        var body = LanguageSwitch(request, lang) +
                   $"<h1>{H(cycle.Entity.Title)}</h1>" +
                   Notice(notice) +
                   $"<div class=\"card\" role=\"status\"><p>{H(T(lang, "Nomor pendaftaran", "Registration number"))}: <strong>{H(p.RegistrationNumber)}</strong><br>" +
                   $"{H(T(lang, "Status", "Status"))}: <strong>{H(RegistrationPage.Status(p, lang))}</strong></p></div>" +
                   RegistrationPage.Facts(cycle, lang, Math.Max(0, cycle.Entity.Capacity - counts.Confirmed)) +
                   (canChange ? $"<h2>{H(T(lang, "Ubah data pendaftaran", "Change your registration"))}</h2>" + RegistrationPage.Form(cycle, lang, values, errors, action, isChange: true) : "") +
                   $"<h2>{H(T(lang, "Batalkan pendaftaran", "Withdraw"))}</h2><form method=\"post\" action=\"{H(action)}\"><p>{H(T(lang, "Bila Anda tidak dapat hadir, batalkan agar kursi Anda dapat diberikan kepada peserta lain.", "If you cannot attend, withdraw so that your seat can go to someone else."))}</p>" +
                   "<div class=\"hp\" aria-hidden=\"true\"><label for=\"website2\">Website</label><input type=\"text\" id=\"website2\" name=\"website\" tabindex=\"-1\" autocomplete=\"off\"></div>" +
                   $"<button type=\"submit\" class=\"danger\" name=\"action\" value=\"withdraw\">{H(T(lang, "Batalkan pendaftaran saya", "Withdraw my registration"))}</button></form>";
        return Render(request, lang, T(lang, "Pendaftaran Anda", "Your registration") + " — " + cycle.Entity.Title, body, status);
    }

    private static IActionResult ConfirmationPage(HttpRequest request, CycleRecord cycle, string lang, ParticipantEntity p, RegistrationOutcome outcome)
    {
        var (headingId, headingEn, textId, textEn) = outcome switch
        {
            RegistrationOutcome.Confirmed => ("Pendaftaran berhasil", "You are registered", "Kursi Anda sudah terkonfirmasi. Email konfirmasi dengan jadwal (berkas kalender) sedang dikirim.", "Your seat is confirmed. A confirmation email with the schedule (calendar file) is on its way."),
            RegistrationOutcome.Waitlisted => ("Anda masuk daftar tunggu", "You are on the waiting list", "Kuota sudah penuh. Kami akan mengabari Anda lewat email bila ada kursi kosong.", "The training is full. We will email you if a seat becomes free."),
            _ => ("Perubahan disimpan", "Changes saved", "Data pendaftaran Anda sudah diperbarui.", "Your registration details have been updated."),
        };
        var body = $"<div class=\"success\" role=\"status\"><h1>{H(T(lang, headingId, headingEn))}</h1>" +
                   $"<p>{H(T(lang, textId, textEn))}</p>" +
                   $"<p>{H(T(lang, "Nomor pendaftaran", "Registration number"))}: <strong id=\"registration-number\">{H(p.RegistrationNumber)}</strong></p>" +
                   $"<p>{H(cycle.Entity.Title)}<br>{H(Formatting.DateRange(cycle.Schedule, lang))} — {H(cycle.Definition.Venue)}</p></div>" +
                   $"<p>{H(T(lang, "Simpan email konfirmasi Anda: tautan di dalamnya dipakai untuk mengubah atau membatalkan pendaftaran.", "Keep your confirmation email: its link lets you change or withdraw your registration."))}</p>";
        return Render(request, lang, T(lang, headingId, headingEn) + " — " + cycle.Entity.Title, body);
    }

    private static IActionResult NotFoundPage(HttpRequest request, string lang) =>
        Message(request, lang, StatusCodes.Status404NotFound, "Pelatihan tidak ditemukan", "Training not found",
            "Alamat ini tidak menunjuk ke pelatihan mana pun. Periksa kembali tautan dari email Anda.", "This address does not point to any training. Check the link from your email.");
}
