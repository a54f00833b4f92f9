using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using TrainingCycles.Cycles;
using TrainingCycles.Identity;
using TrainingCycles.Infrastructure;
using static TrainingCycles.Infrastructure.Pages;

namespace TrainingCycles.Attendance;

/// <summary>
/// The organizer's screen at the venue: the current session code, very large, refreshed by
/// <c>&lt;meta http-equiv="refresh"&gt;</c> right after it rotates (no JavaScript), and a QR code of the generic
/// check-in URL. The QR carries no token and no code: it leads to a page that tells people to open their personal
/// link from the reminder email, so a photo of the screen is worth no more than the code on it.
/// The screen is anonymous but needs its own credential: a signed, expiring, read-only <c>codescreen</c> token for
/// one session of one cycle, minted by an organizer through <see cref="CreateCodeScreenLink"/> (function key in the
/// header). A function key never goes into this page's URL, its links or the projector laptop's history.
/// </summary>
public sealed class SessionCodeFunctions(CycleStore cycles, Tokens tokens, AuditLog audit, IOptions<TrainingCyclesOptions> options, TimeProvider time)
{
    /// <summary>A code-screen link stays valid this long after the session's check-in window closes (or after it is made, if later).</summary>
    public static readonly TimeSpan LinkGrace = TimeSpan.FromMinutes(30);

