using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using System.Net.Mail;
using TrainingCycles.Infrastructure;
using static TrainingCycles.Infrastructure.Pages;

namespace TrainingCycles.Identity;

/// <summary>
/// Passwordless sign-in by email for staff outside the agency's tenant (agency coordinators, visiting instructors):
/// <c>GET/POST /api/signin</c> (ask for a link), <c>GET/POST /api/signin/link</c> (the link's page: GET only shows a
/// button, so mail scanners that open links use nothing up; the POST redeems it and sets the session cookie),
/// <c>GET /api/signin/session</c> (who is signed in, for the dashboard) and <c>POST /api/signout</c>.
/// </summary>
public sealed class EmailSignInFunctions(EmailSignIn signIn, SessionCookies cookies, IEnumerable<ICallerSource> sources, FormRateLimiter rateLimiter)
{
    public const int MaxFormBytes = 4 * 1024;

    [Function(nameof(ShowSignInForm))]
    public IActionResult ShowSignInForm([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "signin")] HttpRequest request)
    {
        var lang = Language(request);
        return SignInPages.Form(request, lang, null, request.Query["out"] == "1" ? SignInPages.SignedOutNotice : null, StatusCodes.Status200OK);
    }

    [Function(nameof(RequestSignInLink))]
    public async Task<IActionResult> RequestSignInLink([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "signin")] HttpRequest request, CancellationToken cancellationToken)
    {
        var (form, refused) = await ReadFormAsync(request, cancellationToken);
        if (form is null)
        {
            return refused!;
        }

        var lang = Language(request, form["lang"].FirstOrDefault());
        var email = (form["email"].FirstOrDefault() ?? "").Trim().ToLowerInvariant();
        if (email.Length == 0)
        {
            return SignInPages.Form(request, lang, T(lang, "Email wajib diisi.", "Email is required."), null, StatusCodes.Status400BadRequest);
        }

        if (!IsEmail(email))
        {
            return SignInPages.Form(request, lang, T(lang, "Alamat email tidak valid (contoh: nama@kalteng.go.id).", "Not a valid email address (e.g. name@kalteng.go.id)."), null, StatusCodes.Status400BadRequest);
        }

        // Per client address, lightly and per instance (a brake on scripts); the per-address limit that matters is in storage.
        if (!rateLimiter.TryAcquire(request, "signin"))
        {
            request.HttpContext.Response.Headers.RetryAfter = "60";
            return Message(request, lang, StatusCodes.Status429TooManyRequests, "Terlalu banyak permintaan", "Too many requests",
                "Terlalu banyak permintaan dari jaringan Anda. Tunggu satu menit lalu coba lagi.", "Too many requests from your network. Wait a minute and try again.");
        }

        await signIn.RequestLinkAsync(email, lang, cancellationToken);
        return SignInPages.LinkOnItsWay(request, lang);
    }

    [Function(nameof(ShowSignInLink))]
    public IActionResult ShowSignInLink([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "signin/link")] HttpRequest request)
    {
        var token = request.Query["t"].FirstOrDefault();
        var problem = signIn.Read(token, out var link);
        var lang = Language(request);
        return problem switch
        {
            LinkProblem.Expired => SignInPages.Expired(request, lang),
            LinkProblem.Invalid => SignInPages.InvalidLink(request, lang),
            _ => SignInPages.Confirm(request, link!.Language == lang ? lang : Language(request, link.Language), token!),
        };
    }

    [Function(nameof(RedeemSignInLink))]
    public async Task<IActionResult> RedeemSignInLink([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "signin/link")] HttpRequest request, CancellationToken cancellationToken)
    {
        var (form, refused) = await ReadFormAsync(request, cancellationToken);
        if (form is null)
        {
            return refused!;
        }

        var lang = Language(request, form["lang"].FirstOrDefault());
        // Login CSRF: another site must not sign this browser in as someone else by posting that person's link.
        if (!cookies.IsSameOrigin(request))
        {
            return SignInPages.CrossSite(request, lang);
        }

        switch (signIn.Read(form["t"].FirstOrDefault(), out var link))
        {
            case LinkProblem.Expired:
                return SignInPages.Expired(request, lang);
            case LinkProblem.Invalid:
                return SignInPages.InvalidLink(request, lang);
        }

        var (redeemed, noLongerAllowed, displayName) = await signIn.RedeemAsync(link!, cancellationToken);
        if (noLongerAllowed)
        {
            return Message(request, lang, StatusCodes.Status403Forbidden, "Tidak dapat masuk", "Cannot sign in",
                "Alamat ini tidak lagi memiliki akses. Hubungi administrator BPSDM.", "This address no longer has access. Contact the BPSDM administrator.");
        }

        if (!redeemed)
        {
            return SignInPages.AlreadyUsed(request, lang);
        }

        cookies.Issue(request.HttpContext.Response, link!.Email, displayName);
        request.HttpContext.Response.Headers.Location = ApiRoot(request) + "/dashboard" + (lang == "en" ? "?lang=en" : "");
        SecurityHeaders(request.HttpContext.Response);
        return new StatusCodeResult(StatusCodes.Status303SeeOther);
    }

    /// <summary>Who is signed in (any sign-in method), for the dashboard: 200 with the user, 401 without one.</summary>
    [Function(nameof(SignInSession))]
    public async Task<IActionResult> SignInSession([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "signin/session")] HttpRequest request, CancellationToken cancellationToken)
    {
        request.HttpContext.Response.Headers.CacheControl = "no-store";
        // As the access gate does: the first source that finds a credential decides, a refusal included.
        foreach (var source in sources)
        {
            var result = await source.AuthenticateAsync(request, cancellationToken);
            if (result.User is { } user)
            {
                var session = source is SessionCookies ? (await cookies.ReadAsync(request, cancellationToken)).Session : null;
                return Http.Ok(new { user.UserId, user.DisplayName, user.Email, user.Method, signedInAt = session?.IssuedAt, expiresAt = session?.ExpiresAt });
            }

            if (result.RefusalCode is { } refusal)
            {
                var (id, en) = refusal.StartsWith("session_", StringComparison.Ordinal) ? SessionRefusals.Message(refusal) : ("Kredensial ditolak. Silakan masuk lagi.", "The credential was refused. Please sign in again.");
                return Http.Error(StatusCodes.Status401Unauthorized, refusal, id, en);
            }
        }

        return Http.Error(StatusCodes.Status401Unauthorized, "not_signed_in", "Anda belum masuk.", "You are not signed in.");
    }

    [Function(nameof(SignOut))]
    public async Task<IActionResult> SignOut([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "signout")] HttpRequest request, CancellationToken cancellationToken)
    {
        // The form is optional (the dashboard's fetch sends none): only its language is read, and a broken one is ignored.
        var (form, _) = request.HasFormContentType ? await ReadFormAsync(request, cancellationToken) : (null, null);
        var lang = Language(request, form?["lang"].FirstOrDefault());
        if (!cookies.IsSameOrigin(request))
        {
            return SignInPages.CrossSite(request, lang);
        }

        var (session, _) = await cookies.ReadAsync(request, cancellationToken);
        if (session is not null)
        {
            await cookies.EndAsync(session, cancellationToken);
        }

        cookies.Clear(request.HttpContext.Response);
        SecurityHeaders(request.HttpContext.Response);
        if (request.GetTypedHeaders().Accept.Any(a => a.MediaType.Value == "application/json"))
        {
            return Http.Ok(new { signedOut = true });
        }

        request.HttpContext.Response.Headers.Location = ApiRoot(request) + "/signin?out=1" + (lang == "en" ? "&lang=en" : "");
        return new StatusCodeResult(StatusCodes.Status303SeeOther);
    }

    /// <summary>The invitee import's rule (Cycles' <c>InviteeImport.IsEmail</c>, which Identity sits below): one address,
    /// exactly as typed, with a dotted domain.</summary>
    internal static bool IsEmail(string value) =>
        value.Length <= 254 && MailAddress.TryCreate(value, out var parsed) && parsed.Address == value && parsed.Host.Contains('.', StringComparison.Ordinal) && !parsed.Host.EndsWith('.');

    /// <summary><c>/api</c> (the route prefix) from this request's path, so redirects stay on the host the browser used.</summary>
    private static string ApiRoot(HttpRequest request)
    {
        var path = (request.PathBase + request.Path).Value ?? "";
        var at = path.LastIndexOf("/sign", StringComparison.Ordinal);
        return at >= 0 ? path[..at] : "/api";
    }

    private static async Task<(IFormCollection? Form, IActionResult? Refused)> ReadFormAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var lang = Language(request);
        if (request.ContentLength is null or > MaxFormBytes)
        {
            return (null, Message(request, lang, request.ContentLength is null ? StatusCodes.Status411LengthRequired : StatusCodes.Status413PayloadTooLarge,
                "Isian ditolak", "Submission refused", "Kirim formulir dari halaman masuk.", "Send the form from the sign-in page."));
        }

        if (!request.HasFormContentType)
        {
            return (null, Message(request, lang, StatusCodes.Status415UnsupportedMediaType, "Format tidak didukung", "Unsupported format",
                "Kirim formulir dari halaman masuk.", "Send the form from the sign-in page."));
        }

        try
        {
            return (await request.ReadFormAsync(cancellationToken), null);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or BadHttpRequestException)
        {
            return (null, Message(request, lang, StatusCodes.Status400BadRequest, "Isian tidak terbaca", "Unreadable submission",
                "Formulir tidak dapat dibaca. Muat ulang halaman lalu coba lagi.", "The form could not be read. Reload the page and try again."));
        }
    }
}

