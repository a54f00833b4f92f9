using Microsoft.AspNetCore.Http;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Identity;

/// <summary>The audit trail's "who" for an HTTP request: the caller the access gate proved, with the client address.</summary>
public static class AuditActors
{
    /// <summary>
    /// The proven caller of <paramref name="request"/>. A service identity (automation) may name the officer it acts
    /// for (<paramref name="onBehalfOf"/>, shown as the name; the id stays the service's). Without a caller (a route the
    /// gate does not cover) the id says <c>unauthenticated</c>.
    /// </summary>
    public static AuditActor Of(HttpRequest request, string? onBehalfOf = null)
    {
        var from = request.HttpContext.Connection.RemoteIpAddress?.ToString();
        var typed = PlainText.Line(onBehalfOf, 200);
        return RequestCaller.Of(request) switch
        {
            // A person who signed in is who acted; a name they type does not change that.
            { Method: not "service" } user => new AuditActor(user.UserId, user.DisplayName, user.Method, from),
            // Automation may say for whom it acts (a script run for a named officer); the id still names the key.
            { } service => new AuditActor(service.UserId, typed.Length > 0 ? typed : service.DisplayName, service.Method, from),
            null => new AuditActor("unauthenticated", typed.Length > 0 ? typed : "unauthenticated", "none", from),
        };
    }

    /// <summary>A participant acting through their own link or the open form, from the request's address.</summary>
    public static AuditActor Participant(HttpRequest request) => AuditActor.Participant(request.HttpContext.Connection.RemoteIpAddress?.ToString());
}
