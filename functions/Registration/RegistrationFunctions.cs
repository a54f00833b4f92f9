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
    CycleStore cycles, ParticipantStore participants, RegistrationService registrations, ParticipantMailQueue mailQueue, Tokens tokens, FormRateLimiter rateLimiter, TimeProvider time, ILogger<RegistrationFunctions> logger)
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

        var (participant, tokenPage) = await ResolveTokenAsync(request, cycle, lang);
        if (tokenPage is not null)
        {
            return tokenPage;
        }

        if (ClosedPage(request, cycle, lang, participant) is { } closed)
        {
            return closed;
        }

        if (participant is not null && participant.Status is ParticipantStatus.Confirmed or ParticipantStatus.Waitlisted)
        {
            return await ManagePageAsync(request, cycle, lang, participant, Registration.RegistrationForm.FromParticipant(participant), []);
        }

        if (cycle.Entity.InviteOnly && participant is null)
        {
            return Message(request, lang, StatusCodes.Status403Forbidden, "Khusus undangan", "By invitation only",
                "Pendaftaran pelatihan ini hanya melalui tautan pribadi di email undangan. Bila Anda diundang tetapi tidak menerima email, hubungi penyelenggara.",
                "Registration for this training is only through the personal link in the invitation email. If you were invited but did not receive it, contact the organizer.");
        }

        var values = participant is null ? new RegistrationForm { Language = lang } : Registration.RegistrationForm.FromParticipant(participant) with { Language = participant.Language };
        return await FormPageAsync(request, cycle, lang, values, [], StatusCodes.Status200OK);
    }

    [Function(nameof(SubmitRegistration))]
    public async Task<IActionResult> SubmitRegistration(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "cycles/{cycleId}/register")] HttpRequest request,
        [DurableClient] DurableTaskClient durable,
        string cycleId)
    {
        var lang = Language(request);
        if (!rateLimiter.TryAcquire(request, "register"))
        {
            request.HttpContext.Response.Headers.RetryAfter = "60";
            return Message(request, lang, StatusCodes.Status429TooManyRequests, "Terlalu banyak percobaan", "Too many attempts",
                "Terlalu banyak pengiriman dari perangkat/jaringan Anda. Tunggu satu menit lalu coba lagi.", "Too many submissions from your device or network. Wait a minute and try again.");
        }

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
            logger.LogInformation("Registration honeypot triggered for cycle {CycleId}", cycleId);
            return Message(request, lang, StatusCodes.Status400BadRequest, "Permintaan ditolak", "Request refused", "Isian ini tidak dapat diproses.", "This submission cannot be processed.");
        }

        var cycle = await cycles.GetRecentAsync(cycleId);
        if (cycle is null)
        {
            return NotFoundPage(request, lang);
        }

        var (participant, tokenPage) = await ResolveTokenAsync(request, cycle, lang);
        if (tokenPage is not null)
        {
            return tokenPage;
        }

        var isWithdraw = form["action"].FirstOrDefault() == "withdraw";
        if (ClosedPage(request, cycle, lang, participant, isWithdraw, StatusCodes.Status409Conflict) is { } closed)
        {
            return closed;
        }

        if (isWithdraw)
        {
            return await WithdrawAsync(request, durable, cycle, lang, participant);
        }

        if (cycle.Entity.InviteOnly && participant is null)
        {
            return Message(request, lang, StatusCodes.Status403Forbidden, "Khusus undangan", "By invitation only",
                "Pendaftaran pelatihan ini hanya melalui tautan pribadi di email undangan.", "Registration for this training is only through the personal link in the invitation email.");
        }

        var values = Registration.RegistrationForm.FromForm(form);
        var regencies = cycle.Definition.Regencies is { Count: > 0 } list ? list : CycleDefinitionValidator.CentralKalimantanRegencies;
        var today = DateOnly.FromDateTime(CycleSchedule.ToLocal(time.GetUtcNow(), cycle.Schedule.TimeZone).DateTime);
        var (valid, errors) = RegistrationValidator.Validate(values, regencies, today);
        if (valid is null)
        {
            return participant is { Status: ParticipantStatus.Confirmed or ParticipantStatus.Waitlisted }
                ? await ManagePageAsync(request, cycle, lang, participant, values, errors, StatusCodes.Status422UnprocessableEntity)
                : await FormPageAsync(request, cycle, lang, values, errors, StatusCodes.Status422UnprocessableEntity);
        }

        var result = await registrations.RegisterAsync(cycle, valid, participant?.RowKey);
        if (result.Outcome is RegistrationOutcome.NipTaken or RegistrationOutcome.EmailTaken)
        {
            var error = result.Outcome == RegistrationOutcome.NipTaken
                ? new FieldError("nip", "NIP ini sudah terdaftar. Gunakan tautan di email konfirmasi Anda untuk mengubah pendaftaran.", "This NIP is already registered. Use the link in your confirmation email to change the registration.")
                : new FieldError("email", "Email ini sudah dipakai pendaftar lain. Gunakan tautan pribadi dari email Anda.", "This email is already used by another registration. Use the personal link from your email.");
            return await FormPageAsync(request, cycle, lang, values, [error], StatusCodes.Status422UnprocessableEntity);
        }

        var p = result.Participant!;
        if (result.Outcome is RegistrationOutcome.Confirmed or RegistrationOutcome.Waitlisted)
        {
            var kind = result.Outcome == RegistrationOutcome.Confirmed ? MailKinds.Confirmation : MailKinds.Waitlisted;
            await mailQueue.ScheduleAsync(durable, new ParticipantMailRequest(cycle.CycleId, p.RowKey, kind, "r-" + p.RegistrationNumber));
        }

        return ConfirmationPage(request, cycle, lang, p, result.Outcome);
    }

    private async Task<IActionResult> WithdrawAsync(HttpRequest request, DurableTaskClient durable, CycleRecord cycle, string lang, ParticipantEntity? participant)
    {
        if (participant is null || request.Query["manage"].Count == 0)
        {
            return Message(request, lang, StatusCodes.Status403Forbidden, "Tautan diperlukan", "Link required",
                "Pembatalan hanya dapat dilakukan melalui tautan pribadi di email konfirmasi.", "You can only withdraw through the personal link in your confirmation email.");
        }

        var result = await registrations.WithdrawAsync(cycle, participant.RowKey, promote: true);
        if (result.Promoted is { } promoted)
        {
            await mailQueue.ScheduleAsync(durable, new ParticipantMailRequest(cycle.CycleId, promoted.RowKey, MailKinds.Promoted, "promoted"));
        }

        return Message(request, lang, StatusCodes.Status200OK, "Pendaftaran dibatalkan", "Registration withdrawn",
            "Pendaftaran Anda telah dibatalkan. Terima kasih telah memberi tahu kami — kursi Anda diberikan kepada peserta berikutnya.",
            "Your registration has been withdrawn. Thank you for letting us know — your seat goes to the next person.");
    }

    /// <summary>Reads the invite or manage token, if any. An invalid one gets a clear page, never a silent fallback.</summary>
    private async Task<(ParticipantEntity? Participant, IActionResult? Page)> ResolveTokenAsync(HttpRequest request, CycleRecord cycle, string lang)
    {
        foreach (var (name, purpose) in new[] { ("manage", TokenPurpose.Manage), ("invite", TokenPurpose.Invite) })
        {
            var token = request.Query[name].FirstOrDefault();
            if (token is null)
            {
                continue;
            }

            var problem = tokens.Validate(token, purpose, out var claims);
            if (problem != TokenProblem.None || claims!.CycleId != cycle.CycleId)
            {
                return (null, problem == TokenProblem.Expired
                    ? Message(request, lang, StatusCodes.Status403Forbidden, "Tautan kedaluwarsa", "Link expired",
                        "Tautan pribadi ini sudah tidak berlaku. Hubungi penyelenggara bila Anda masih perlu mendaftar atau mengubah pendaftaran.",
                        "This personal link has expired. Contact the organizer if you still need to register or change your registration.")
                    : Message(request, lang, StatusCodes.Status403Forbidden, "Tautan tidak valid", "Invalid link",
                        "Tautan ini tidak valid. Pastikan Anda membuka tautan lengkap dari email Anda.", "This link is not valid. Make sure you opened the complete link from your email."));
            }

            var participant = await participants.GetAsync(cycle.CycleId, claims.SubjectId);
            if (participant is null)
            {
                return (null, Message(request, lang, StatusCodes.Status404NotFound, "Data tidak ditemukan", "Not found", "Data pendaftaran untuk tautan ini tidak ditemukan.", "No registration was found for this link."));
            }

            return (participant, null);
        }

        return (null, null);
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

    private async Task<IActionResult> FormPageAsync(HttpRequest request, CycleRecord cycle, string lang, RegistrationForm values, IReadOnlyList<FieldError> errors, int status)
    {
        var counts = await cycles.CountsAsync(cycle);
        var body = LanguageSwitch(request, lang) +
                   $"<h1>{H(cycle.Entity.Title)}</h1>" +
                   RegistrationPage.Facts(cycle, lang, Math.Max(0, cycle.Entity.Capacity - counts.Confirmed)) +
                   $"<h2>{H(T(lang, "Formulir pendaftaran", "Registration form"))}</h2>" +
                   RegistrationPage.Form(cycle, lang, values, errors, request.Path + request.QueryString.ToString(), isChange: false);
        var title = (errors.Count > 0 ? T(lang, "Kesalahan: ", "Error: ") : "") + T(lang, "Pendaftaran", "Registration") + " — " + cycle.Entity.Title;
        return Render(request, lang, title, body, status);
    }

    private async Task<IActionResult> ManagePageAsync(HttpRequest request, CycleRecord cycle, string lang, ParticipantEntity p, RegistrationForm values, IReadOnlyList<FieldError> errors, int status = StatusCodes.Status200OK)
    {
        var counts = await cycles.CountsAsync(cycle);
        var action = request.Path + request.QueryString.ToString();
        var canChange = time.GetUtcNow() < cycle.Schedule.RegistrationClosesAt;
        var body = LanguageSwitch(request, lang) +
                   $"<h1>{H(cycle.Entity.Title)}</h1>" +
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