/// <summary>The sign-in pages' HTML, in one place (to move into views with the others).</summary>
internal static class SignInPages
{
    public static readonly (string Id, string En) SignedOutNotice = ("Anda telah keluar.", "You are signed out.");

    public static IActionResult Form(HttpRequest request, string lang, string? error, (string Id, string En)? notice, int status)
    {
        var title = T(lang, "Masuk dengan email", "Sign in by email");
        var body = new StringBuilder(LanguageSwitch(request, lang)).Append("<h1>").Append(H(title)).Append("</h1>");
        if (notice is { } n)
        {
            body.Append("<div class=\"success\" role=\"status\"><p>").Append(H(T(lang, n.Id, n.En))).Append("</p></div>");
        }

        body.Append("<p>").Append(H(T(lang,
                "Untuk staf yang tidak memiliki akun instansi (koordinator OPD, widyaiswara tamu): kami kirimkan tautan masuk sekali pakai ke email Anda.",
                "For staff without an agency account (agency coordinators, visiting instructors): we email you a single-use sign-in link."))).Append("</p>")
            .Append("<form method=\"post\" action=\"").Append(H((request.PathBase + request.Path).Value)).Append("\" novalidate>")
            .Append("<input type=\"hidden\" name=\"lang\" value=\"").Append(lang).Append("\">")
            .Append("<div class=\"field").Append(error is null ? "" : " invalid").Append("\">")
            .Append("<label for=\"email\">").Append(H(T(lang, "Alamat email", "Email address"))).Append("</label>");
        if (error is not null)
        {
            body.Append("<span class=\"error\" id=\"email-error\">").Append(H(error)).Append("</span>");
        }

        body.Append("<input type=\"email\" id=\"email\" name=\"email\" autocomplete=\"email\" maxlength=\"254\" spellcheck=\"false\" required")
            .Append(error is null ? "" : " aria-invalid=\"true\" aria-describedby=\"email-error\" autofocus").Append('>')
            .Append("</div><button type=\"submit\">").Append(H(T(lang, "Kirim tautan masuk", "Send me a sign-in link"))).Append("</button></form>");
        return Render(request, lang, (error is null ? "" : T(lang, "Kesalahan: ", "Error: ")) + title, body.ToString(), status);
    }

