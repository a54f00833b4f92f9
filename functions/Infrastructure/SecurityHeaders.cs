using Microsoft.AspNetCore.Http;

namespace TrainingCycles.Infrastructure;

/// <summary>
/// The one place that sets the browser security headers. Two policies: <see cref="ForPage"/> for server-rendered
/// pages (inline styles, a script only with the page's nonce, no camera) and <see cref="ForApp"/> for the organizer
/// dashboard (scripts and styles only from this origin, the camera for the door scanner).
/// </summary>
public static class SecurityHeaders
{
    /// <summary>Every page: nothing cached (personal pages), no framing, no sniffing, a strict CSP.</summary>
    public static void ForPage(HttpResponse response, string? scriptNonce = null)
    {
        var headers = response.Headers;
        headers.CacheControl = "no-store";
        headers.Pragma = "no-cache";
        Common(headers, "camera=(), microphone=(), geolocation=()");
        var script = scriptNonce is null ? "'none'" : $"'nonce-{scriptNonce}'";
        headers.ContentSecurityPolicy = $"default-src 'none'; script-src {script}; style-src 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
    }

    /// <summary>
    /// The dashboard and its assets: scripts and styles only from this origin (no inline code at all), requests only
    /// to this origin, never framed. Cache-Control is the caller's.
    /// </summary>
    public static void ForApp(HttpResponse response)
    {
        // The camera for this origin only: an organizer's phone reads participants' QR codes at the door.
        Common(response.Headers, "camera=(self), microphone=(), geolocation=()");
        response.Headers.ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
    }

    private static void Common(IHeaderDictionary headers, string permissions)
    {
        headers["X-Content-Type-Options"] = "nosniff";
        headers["X-Frame-Options"] = "DENY";
        // Participant links carry tokens in the query string: never leak them to other sites through Referer.
        headers["Referrer-Policy"] = "no-referrer";
        headers["Permissions-Policy"] = permissions;
    }
}
