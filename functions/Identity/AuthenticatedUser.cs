using Microsoft.AspNetCore.Http;

namespace TrainingCycles.Identity;

/// <summary>
/// Who a request comes from, as proven by one sign-in method: the platform's Easy Auth principal (Entra ID on
/// Azure, the dev host's <c>/.auth</c> emulator locally), an email sign-in session cookie, or an automation key
/// mapped to a named service identity. Roles and scopes are not part of it: they are rows the app stores and
/// looks up by <see cref="UserId"/>.
/// </summary>
/// <param name="UserId">Stable id: <c>aad:&lt;object id&gt;</c>, <c>email:&lt;lower-case address&gt;</c>, <c>service:&lt;name&gt;</c>.</param>
/// <param name="DisplayName">The name the audit trail and the dashboard show.</param>
/// <param name="Email">Lower-case address where the method knows one (grants by email match it).</param>
/// <param name="Method">How the person signed in: <c>easyauth</c>, <c>email</c>, <c>service</c>.</param>
public sealed record AuthenticatedUser(string UserId, string DisplayName, string? Email, string Method);

/// <summary>One sign-in method. The authenticator asks each in turn; the first that recognises the request wins.
/// A source that finds a credential it cannot validate (forged, expired, replayed) returns a failure, never a user.</summary>
public interface ICallerSource
{
    Task<CallerResult> AuthenticateAsync(HttpRequest request, CancellationToken cancellationToken);
}

/// <summary>Nothing presented (try the next source), a user, or a credential that was presented and refused.</summary>
public sealed record CallerResult(AuthenticatedUser? User, string? RefusalCode)
{
    public static readonly CallerResult NotPresented = new(null, null);

    public static CallerResult Success(AuthenticatedUser user) => new(user, null);

    public static CallerResult Refused(string code) => new(null, code);
}

/// <summary>The caller the access gate proved for this request (null on anonymous routes). Set once by the gate,
/// read by triggers and the audit trail — never taken from anything the client sent.</summary>
public static class RequestCaller
{
    public static AuthenticatedUser? Of(HttpRequest request) =>
        request.HttpContext.Items.TryGetValue(typeof(AuthenticatedUser), out var user) ? user as AuthenticatedUser : null;

    public static void Set(HttpRequest request, AuthenticatedUser user) => request.HttpContext.Items[typeof(AuthenticatedUser)] = user;
}