    /// <summary>The one answer to a well-formed request, whether or not the address may sign in (and whether or not a
    /// mail went out): the page never tells a stranger which addresses have access.</summary>
    public static IActionResult LinkOnItsWay(HttpRequest request, string lang) =>
        Render(request, lang, T(lang, "Periksa email Anda", "Check your email"),
            "<h1>" + H(T(lang, "Periksa email Anda", "Check your email")) + "</h1><div class=\"card\" role=\"status\"><p>" +
            H(T(lang,
                "Jika alamat ini boleh masuk, tautan masuk sedang dikirim ke sana. Tautan berlaku beberapa menit dan hanya sekali pakai.",
                "If this address may sign in, a sign-in link is on its way to it. The link works for a few minutes and only once.")) +
            "</p><p>" + H(T(lang,
                "Tidak menerima email? Periksa folder spam, atau hubungi administrator BPSDM untuk memastikan alamat Anda terdaftar.",
                "No email? Check your spam folder, or ask the BPSDM administrator whether your address is registered.")) + "</p></div>");

    public static IActionResult Confirm(HttpRequest request, string lang, string token)
    {
        var title = T(lang, "Masuk", "Sign in");
        var body = new StringBuilder("<h1>").Append(H(title)).Append("</h1><p>")
            .Append(H(T(lang, "Tekan tombol di bawah untuk masuk. Tautan ini hanya dapat dipakai sekali.", "Press the button below to sign in. This link can be used only once.")))
            .Append("</p><form method=\"post\" action=\"").Append(H((request.PathBase + request.Path).Value)).Append("\">")
            .Append("<input type=\"hidden\" name=\"t\" value=\"").Append(H(token)).Append("\">")
            .Append("<input type=\"hidden\" name=\"lang\" value=\"").Append(lang).Append("\">")
            .Append("<button type=\"submit\">").Append(H(T(lang, "Masuk", "Sign in"))).Append("</button></form>");
        return Render(request, lang, title, body.ToString());
    }

