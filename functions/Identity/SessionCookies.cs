using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Identity;

/// <summary>What an email sign-in session cookie carries (inside Data Protection: encrypted and authenticated).</summary>
public sealed record SessionPayload(string UserId, string DisplayName, string Email, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt, string SessionId);

/// <summary>
/// The email sign-in session cookie, and the <see cref="ICallerSource"/> that reads it.
/// <list type="bullet">
/// <item>Protected with ASP.NET Core Data Protection (application name fixed, key ring in Blob storage wrapped with a Key
/// Vault secret): every instance reads every cookie; a changed byte fails authentication.</item>
/// <item><c>HttpOnly</c>, <c>SameSite=Strict</c>, <c>Path=/</c>, and <c>Secure</c> with the <c>__Host-</c> prefix whenever the
/// public URL is https. Only a dev host on http://localhost gets a plain, non-Secure cookie: a non-browser client
/// (tests, scripts) does not send a Secure cookie over http.</item>
/// <item>Absolute lifetime from sign-in (<c>SessionHours</c>, 8): a stolen copy has a fixed end, and nothing re-issues it.</item>
/// <item>Signed out (<c>POST /api/signout</c>) → a row by session id; every read checks it (one point read per request).</item>
/// <item>CSRF: on unsafe methods (anything but GET/HEAD/OPTIONS) the cookie counts only with an <c>Origin</c> of this app (or,
/// without Origin, <c>Sec-Fetch-Site: same-origin</c>). SameSite=Strict already keeps the cookie off cross-site requests;
/// the Origin check also covers same-site neighbours and browsers without SameSite.</item>
/// </list>
/// </summary>
public sealed class SessionCookies : ICallerSource
{
    public const string Purpose = "TrainingCycles.SignIn.Session.v1";
    public const string SecureCookieName = "__Host-tc-session";
    public const string LocalCookieName = "tc-session";
    private const int MaxCookieLength = 3000;

    private readonly IDataProtector _protector;
    private readonly SignInStore _store;
    private readonly TimeProvider _time;
    private readonly EmailSignInOptions _options;
    private readonly Uri _publicBase;

    public SessionCookies(IDataProtectionProvider protection, SignInStore store, TimeProvider time, IOptions<EmailSignInOptions> options, IOptions<TrainingCyclesOptions> app)
    {
        _protector = protection.CreateProtector(Purpose);
        _store = store;
        _time = time;
        _options = options.Value;
        _publicBase = app.Value.PublicBaseUri;
        Secure = !(_publicBase.Scheme == Uri.UriSchemeHttp && _publicBase.IsLoopback);
    }

    /// <summary>False only for a dev host whose public URL is http on a loopback host.</summary>
    public bool Secure { get; }

    public string CookieName => Secure ? SecureCookieName : LocalCookieName;

    /// <summary>Starts a session for a redeemed link: sets the cookie and returns what it holds.</summary>
    public SessionPayload Issue(HttpResponse response, string email, string displayName)
    {
        var now = _time.GetUtcNow();
        var payload = new SessionPayload("email:" + email, displayName, email, now, now + _options.SessionLifetime, Ids.New("ss", 24));
        var json = JsonSerializer.SerializeToUtf8Bytes(new Wire(1, payload.UserId, payload.DisplayName, payload.Email, payload.IssuedAt.ToUnixTimeSeconds(), payload.ExpiresAt.ToUnixTimeSeconds(), payload.SessionId));
        response.Cookies.Append(CookieName, Base64Url.EncodeToString(_protector.Protect(json)), CookieOptions(payload.ExpiresAt));
        return payload;
    }

    /// <summary>Records the session as signed out: any copy of its cookie is refused from now on, on every instance.</summary>
    public Task EndAsync(SessionPayload session, CancellationToken cancellationToken) => _store.EndSessionAsync(session.SessionId, cancellationToken);

    public void Clear(HttpResponse response) => response.Cookies.Delete(CookieName, CookieOptions(null));

