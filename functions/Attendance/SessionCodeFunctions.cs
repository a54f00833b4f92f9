using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using TrainingCycles.Cycles;
using TrainingCycles.Identity;
using TrainingCycles.Attendance.Views;
using TrainingCycles.Infrastructure;
using TrainingCycles.Infrastructure.Views;
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
            return Http.NotFound(cycle is null ? Missing.Cycle : Missing.Session);
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
            return json ? Http.NotFound(cycle is null ? Missing.Cycle : Missing.Session)
                : View.Message(Language(request), StatusCodes.Status404NotFound, nameof(Texts.Att_Code_NotFound_Title), nameof(Texts.Att_Code_NotFound_Text));
        }

        var now = time.GetUtcNow();
        var code = SessionCodes.Current(cycle.Entity.CheckInSecret, sessionId, now);
        if (json)
        {
            // Anonymous but not public: never cached, never framed, like the page.
            Infrastructure.SecurityHeaders.ForPage(request.HttpContext.Response);
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
        var state = window.IsOpen(now) ? CodeScreenPage.WindowState.Open
            : now < window.OpensAt ? CodeScreenPage.WindowState.NotYet : CodeScreenPage.WindowState.Closed;
        var index = cycle.Schedule.Sessions.ToList().FindIndex(s => s.Id == sessionId);
        return View.Page<CodeScreenPage>(lang, new CodeScreenPage.Data(
            cycle.Entity.Title, Formatting.SessionLines(cycle.Schedule, lang)[index], code.Code, code.ValidUntil, SessionCodes.Step.TotalSeconds, paused, refresh,
            state, Formatting.Time(window.OpensAt, zone, lang), Formatting.Time(window.ClosesAt, zone, lang), Formatting.Time(window.LateAfter, zone, lang),
            checkInUrl, SelfLink(request, token!, lang == "en" ? "id" : "en", paused ? "off" : null), SelfLink(request, token!, lang, paused ? null : "off")));
    }

    private string ScreenUrl(string cycleId, string sessionId, string token) =>
        new Uri(options.Value.PublicBaseUri, $"api/cycles/{Uri.EscapeDataString(cycleId)}/sessions/{Uri.EscapeDataString(sessionId)}/code?t={Uri.EscapeDataString(token)}").ToString();

    private static IActionResult BadLink(HttpRequest request, bool json, TokenProblem problem)
    {
        var expired = problem == TokenProblem.Expired;
        if (json)
        {
            return expired
                ? Http.Error(StatusCodes.Status403Forbidden, "link_expired", nameof(Texts.Error_Att_LinkExpired))
                : Http.Error(StatusCodes.Status403Forbidden, "link_invalid", nameof(Texts.Error_Att_LinkInvalid));
        }

        return expired
            ? View.Message(Language(request), StatusCodes.Status403Forbidden, nameof(Texts.Att_Code_LinkExpired_Title), nameof(Texts.Att_Code_LinkExpired_Text))
            : View.Message(Language(request), StatusCodes.Status403Forbidden, nameof(Texts.Att_Code_LinkNeeded_Title), nameof(Texts.Att_Code_LinkNeeded_Text));
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
}
