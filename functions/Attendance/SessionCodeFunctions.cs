using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;
using static TrainingCycles.Infrastructure.Pages;

namespace TrainingCycles.Attendance;

/// <summary>
/// The organizer's screen at the venue: the current session code, very large, refreshed by
/// <c>&lt;meta http-equiv="refresh"&gt;</c> right after it rotates (no JavaScript), and a QR code of the generic
/// check-in URL. The QR carries no token and no code: it leads to a page that tells people to open their personal
/// link from the reminder email, so a photo of the screen is worth no more than the code on it.
/// </summary>
public sealed class SessionCodeFunctions(CycleStore cycles, IOptions<TrainingCyclesOptions> options, TimeProvider time)
{
    [Function(nameof(SessionCodePage))]
    public async Task<IActionResult> SessionCodePage(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "cycles/{cycleId}/sessions/{sessionId}/code")] HttpRequest request,
        string cycleId,
        string sessionId)
    {
        var cycle = await cycles.GetAsync(cycleId, request.HttpContext.RequestAborted);
        var window = cycle is null ? null : CheckInWindows.For(cycle).FirstOrDefault(w => w.Session.Id == sessionId);
        var json = string.Equals(request.Query["format"], "json", StringComparison.OrdinalIgnoreCase);
        if (cycle is null || window is null)
        {
            return json ? Http.NotFound(cycle is null ? "Pelatihan" : "Sesi") : Message(request, Language(request), StatusCodes.Status404NotFound,
                "Tidak ditemukan", "Not found", "Pelatihan atau sesi ini tidak ada.", "This training or session does not exist.");
        }

        var now = time.GetUtcNow();
        var code = SessionCodes.Current(cycle.Entity.CheckInSecret, sessionId, now);
        if (json)
        {
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
        var toggle = $"<a href=\"{H(WithRefresh(request, paused ? null : "off"))}\">{H(paused ? T(lang, "Nyalakan pembaruan otomatis", "Turn auto-refresh on") : T(lang, "Hentikan pembaruan otomatis", "Stop auto-refresh"))}</a>";
        var body = new StringBuilder(8192)
            .Append(LanguageSwitch(request, lang))
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

    /// <summary>This page's URL (function key and language kept) with <c>refresh</c> set or removed.</summary>
    private static string WithRefresh(HttpRequest request, string? refresh)
    {
        var query = request.Query.Where(q => q.Key != "refresh").SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string?>(q.Key, v)));
        return request.Path + QueryString.Create(refresh is null ? query : query.Append(new("refresh", refresh))).ToString();
    }
}
