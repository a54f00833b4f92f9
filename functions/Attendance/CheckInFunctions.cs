using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;
using static TrainingCycles.Infrastructure.Pages;

namespace TrainingCycles.Attendance;

/// <summary>
/// Self check-in at the venue: the participant opens their personal link (token from the H-1 reminder) and types
/// the session code shown by the organizers. The row is written straight to the Attendance table, insert-only:
/// a repeat is harmless and an organizer's mark is never overwritten. Works without JavaScript.
/// </summary>
public sealed class CheckInFunctions(CycleStore cycles, ParticipantStore participants, AttendanceStore attendance, AppTables tables, Tokens tokens, TimeProvider time, ILogger<CheckInFunctions> logger)
{
    private const int MaxFormBytes = 4 * 1024;

    private readonly CheckInThrottle _throttle = new(tables, time);

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
            var landingLang = Language(request);
            var plain = await cycles.GetAsync(cycleId, cancellationToken);
            return plain is null ? CycleNotFound(request, landingLang) : Landing(request, landingLang, plain);
        }

        // The link is checked before a byte of the body is read: without a valid personal link nobody gets the
        // server to buffer anything.
        var problem = tokens.Validate(token, TokenPurpose.CheckIn, out var claims);
        if (problem != TokenProblem.None || claims!.CycleId != cycleId)
        {
            return BadLink(request, Language(request), problem);
        }

        IFormCollection? form = null;
        if (isPost)
        {
            if (await ReadFormAsync(request, cancellationToken) is not { } read)
            {
                return BodyRefused(request);
            }

            form = read.Form;
            if (read.Refusal is { } refusal)
            {
                return refusal;
            }
        }

        var lang = Language(request, form?["lang"].FirstOrDefault());
        var cycle = await cycles.GetAsync(cycleId, cancellationToken);
        if (cycle is null)
        {
            return CycleNotFound(request, lang);
        }

        var participant = await participants.GetAsync(cycleId, claims.SubjectId, cancellationToken);
        if (participant is null || participant.TokenVersion != claims.Version)
        {
            // A link issued before the person withdrew or changed their email address is revoked.
            return BadLink(request, lang, TokenProblem.BadSignature);
        }

        if (cycle.Phase == CyclePhase.Cancelled || cycle.Entity.CancelledAt is not null)
        {
            var reason = string.IsNullOrWhiteSpace(cycle.Entity.CancelReason) ? "" : " " + T(lang, "Alasan: ", "Reason: ") + cycle.Entity.CancelReason;
            return Message(request, lang, StatusCodes.Status410Gone, "Pelatihan dibatalkan", "Training cancelled",
                $"{cycle.Entity.Title} dibatalkan; tidak ada presensi.{reason}", $"{cycle.Entity.Title} has been cancelled; there is no check-in.{reason}");
        }

        if (participant.Status != ParticipantStatus.Confirmed)
        {
            return NotConfirmed(request, lang, participant.Status);
        }

        // The participant's door QR for presence-bound sessions: the same person and cycle, for as long as the link lives.
        var presence = tokens.Create(TokenPurpose.Presence, cycleId, participant.RowKey, claims.ExpiresAt, participant.TokenVersion);
        var page = new CheckInPage(request, lang, cycle, participant, token!, presence);
        if (cycle.Phase is CyclePhase.Completing or CyclePhase.Completed || cycle.Entity.TrainingEndedAt is not null)
        {
            return page.Closed(StatusCodes.Status409Conflict, T(lang,
                "Pelatihan ini sudah selesai dan presensi ditutup. Bila Anda hadir tetapi belum tercatat, hubungi panitia.",
                "This training has ended and check-in is closed. If you attended but are not recorded, contact the organizers."));
        }

        var now = time.GetUtcNow();
        var windows = CheckInWindows.For(cycle);
        var open = CheckInWindows.Open(windows, now);
        if (open.Count == 0)
        {
            return page.Closed(isPost ? StatusCodes.Status409Conflict : StatusCodes.Status200OK, NotOpenText(cycle, windows, now, lang));
        }

        var modes = await Task.WhenAll(open.Select(w => attendance.ModeAsync(cycleId, w.Session.Id, cancellationToken)));
        page.AtTheDoor = modes.Any(m => m?.PresenceRequired == true);
        if (!isPost)
        {
            var marks = await Task.WhenAll(open.Select(w => attendance.GetAsync(cycleId, w.Session.Id, participant.RowKey, cancellationToken)));
            return marks.All(m => m is not null)
                ? page.Already(open[0].Session, marks[0]!)
                : page.Form(open, error: null, StatusCodes.Status200OK);
        }

        if (await _throttle.LockedUntilAsync(cycleId, participant.RowKey, cancellationToken) is { } lockedUntil)
        {
            return page.Form(open, LockedText(cycle, lockedUntil, lang), StatusCodes.Status429TooManyRequests);
        }

        var code = SessionCodes.Normalize(form?["code"].FirstOrDefault());
        if (code.Length != SessionCodes.Digits || !code.All(char.IsAsciiDigit))
        {
            // A typo in the shape of the code is not a guess: it does not count against the limit.
            return page.Form(open, T(lang, "Masukkan kode sesi 6 angka yang ditampilkan panitia.", "Enter the 6-digit session code shown by the organizers."), StatusCodes.Status422UnprocessableEntity);
        }

        var window = open.FirstOrDefault(w => SessionCodes.Verify(cycle.Entity.CheckInSecret, w.Session.Id, code, now));
        if (window is null)
        {
            var left = await _throttle.RecordFailureAsync(cycleId, participant.RowKey, cancellationToken);
            if (left == 0)
            {
                logger.LogWarning("Check-in locked for a participant of cycle {CycleId} after {Max} wrong codes", cycleId, CheckInThrottle.MaxFailures);
                return page.Form(open, LockedText(cycle, now + CheckInThrottle.Window, lang), StatusCodes.Status429TooManyRequests);
            }

            return page.Form(open, T(lang,
                $"Kode salah atau sudah kedaluwarsa. Masukkan kode yang sedang tampil di layar (sisa {left} percobaan).",
                $"That code is wrong or has expired. Enter the code on the screen now ({left} tries left)."), StatusCodes.Status422UnprocessableEntity);
        }

        // Presence-bound session: the shared code proves only that someone saw the screen (or a chat message), so the
        // check-in waits for an organizer; the mode is read from storage now, so a switch counts on every instance.
        var atTheDoor = modes[open.ToList().IndexOf(window)]?.PresenceRequired == true;
        var row = new AttendanceEntity
        {
            PartitionKey = cycleId,
            RowKey = AttendanceStore.Key(window.Session.Id, participant.RowKey),
            SessionId = window.Session.Id,
            ParticipantId = participant.RowKey,
            Status = atTheDoor ? AttendanceStatus.Pending : window.StatusAt(now),
            CheckedInAt = now,
            Source = AttendanceSource.Self,
            MarkedAt = now,
        };
        if (await attendance.TryAddAsync(row, cancellationToken))
        {
            return page.Success(window.Session, row);
        }

        var existing = await attendance.GetAsync(cycleId, window.Session.Id, participant.RowKey, cancellationToken);
        return page.Already(window.Session, existing ?? row);
    }

    private sealed record FormRead(IFormCollection? Form, IActionResult? Refusal);

    /// <summary>
    /// The form, read only when it declares a length within the limit (like the registration form): a chunked body
    /// (no length) is refused with 411 and an oversized one with 413 before anything is buffered. Null when the body
    /// has no length at all.
    /// </summary>
    private static async Task<FormRead?> ReadFormAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength is null)
        {
            return null;
        }

        if (request.ContentLength > MaxFormBytes)
        {
            return new FormRead(null, Bilingual(request, StatusCodes.Status413PayloadTooLarge, "Permintaan terlalu besar", "Request too large",
                $"Isian presensi melebihi {MaxFormBytes / 1024} KB; kirim hanya kode sesi dari halaman presensi.", $"The check-in form is larger than {MaxFormBytes / 1024} KB; send only the session code from the check-in page."));
        }

        if (!request.HasFormContentType)
        {
            return new FormRead(null, Bilingual(request, StatusCodes.Status415UnsupportedMediaType, "Format tidak didukung", "Unsupported format",
                "Kirim kode dari halaman presensi.", "Send the code from the check-in page."));
        }

        try
        {
            return new FormRead(await request.ReadFormAsync(cancellationToken), null);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or BadHttpRequestException)
        {
            return new FormRead(null, Bilingual(request, StatusCodes.Status400BadRequest, "Isian tidak terbaca", "Unreadable submission",
                "Formulir tidak dapat dibaca. Muat ulang halaman lalu coba lagi.", "The form could not be read. Reload the page and try again."));
        }
    }

    private static IActionResult BodyRefused(HttpRequest request) =>
        Bilingual(request, StatusCodes.Status411LengthRequired, "Panjang isian diperlukan", "Length required",
            "Kirim kode dari halaman presensi (permintaan tanpa Content-Length ditolak).", "Send the code from the check-in page (a request without Content-Length is refused).");

    /// <summary>A refusal sent before the form (and its language field) is read: it says it in both languages.</summary>
    private static IActionResult Bilingual(HttpRequest request, int status, string titleId, string titleEn, string textId, string textEn)
    {
        var lang = Language(request);
        var (first, second) = lang == "en" ? ((titleEn, textEn), (titleId, textId)) : ((titleId, textId), (titleEn, textEn));
        var otherLang = lang == "en" ? "id" : "en";
        return Render(request, lang, first.Item1 + " / " + second.Item1,
            $"<h1>{H(first.Item1)}</h1><p>{H(first.Item2)}</p><p lang=\"{otherLang}\">{H(second.Item1)}: {H(second.Item2)}</p>", status);
    }

    private static IActionResult CycleNotFound(HttpRequest request, string lang) =>
        Message(request, lang, StatusCodes.Status404NotFound, "Pelatihan tidak ditemukan", "Training not found",
            "Periksa kembali tautan dari email Anda.", "Check the link in your email.");

    /// <summary>The page the venue QR code leads to: it explains that check-in needs the personal link.</summary>
    private static IActionResult Landing(HttpRequest request, string lang, CycleRecord cycle)
    {
        var body = new StringBuilder()
            .Append(LanguageSwitch(request, lang))
            .Append("<h1>").Append(H(T(lang, "Presensi", "Check-in"))).Append("</h1>")
            .Append("<p><strong>").Append(H(cycle.Entity.Title)).Append("</strong></p>")
            .Append("<p>").Append(H(T(lang,
                "Untuk presensi, buka tautan presensi pribadi di email pengingat yang kami kirim sehari sebelum pelatihan, lalu masukkan kode sesi yang ditampilkan panitia di layar.",
                "To check in, open the personal check-in link in the reminder email we sent the day before the training, then enter the session code the organizers show on the screen."))).Append("</p>")
            .Append("<p>").Append(H(T(lang,
                "Tautan itu khusus untuk Anda: jangan dibagikan. Tidak menemukan email tersebut? Hubungi meja panitia.",
                "That link is yours alone: do not share it. Cannot find the email? Ask at the organizers' desk."))).Append("</p>");
        return Render(request, lang, T(lang, "Presensi", "Check-in") + " — " + cycle.Entity.Title, body.ToString());
    }

    private static IActionResult BadLink(HttpRequest request, string lang, TokenProblem problem) => problem switch
    {
        TokenProblem.Missing => Message(request, lang, StatusCodes.Status403Forbidden, "Tautan presensi diperlukan", "Check-in link needed",
            "Buka tautan presensi pribadi dari email pengingat Anda, lalu masukkan kode sesi.", "Open the personal check-in link from your reminder email, then enter the session code."),
        TokenProblem.Expired => Message(request, lang, StatusCodes.Status403Forbidden, "Tautan kedaluwarsa", "Link expired",
            "Tautan presensi ini sudah tidak berlaku. Hubungi panitia bila Anda perlu dicatat hadir.", "This check-in link is no longer valid. Contact the organizers if you need to be recorded as present."),
        _ => Message(request, lang, StatusCodes.Status403Forbidden, "Tautan tidak valid", "Link not valid",
            "Tautan presensi ini tidak valid. Buka tautan dari email pengingat persis seperti yang dikirim, atau hubungi panitia.",
            "This check-in link is not valid. Open the link from your reminder email exactly as it was sent, or contact the organizers."),
    };

    private static IActionResult NotConfirmed(HttpRequest request, string lang, string status) => status switch
    {
        ParticipantStatus.Withdrawn => Message(request, lang, StatusCodes.Status403Forbidden, "Presensi tidak tersedia", "Check-in not available",
            "Anda telah mengundurkan diri dari pelatihan ini, sehingga tidak dapat melakukan presensi. Hubungi panitia bila ini keliru.",
            "You withdrew from this training, so you cannot check in. Contact the organizers if this is a mistake."),
        ParticipantStatus.Waitlisted => Message(request, lang, StatusCodes.Status403Forbidden, "Presensi tidak tersedia", "Check-in not available",
            "Anda masih dalam daftar tunggu dan belum mendapat kursi, sehingga belum dapat melakukan presensi. Hubungi panitia di lokasi.",
            "You are on the waiting list and have no seat yet, so you cannot check in. Ask the organizers at the venue."),
        _ => Message(request, lang, StatusCodes.Status403Forbidden, "Presensi tidak tersedia", "Check-in not available",
            "Anda belum terdaftar sebagai peserta pelatihan ini, sehingga tidak dapat melakukan presensi.",
            "You are not registered for this training, so you cannot check in."),
    };

    private static string NotOpenText(CycleRecord cycle, IReadOnlyList<CheckInWindow> windows, DateTimeOffset now, string lang)
    {
        var zone = cycle.Schedule.TimeZone;
        var text = new StringBuilder(T(lang, "Presensi belum dibuka.", "Check-in is not open."));
        var running = windows.FirstOrDefault(w => w.ClosesAt <= now && w.Session.EndsAt > now);
        if (running is not null)
        {
            text.Clear().Append(T(lang,
                $"Presensi untuk sesi {running.Session.Title} sudah ditutup pukul {Formatting.Time(running.ClosesAt, zone, lang)}. Bila Anda hadir, lapor ke panitia.",
                $"Check-in for {running.Session.Title} closed at {Formatting.Time(running.ClosesAt, zone, lang)}. If you are here, tell the organizers."));
        }

        var next = CheckInWindows.Next(windows, now);
        if (next is not null)
        {
            text.Append(' ').Append(T(lang,
                $"Presensi sesi berikutnya ({next.Session.Title}) dibuka {Formatting.DateTime(next.OpensAt, zone, lang)}; sesi dimulai pukul {Formatting.Time(next.Session.StartsAt, zone, lang)}.",
                $"Check-in for the next session ({next.Session.Title}) opens {Formatting.DateTime(next.OpensAt, zone, lang)}; the session starts at {Formatting.Time(next.Session.StartsAt, zone, lang)}."));
        }
        else if (running is null)
        {
            text.Clear().Append(T(lang,
                "Presensi semua sesi pelatihan ini sudah ditutup. Bila Anda hadir tetapi belum tercatat, hubungi panitia.",
                "Check-in for every session of this training has closed. If you attended but are not recorded, contact the organizers."));
        }

        return text.ToString();
    }

    private static string LockedText(CycleRecord cycle, DateTimeOffset until, string lang) => T(lang,
        $"Terlalu banyak kode salah. Coba lagi setelah pukul {Formatting.Time(until, cycle.Schedule.TimeZone, lang)}, atau minta bantuan panitia.",
        $"Too many wrong codes. Try again after {Formatting.Time(until, cycle.Schedule.TimeZone, lang)}, or ask the organizers for help.");

    /// <summary>The states of the check-in page for one participant; every one shows who, what and when.</summary>
    private sealed class CheckInPage(HttpRequest request, string lang, CycleRecord cycle, ParticipantEntity participant, string token, string presenceToken)
    {
        /// <summary>An open session needs presence at the door: the page shows the participant's personal QR.</summary>
        public bool AtTheDoor { get; set; }

        private string Title => T(lang, "Presensi", "Check-in") + " — " + cycle.Entity.Title;

        public IActionResult Form(IReadOnlyList<CheckInWindow> open, string? error, int status)
        {
            var body = Header(open.Select(w => w.Session));
            if (AtTheDoor)
            {
                DoorCard(body, pending: false);
            }

            var action = request.Path + "?t=" + Uri.EscapeDataString(token);
            var describedBy = error is null ? "code-hint" : "code-hint code-error";
            body.Append("<form method=\"post\" action=\"").Append(H(action)).Append("\" novalidate>")
                .Append("<input type=\"hidden\" name=\"lang\" value=\"").Append(lang).Append("\">")
                .Append("<div class=\"field").Append(error is null ? "" : " invalid").Append("\">")
                .Append("<label for=\"code\">").Append(H(T(lang, "Kode sesi", "Session code"))).Append("</label>")
                .Append("<span class=\"hint\" id=\"code-hint\">").Append(H(T(lang, "6 angka yang ditampilkan panitia di layar; berganti setiap menit.", "The 6 digits the organizers show on the screen; it changes every minute."))).Append("</span>");
            if (error is not null)
            {
                body.Append("<span class=\"error\" id=\"code-error\">").Append(H(error)).Append("</span>");
            }

            body.Append("<input type=\"text\" id=\"code\" name=\"code\" inputmode=\"numeric\" autocomplete=\"one-time-code\" pattern=\"[0-9 ]*\" maxlength=\"10\" spellcheck=\"false\" aria-describedby=\"").Append(describedBy).Append('"')
                .Append(error is null ? "" : " aria-invalid=\"true\" autofocus").Append('>')
                .Append("</div><button type=\"submit\">").Append(H(T(lang, "Kirim presensi", "Check in"))).Append("</button></form>");
            return Render(request, lang, (error is null ? "" : T(lang, "Kesalahan: ", "Error: ")) + Title, body.ToString(), status);
        }

        public IActionResult Success(ScheduledSession session, AttendanceEntity row)
        {
            if (row.Status == AttendanceStatus.Pending)
            {
                return PendingPage(session, row);
            }

            var body = Header([session]);
            body.Append("<div class=\"success\" role=\"status\"><h2>").Append(H(T(lang, "Presensi tercatat", "You are checked in"))).Append("</h2><p>")
                .Append(H(T(lang,
                    $"Anda tercatat {AttendanceStatus.Label(row.Status, lang)} pada sesi {session.Title}, pukul {At(row)}. Terima kasih!",
                    $"You are recorded as {AttendanceStatus.Label(row.Status, lang)} for {session.Title} at {At(row)}. Thank you!")))
                .Append("</p></div>");
            return Render(request, lang, T(lang, "Presensi tercatat", "Checked in") + " — " + cycle.Entity.Title, body.ToString());
        }

        public IActionResult Already(ScheduledSession session, AttendanceEntity row)
        {
            if (row.Status == AttendanceStatus.Pending)
            {
                return PendingPage(session, row);
            }

            var body = Header([session]);
            var label = AttendanceStatus.Label(row.Status, lang);
            // An organizer's Absent or Excused is not "you are in": say who recorded it and whom to ask.
            var text = row.Status is AttendanceStatus.Present or AttendanceStatus.Late
                ? T(lang,
                    $"Anda sudah tercatat {label} pada sesi {session.Title}, pukul {At(row)}{(row.Source == AttendanceSource.Self ? "" : " (dicatat panitia)")}. Tidak perlu presensi lagi.",
                    $"You are already recorded as {label} for {session.Title} at {At(row)}{(row.Source == AttendanceSource.Self ? "" : " (recorded by the organizers)")}. There is nothing more to do.")
                : T(lang,
                    $"Panitia sudah mencatat Anda {label} pada sesi {session.Title} (pukul {At(row)}). Bila Anda hadir, lapor ke meja panitia.",
                    $"The organizers have recorded you as {label} for {session.Title} (at {At(row)}). If you are here, tell the organizers' desk.");
            body.Append("<div class=\"success\" role=\"status\"><h2>").Append(H(T(lang, "Sudah presensi", "Already checked in"))).Append("</h2><p>")
                .Append(H(text)).Append("</p></div>");
            return Render(request, lang, T(lang, "Sudah presensi", "Already checked in") + " — " + cycle.Entity.Title, body.ToString());
        }

        public IActionResult Closed(int status, string text)
        {
            var body = Header([]);
            body.Append("<div class=\"card\" role=\"status\"><h2>").Append(H(T(lang, "Presensi tidak dibuka", "Check-in is not open"))).Append("</h2><p>")
                .Append(H(text)).Append("</p></div>");
            return Render(request, lang, T(lang, "Presensi tidak dibuka", "Check-in is not open") + " — " + cycle.Entity.Title, body.ToString(), status);
        }

        private IActionResult PendingPage(ScheduledSession session, AttendanceEntity row)
        {
            var body = Header([session]);
            body.Append("<div class=\"card\" role=\"status\"><h2>").Append(H(T(lang, "Menunggu konfirmasi panitia", "Waiting for the organizers to confirm"))).Append("</h2><p>")
                .Append(H(T(lang,
                    $"Kode sesi diterima pukul {At(row)}, tetapi sesi {session.Title} memerlukan kehadiran di lokasi: presensi Anda baru dihitung setelah panitia memastikannya.",
                    $"The session code was accepted at {At(row)}, but {session.Title} needs you to be there in person: your check-in counts once the organizers confirm it.")))
                .Append("</p></div>");
            DoorCard(body, pending: true);
            return Render(request, lang, T(lang, "Menunggu konfirmasi", "Waiting for confirmation") + " — " + cycle.Entity.Title, body.ToString(), StatusCodes.Status202Accepted);
        }

        /// <summary>The personal QR code (a signed presence token, no personal data in it) that an organizer scans at the door.</summary>
        private void DoorCard(StringBuilder body, bool pending)
        {
            body.Append("<div class=\"card\" id=\"door\"><h2>").Append(H(T(lang, "Kode QR pribadi untuk pintu masuk", "Your personal QR code for the door"))).Append("</h2><p>")
                .Append(H(pending
                    ? T(lang, "Tunjukkan kode QR ini kepada panitia di pintu masuk; panitia memindainya dan presensi Anda langsung tercatat.", "Show this QR code to the organizers at the door; they scan it and your check-in is recorded at once.")
                    : T(lang,
                        "Sesi ini memerlukan kehadiran di lokasi. Tunjukkan kode QR ini kepada panitia di pintu masuk. Presensi dengan kode sesi saja menunggu konfirmasi panitia.",
                        "This session needs you to be there in person. Show this QR code to the organizers at the door. A check-in with the session code alone waits for the organizers to confirm it.")))
                .Append(' ').Append(H(T(lang, "Kode ini khusus untuk Anda: jangan dibagikan.", "This code is yours alone: do not share it.")))
                .Append("</p><figure>").Append(QrSvg.Render(presenceToken, T(lang, "Kode QR presensi pribadi ", "Personal check-in QR code of ") + (participant.FullName ?? participant.Email), 240))
                .Append("</figure></div>");
        }

        private string At(AttendanceEntity row) => Formatting.Time(row.CheckedInAt ?? row.MarkedAt, cycle.Schedule.TimeZone, lang) + " " +
            Formatting.ZoneLabel(cycle.Schedule.TimeZone, CycleSchedule.ToLocal(row.CheckedInAt ?? row.MarkedAt, cycle.Schedule.TimeZone));

        private StringBuilder Header(IEnumerable<ScheduledSession> sessions)
        {
            var lines = Formatting.SessionLines(cycle.Schedule, lang);
            var body = new StringBuilder(4096)
                .Append(LanguageSwitch(request, lang))
                .Append("<h1>").Append(H(T(lang, "Presensi", "Check-in"))).Append("</h1>")
                .Append("<div class=\"card\"><dl class=\"facts\">")
                .Append("<dt>").Append(H(T(lang, "Nama", "Name"))).Append("</dt><dd>").Append(H(participant.FullName ?? participant.Email)).Append("</dd>")
                .Append("<dt>").Append(H(T(lang, "Pelatihan", "Training"))).Append("</dt><dd>").Append(H(cycle.Entity.Title)).Append("</dd>");
            foreach (var session in sessions)
            {
                var index = cycle.Schedule.Sessions.ToList().FindIndex(s => s.Id == session.Id);
                body.Append("<dt>").Append(H(T(lang, "Sesi", "Session"))).Append("</dt><dd>").Append(H(index >= 0 ? lines[index] : session.Title)).Append("</dd>");
            }

            return body.Append("</dl></div>");
        }
    }
}