    /// <summary><c>POST …/sessions/{sessionId}/code-screen</c>: a link for the projector, valid for this session until its window closes.</summary>
    [Function(nameof(CreateCodeScreenLink))]
    [Requires(Permission.TeachSession, AccessScope.Session)]
    public async Task<IActionResult> CreateCodeScreenLink(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "cycles/{cycleId}/sessions/{sessionId}/code-screen")] HttpRequest request,
        string cycleId,
        string sessionId)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        var cycle = await cycles.GetAsync(cycleId, cancellationToken);
        var window = cycle is null ? null : CheckInWindows.For(cycle).FirstOrDefault(w => w.Session.Id == sessionId);
        if (cycle is null || window is null)
        {
            return Http.NotFound(cycle is null ? "Pelatihan" : "Sesi");
        }

        if (cycle.Phase == CyclePhase.Cancelled)
        {
            return CycleFunctions.WrongPhase(cycle.Phase);
        }

        // Valid while the code is worth anything (until check-in closes) and a little after, so the screen can say
        // "closed"; a link asked for after that (a rehearsal, a look back) still lives only LinkGrace.
        var now = time.GetUtcNow();
        var expiresAt = (window.ClosesAt > now ? window.ClosesAt : now) + LinkGrace;
        var token = tokens.Create(TokenPurpose.CodeScreen, cycleId, sessionId, expiresAt);
        var url = ScreenUrl(cycleId, sessionId, token);
        await audit.WriteAsync(cycleId, AuditActors.Of(request), "attendance.code-screen-link", details: $"{sessionId}: until {expiresAt:O}", cancellationToken: cancellationToken);
        return Http.Ok(new
        {
            cycleId,
            sessionId,
            url,
            jsonUrl = url + "&format=json",
            expiresAt,
        }, StatusCodes.Status201Created);
    }

    [Function(nameof(SessionCodePage))]
    public async Task<IActionResult> SessionCodePage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "cycles/{cycleId}/sessions/{sessionId}/code")] HttpRequest request,
        string cycleId,
        string sessionId)
    {
        var json = string.Equals(request.Query["format"], "json", StringComparison.OrdinalIgnoreCase);
        var token = request.Query["t"].FirstOrDefault();
        // The token first: without it nobody learns whether a cycle or a session exists.
        var problem = tokens.Validate(token, TokenPurpose.CodeScreen, out var claims);
        if (problem != TokenProblem.None || claims!.CycleId != cycleId || claims.SubjectId != sessionId)
        {
            return BadLink(request, json, problem);
        }

        var cycle = await cycles.GetAsync(cycleId, request.HttpContext.RequestAborted);
        var window = cycle is null ? null : CheckInWindows.For(cycle).FirstOrDefault(w => w.Session.Id == sessionId);
        if (cycle is null || window is null)
        {
            return json ? Http.NotFound(cycle is null ? "Pelatihan" : "Sesi") : Message(request, Language(request), StatusCodes.Status404NotFound,
                "Tidak ditemukan", "Not found", "Pelatihan atau sesi ini tidak ada.", "This training or session does not exist.");
        }

        var now = time.GetUtcNow();
        var code = SessionCodes.Current(cycle.Entity.CheckInSecret, sessionId, now);
        if (json)
        {
            // Anonymous but not public: never cached, never framed, like the page.
            SecurityHeaders(request.HttpContext.Response);
            return Http.Ok(new
            {
                cycleId,
                sessionId,
                code = code.Code,
                validFrom = code.ValidFrom,
                validUntil = code.ValidUntil,
                acceptedUntil = code.AcceptedUntil,
                stepSeconds = (int)SessionCodes.Step.TotalSeconds,
                window = new { opensAt = window.OpensAt, closesAt = window.ClosesAt, lateAfter = window.LateAfter, open = window.IsOpen(now) },
            });
        }

        var lang = Language(request);
        var zone = cycle.Schedule.TimeZone;
        // Reload one second after the code rotates (never sooner than 2 s, so a slow clock cannot make it spin).
        // ?refresh=off stops it (WCAG 2.2.1: a timed change the user can turn off), e.g. for a screen reader user.
        var paused = string.Equals(request.Query["refresh"], "off", StringComparison.OrdinalIgnoreCase);
        var refresh = Math.Max(2, (int)Math.Ceiling((code.ValidUntil - now).TotalSeconds) + 1);
        var checkInUrl = new Uri(options.Value.PublicBaseUri, $"api/cycles/{cycleId}/checkin").ToString();
        var state = window.IsOpen(now)
            ? T(lang, "Presensi sedang dibuka.", "Check-in is open.")
            : now < window.OpensAt ? T(lang, "Presensi belum dibuka.", "Check-in has not opened yet.") : T(lang, "Presensi sudah ditutup.", "Check-in has closed.");
        var index = cycle.Schedule.Sessions.ToList().FindIndex(s => s.Id == sessionId);
        var refreshText = paused
            ? T(lang, "Pembaruan otomatis dihentikan: muat ulang halaman untuk kode terbaru.", "Auto-refresh is off: reload the page for the latest code.")
            : T(lang, $"Halaman ini memperbarui diri dalam {refresh} detik.", $"This page refreshes itself in {refresh} seconds.");
        var toggle = $"<a href=\"{H(SelfLink(request, token!, lang, paused ? null : "off"))}\">{H(paused ? T(lang, "Nyalakan pembaruan otomatis", "Turn auto-refresh on") : T(lang, "Hentikan pembaruan otomatis", "Stop auto-refresh"))}</a>";
        var body = new StringBuilder(8192)
            .Append(LanguageLink(request, token!, lang, paused ? "off" : null))
            .Append("<h1>").Append(H(cycle.Entity.Title)).Append("</h1>")
            .Append("<p>").Append(H(Formatting.SessionLines(cycle.Schedule, lang)[index])).Append("</p>")
            .Append("<h2 id=\"code-label\">").Append(H(T(lang, "Kode sesi", "Session code"))).Append("</h2>")
            .Append("<p class=\"big\" aria-labelledby=\"code-label\" data-valid-until=\"").Append(code.ValidUntil.ToString("O", CultureInfo.InvariantCulture)).Append("\">").Append(code.Code).Append("</p>")
            .Append("<p>").Append(H(T(lang,
                $"Kode berganti setiap {SessionCodes.Step.TotalSeconds:0} detik (kode sebelumnya masih diterima satu menit lagi).",
                $"The code changes every {SessionCodes.Step.TotalSeconds:0} seconds (the previous code is still accepted for one more minute)."))).Append(' ')
            .Append(H(refreshText)).Append(' ').Append(toggle).Append("</p>")
            .Append("<div class=\"card\"><p><strong>").Append(H(state)).Append("</strong> ")
            .Append(H(T(lang,
                $"Jendela presensi {Formatting.Time(window.OpensAt, zone, lang)}–{Formatting.Time(window.ClosesAt, zone, lang)}; terlambat setelah {Formatting.Time(window.LateAfter, zone, lang)}.",
                $"Check-in window {Formatting.Time(window.OpensAt, zone, lang)}–{Formatting.Time(window.ClosesAt, zone, lang)}; late after {Formatting.Time(window.LateAfter, zone, lang)}.")))
            .Append("</p></div>")
            .Append("<h2>").Append(H(T(lang, "Cara presensi", "How to check in"))).Append("</h2>")
            .Append("<p>").Append(H(T(lang,
                "Buka tautan presensi pribadi dari email pengingat, lalu masukkan kode di atas. Kode QR ini membuka halaman petunjuk presensi.",
                "Open your personal check-in link from the reminder email, then enter the code above. This QR code opens the check-in instructions."))).Append("</p>")
            .Append("<figure>").Append(QrSvg.Render(checkInUrl, T(lang, "Kode QR: ", "QR code: ") + checkInUrl))
            .Append("<figcaption>").Append(H(checkInUrl)).Append("</figcaption></figure>");
        return Render(request, lang, code.Code + " — " + T(lang, "Kode sesi", "Session code"), body.ToString(),
            headExtra: paused ? null : string.Create(CultureInfo.InvariantCulture, $"<meta http-equiv=\"refresh\" content=\"{refresh}\">"));
    }

    private string ScreenUrl(string cycleId, string sessionId, string token) =>
        new Uri(options.Value.PublicBaseUri, $"api/cycles/{Uri.EscapeDataString(cycleId)}/sessions/{Uri.EscapeDataString(sessionId)}/code?t={Uri.EscapeDataString(token)}").ToString();

    private static IActionResult BadLink(HttpRequest request, bool json, TokenProblem problem)
    {
        var expired = problem == TokenProblem.Expired;
        if (json)
        {
            return expired
                ? Http.Error(StatusCodes.Status403Forbidden, "link_expired", "Tautan layar kode sudah kedaluwarsa; buat tautan baru dari dasbor.", "The code-screen link has expired; make a new one from the dashboard.")
                : Http.Error(StatusCodes.Status403Forbidden, "link_invalid", "Tautan layar kode diperlukan; buat dari dasbor penyelenggara.", "A code-screen link is needed; make one from the organizer dashboard.");
        }

        return expired
            ? Message(request, Language(request), StatusCodes.Status403Forbidden, "Tautan kedaluwarsa", "Link expired",
                "Tautan layar kode ini sudah tidak berlaku. Buat tautan baru dari dasbor penyelenggara (Presensi → Layar kode).",
                "This code-screen link is no longer valid. Make a new one from the organizer dashboard (Attendance → Code screen).")
            : Message(request, Language(request), StatusCodes.Status403Forbidden, "Tautan layar kode diperlukan", "Code-screen link needed",
                "Layar kode presensi dibuka dengan tautan khusus dari dasbor penyelenggara (Presensi → Layar kode), bukan dengan kunci fungsi.",
                "The check-in code screen opens with its own link from the organizer dashboard (Attendance → Code screen), not with a function key.");
    }

    /// <summary>
    /// This page again, built from what it needs only (token, language, refresh): whatever else was in the query,
    /// a function key someone pasted as <c>?code=</c> included, is never copied into a link.
    /// </summary>
    private static string SelfLink(HttpRequest request, string token, string lang, string? refresh)
    {
        var query = new List<KeyValuePair<string, string?>> { new("t", token), new("lang", lang) };
        if (refresh is not null)
        {
            query.Add(new("refresh", refresh));
        }

        return request.Path + QueryString.Create(query).ToString();
    }

    private static string LanguageLink(HttpRequest request, string token, string lang, string? refresh)
    {
        var other = lang == "en" ? "id" : "en";
        var label = other == "en" ? "English" : "Bahasa Indonesia";
        return $"<p class=\"lang\"><a href=\"{H(SelfLink(request, token, other, refresh))}\" hreflang=\"{other}\" lang=\"{other}\">{label}</a></p>";
    }
}
