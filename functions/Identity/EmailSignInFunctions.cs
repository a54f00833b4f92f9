using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using System.Net.Mail;
using TrainingCycles.Identity.Views;
using TrainingCycles.Infrastructure;
using TrainingCycles.Infrastructure.Views;
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
        return SignInPages.Form(lang, null, request.Query["out"] == "1" ? SignInPages.SignedOutNotice : null, StatusCodes.Status200OK);
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
            return SignInPages.Form(lang, nameof(Texts.SignIn_EmailRequired), null, StatusCodes.Status400BadRequest);
        }

        if (!IsEmail(email))
        {
            return SignInPages.Form(lang, nameof(Texts.SignIn_EmailInvalid), null, StatusCodes.Status400BadRequest);
        }

        // Per client address, lightly and per instance (a brake on scripts); the per-address limit that matters is in storage.
        if (!rateLimiter.TryAcquire(request, "signin"))
        {
            request.HttpContext.Response.Headers.RetryAfter = "60";
            return View.Message(lang, StatusCodes.Status429TooManyRequests, nameof(Texts.SignIn_TooMany_Title), nameof(Texts.SignIn_TooMany_Text));
        }

        await signIn.RequestLinkAsync(email, lang, cancellationToken);
        return SignInPages.LinkOnItsWay(lang);
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
            _ => SignInPages.Confirm(link!.Language == lang ? lang : Language(request, link.Language), token!),
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
            return View.Message(lang, StatusCodes.Status403Forbidden, nameof(Texts.SignIn_NoLongerAllowed_Title), nameof(Texts.SignIn_NoLongerAllowed_Text));
        }

        if (!redeemed)
        {
            return SignInPages.AlreadyUsed(request, lang);
        }

        cookies.Issue(request.HttpContext.Response, link!.Email, displayName);
        request.HttpContext.Response.Headers.Location = ApiRoot(request) + "/dashboard" + (lang == "en" ? "?lang=en" : "");
        Infrastructure.SecurityHeaders.ForPage(request.HttpContext.Response);
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
                var (id, en) = refusal.StartsWith("session_", StringComparison.Ordinal) ? SessionRefusals.Message(refusal) : Text.Both(nameof(Texts.Access_CredentialRefused));
                return new ObjectResult(new { error = new ApiError(refusal, id, en) }) { StatusCode = StatusCodes.Status401Unauthorized };
            }
        }

        return Http.Error(StatusCodes.Status401Unauthorized, "not_signed_in", nameof(Texts.SignIn_NotSignedIn));
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
        Infrastructure.SecurityHeaders.ForPage(request.HttpContext.Response);
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
            return (null, View.Message(lang, request.ContentLength is null ? StatusCodes.Status411LengthRequired : StatusCodes.Status413PayloadTooLarge,
                nameof(Texts.SignIn_Refused_Title), nameof(Texts.SignIn_UseThePage)));
        }

        if (!request.HasFormContentType)
        {
            return (null, View.Message(lang, StatusCodes.Status415UnsupportedMediaType, nameof(Texts.SignIn_Unsupported_Title), nameof(Texts.SignIn_UseThePage)));
        }

        try
        {
            return (await request.ReadFormAsync(cancellationToken), null);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or BadHttpRequestException)
        {
            return (null, View.Message(lang, StatusCodes.Status400BadRequest, nameof(Texts.SignIn_Unreadable_Title), nameof(Texts.SignIn_Unreadable_Text)));
        }
    }
}

/// <summary>The sign-in pages (views in Identity/Views), chosen in one place.</summary>
internal static class SignInPages
{
    public const string SignedOutNotice = nameof(Texts.SignIn_SignedOut);

    public static IActionResult Form(string lang, string? errorKey, string? noticeKey, int status) =>
        View.Page<SignInFormPage>(lang, new SignInFormPage.Data(errorKey, noticeKey), status);

    /// <summary>The one answer to a well-formed request, whether or not the address may sign in (and whether or not a
    /// mail went out): the page never tells a stranger which addresses have access.</summary>
    public static IActionResult LinkOnItsWay(string lang) => View.Page<SignInLinkSentPage>(lang);

    public static IActionResult Confirm(string lang, string token) => View.Page<SignInConfirmPage>(lang, token);

    public static IActionResult Expired(HttpRequest request, string lang) =>
        WithNewLinkOffer(request, lang, StatusCodes.Status410Gone, nameof(Texts.SignIn_Expired_Title), nameof(Texts.SignIn_Expired_Text));

    public static IActionResult InvalidLink(HttpRequest request, string lang) =>
        WithNewLinkOffer(request, lang, StatusCodes.Status400BadRequest, nameof(Texts.SignIn_Invalid_Title), nameof(Texts.SignIn_Invalid_Text));

    public static IActionResult AlreadyUsed(HttpRequest request, string lang) =>
        WithNewLinkOffer(request, lang, StatusCodes.Status409Conflict, nameof(Texts.SignIn_Used_Title), nameof(Texts.SignIn_Used_Text));

    public static IActionResult CrossSite(HttpRequest request, string lang) =>
        WithNewLinkOffer(request, lang, StatusCodes.Status403Forbidden, nameof(Texts.SignIn_CrossSite_Title), nameof(Texts.SignIn_CrossSite_Text));

    private static IActionResult WithNewLinkOffer(HttpRequest request, string lang, int status, string titleKey, string textKey)
    {
        var path = (request.PathBase + request.Path).Value ?? "";
        var at = path.LastIndexOf("/sign", StringComparison.Ordinal);
        var signInPage = (at >= 0 ? path[..at] : "/api") + "/signin" + (lang == "en" ? "?lang=en" : "");
        return View.Page<SignInNewLinkPage>(lang, new SignInNewLinkPage.Data(titleKey, textKey, signInPage), status);
    }
}