    /// <summary>The session in the request's cookie, or why not: <c>null</c> problem and null payload = no cookie.</summary>
    public async Task<(SessionPayload? Session, string? Problem)> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!request.Cookies.TryGetValue(CookieName, out var value) || string.IsNullOrEmpty(value))
        {
            return (null, null);
        }

        if (value.Length > MaxCookieLength)
        {
            return (null, SessionRefusals.Invalid);
        }

        Wire? wire;
        try
        {
            wire = JsonSerializer.Deserialize<Wire>(_protector.Unprotect(Base64Url.DecodeFromChars(value)));
        }
        catch (Exception e) when (e is CryptographicException or FormatException or JsonException)
        {
            return (null, SessionRefusals.Invalid);
        }

        if (wire is not { V: 1 } || string.IsNullOrEmpty(wire.Sid) || string.IsNullOrEmpty(wire.Uid))
        {
            return (null, SessionRefusals.Invalid);
        }

        var session = new SessionPayload(wire.Uid, wire.Name ?? wire.Email ?? "", wire.Email ?? "", DateTimeOffset.FromUnixTimeSeconds(wire.Iat), DateTimeOffset.FromUnixTimeSeconds(wire.Exp), wire.Sid);
        if (session.ExpiresAt <= _time.GetUtcNow())
        {
            return (null, SessionRefusals.Expired);
        }

        if (await _store.IsSessionEndedAsync(session.SessionId, cancellationToken))
        {
            return (null, SessionRefusals.Ended);
        }

        return (session, null);
    }

    public async Task<CallerResult> AuthenticateAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!request.Cookies.ContainsKey(CookieName))
        {
            return CallerResult.NotPresented;
        }

        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && !HttpMethods.IsOptions(request.Method) && !IsSameOrigin(request))
        {
            return CallerResult.Refused(SessionRefusals.CrossSite);
        }

        var (session, problem) = await ReadAsync(request, cancellationToken);
        return session is null
            ? CallerResult.Refused(problem ?? SessionRefusals.Invalid)
            : CallerResult.Success(new AuthenticatedUser(session.UserId, session.DisplayName, session.Email, "email"));
    }

    /// <summary>True when a browser says the request comes from this app's own pages: <c>Origin</c> is the public URL's
    /// origin or the request's own host; when Origin is absent or <c>null</c>, <c>Sec-Fetch-Site: same-origin</c> (a header
    /// no page can set). Our pages send <c>Referrer-Policy: no-referrer</c>, under which browsers post forms with
    /// <c>Origin: null</c>, so the form buttons are recognised by Sec-Fetch-Site. Neither → false (fail closed).</summary>
    public bool IsSameOrigin(HttpRequest request)
    {
        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0 && origin != "null")
        {
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.AbsolutePath != "/" || uri.Scheme is not ("http" or "https"))
            {
                return false;
            }

            return string.Equals(uri.GetLeftPart(UriPartial.Authority), _publicBase.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase) ||
                   string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);
        }

        return string.Equals(request.Headers["Sec-Fetch-Site"].ToString(), "same-origin", StringComparison.OrdinalIgnoreCase);
    }

    private CookieOptions CookieOptions(DateTimeOffset? expires) => new()
    {
        HttpOnly = true,
        Secure = Secure,
        SameSite = SameSiteMode.Strict,
        Path = "/",
        Expires = expires,
        IsEssential = true,
    };

    private sealed record Wire(int V, string Uid, string? Name, string? Email, long Iat, long Exp, string Sid);
}

/// <summary>Refusal codes of the email sign-in source, with the message the gate shows (Bahasa Indonesia, English).</summary>
public static class SessionRefusals
{
    public const string Invalid = "session_invalid";
    public const string Expired = "session_expired";
    public const string Ended = "session_ended";
    public const string CrossSite = "session_cross_site";

    public static (string Id, string En) Message(string code) => Text.Both(code switch
    {
        Expired => nameof(Texts.Access_Session_Expired),
        Ended => nameof(Texts.Access_Session_Ended),
        CrossSite => nameof(Texts.Access_Session_CrossSite),
        _ => nameof(Texts.Access_Session_Invalid),
    });
}