    public static IActionResult Expired(HttpRequest request, string lang) =>
        WithNewLinkOffer(request, lang, StatusCodes.Status410Gone, "Tautan kedaluwarsa", "Link expired",
            "Tautan masuk ini sudah kedaluwarsa. Minta tautan baru.", "This sign-in link has expired. Ask for a new one.");

    public static IActionResult InvalidLink(HttpRequest request, string lang) =>
        WithNewLinkOffer(request, lang, StatusCodes.Status400BadRequest, "Tautan tidak valid", "Invalid link",
            "Tautan masuk ini tidak valid (mungkin terpotong saat disalin). Buka tautan dari email, atau minta tautan baru.",
            "This sign-in link is not valid (it may have been cut off when copied). Open the link from the email, or ask for a new one.");

    public static IActionResult AlreadyUsed(HttpRequest request, string lang) =>
        WithNewLinkOffer(request, lang, StatusCodes.Status409Conflict, "Tautan sudah dipakai", "Link already used",
            "Tautan masuk ini sudah dipakai dan tidak dapat dipakai lagi. Minta tautan baru bila Anda perlu masuk.",
            "This sign-in link has already been used and cannot be used again. Ask for a new one if you need to sign in.");

    public static IActionResult CrossSite(HttpRequest request, string lang) =>
        WithNewLinkOffer(request, lang, StatusCodes.Status403Forbidden, "Permintaan ditolak", "Request refused",
            "Permintaan ini tidak berasal dari halaman aplikasi ini. Buka halaman masuk lalu coba lagi.",
            "This request did not come from this app's own pages. Open the sign-in page and try again.");

    private static IActionResult WithNewLinkOffer(HttpRequest request, string lang, int status, string titleId, string titleEn, string textId, string textEn)
    {
        var path = (request.PathBase + request.Path).Value ?? "";
        var at = path.LastIndexOf("/sign", StringComparison.Ordinal);
        var signInPage = (at >= 0 ? path[..at] : "/api") + "/signin" + (lang == "en" ? "?lang=en" : "");
        return Render(request, lang, T(lang, titleId, titleEn),
            $"<h1>{H(T(lang, titleId, titleEn))}</h1><p>{H(T(lang, textId, textEn))}</p><p><a href=\"{H(signInPage)}\">{H(T(lang, "Minta tautan masuk baru", "Ask for a new sign-in link"))}</a></p>", status);
    }
}
