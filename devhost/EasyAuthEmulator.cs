using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Routing;

namespace TrainingCycles.DevHost;

/// <summary>
/// Local stand-in for App Service Authentication (Easy Auth), the way the Static Web Apps CLI emulates it: every
/// request loses the <c>X-MS-CLIENT-PRINCIPAL*</c> headers a client sent (as Easy Auth strips them), and a person
/// signed in here gets them set from the emulator's cookie. <c>/.auth/login</c> (a page to type a user id, name and
/// email; <c>/.auth/login/aad</c> leads there), <c>/.auth/me</c>, <c>/.auth/logout</c>. Only the dev host has it;
/// roles are not typed here: they are the app's grants.
/// </summary>
internal static class EasyAuthEmulator
{
    public const string CookieName = "AppServiceAuthSession";
    private const string HeaderPrefix = "X-MS-CLIENT-PRINCIPAL";
    private const string TokenHeaderPrefix = "X-MS-TOKEN-";
    private const string DefaultRedirect = "/api/dashboard";

    private sealed record Person(string Id, string Name, string? Email);

    /// <summary>Strips what the client sent, then sets the principal of the emulator's signed-in person.</summary>
    public static void UseHeaders(IApplicationBuilder app, IDataProtector protector)
    {
        app.Use(async (context, next) =>
        {
            foreach (var name in context.Request.Headers.Keys.Where(k => k.StartsWith(HeaderPrefix, StringComparison.OrdinalIgnoreCase) || k.StartsWith(TokenHeaderPrefix, StringComparison.OrdinalIgnoreCase)).ToList())
            {
                context.Request.Headers.Remove(name);
            }

            if (Read(context, protector) is { } person)
            {
                context.Request.Headers[HeaderPrefix] = Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(Principal(person)));
                context.Request.Headers[HeaderPrefix + "-ID"] = person.Id;
                context.Request.Headers[HeaderPrefix + "-NAME"] = person.Email ?? person.Name;
                context.Request.Headers[HeaderPrefix + "-IDP"] = "aad";
            }

            await next();
        });
    }

    public static void Map(IEndpointRouteBuilder endpoints, IDataProtector protector)
    {
        endpoints.MapGet("/.auth/login/aad", (HttpContext context) =>
            Results.Redirect("/.auth/login" + QueryString.Create("post_login_redirect_uri", Redirect(context.Request.Query["post_login_redirect_uri"], DefaultRedirect))));
        endpoints.MapGet("/.auth/login", (HttpContext context) => Page(context, null));
        endpoints.MapPost("/.auth/login", async (HttpContext context) =>
        {
            if (context.Request.Headers.Origin.FirstOrDefault() is { Length: > 0 } origin &&
                !string.Equals(origin, $"{context.Request.Scheme}://{context.Request.Host}", StringComparison.OrdinalIgnoreCase))
            {
                return Results.StatusCode(StatusCodes.Status403Forbidden);
            }

            var form = await context.Request.ReadFormAsync();
            var email = Clean(form["email"], 254)?.ToLowerInvariant();
            var name = Clean(form["name"], 200);
            var id = Clean(form["userId"], 128);
            if (email is not null && (email.Count(c => c == '@') != 1 || email.StartsWith('@') || email.EndsWith('@')))
            {
                return Page(context, "Alamat email tidak sah. / The email address is not valid.");
            }

            if (email is null && id is null)
            {
                return Page(context, "Isi email atau id pengguna. / Give an email or a user id.");
            }

            if (id is not null && id.Any(c => c is '/' or '\\' or '#' or '?'))
            {
                return Page(context, "Id pengguna tidak boleh memuat / \\ # ?. / A user id cannot hold / \\ # ?.");
            }

            // No id typed: a stable one from the address, so the same person is the same user next time.
            id ??= "local-" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(email!)))[..16].ToLowerInvariant();
            var person = new Person(id, name ?? email ?? id, email);
            context.Response.Cookies.Append(CookieName, protector.Protect(JsonSerializer.Serialize(person)),
                new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Lax, Secure = context.Request.IsHttps, Path = "/" });
            return Results.Redirect(Redirect(form["post_login_redirect_uri"], DefaultRedirect));
        });
        endpoints.MapGet("/.auth/me", (HttpContext context) =>
        {
            var person = Read(context, protector);
            context.Response.Headers.CacheControl = "no-store";
            return Results.Json(new
            {
                clientPrincipal = person is null ? null : new
                {
                    identityProvider = "aad",
                    userId = person.Id,
                    userDetails = person.Email ?? person.Name,
                    userRoles = new[] { "anonymous", "authenticated" },
                    claims = Claims(person).Select(c => new { typ = c.Typ, val = c.Val }),
                },
            });
        });
        endpoints.MapGet("/.auth/logout", (HttpContext context) =>
        {
            context.Response.Cookies.Delete(CookieName, new CookieOptions { Path = "/" });
            return Results.Redirect(Redirect(context.Request.Query["post_logout_redirect_uri"], DefaultRedirect));
        });
    }

    private static Person? Read(HttpContext context, IDataProtector protector)
    {
        if (context.Request.Cookies[CookieName] is not { Length: > 0 } cookie)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<Person>(protector.Unprotect(cookie));
        }
        catch (Exception e) when (e is CryptographicException or JsonException or FormatException)
        {
            return null; // a cookie of an earlier run (the key ring is per process) or a forged one: not signed in
        }
    }

    private static object Principal(Person person) => new
    {
        auth_typ = "aad",
        name_typ = "name",
        role_typ = "roles",
        claims = Claims(person).Select(c => new { typ = c.Typ, val = c.Val }),
    };

    private static IEnumerable<(string Typ, string Val)> Claims(Person person)
    {
        yield return ("http://schemas.microsoft.com/identity/claims/objectidentifier", person.Id);
        yield return ("name", person.Name);
        if (person.Email is not null)
        {
            yield return ("preferred_username", person.Email);
        }
    }

    private static string? Clean(string? value, int max)
    {
        var text = value?.Trim();
        return string.IsNullOrEmpty(text) || text.Length > max || text.Any(char.IsControl) ? null : text;
    }

    /// <summary>Only a path on this site (no open redirect).</summary>
    private static string Redirect(string? target, string fallback) =>
        target is { Length: > 0 } t && t.StartsWith('/') && !t.StartsWith("//", StringComparison.Ordinal) && !t.StartsWith("/\\", StringComparison.Ordinal) && !t.Any(char.IsControl) ? t : fallback;

    private static IResult Page(HttpContext context, string? error)
    {
        var h = HtmlEncoder.Default;
        var redirect = Redirect(context.Request.HasFormContentType ? context.Request.Form["post_login_redirect_uri"].ToString() : context.Request.Query["post_login_redirect_uri"].ToString(), DefaultRedirect);
        var admins = context.RequestServices.GetRequiredService<IConfiguration>()["TrainingCycles:Access:FirstAdministrators"] ?? "";
        var html = new StringBuilder()
            .Append("<!doctype html><html lang=\"id\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append("<title>Masuk (emulator lokal) / Sign in (local emulator)</title></head><body><main>")
            .Append("<h1>Masuk — emulator Easy Auth lokal <small lang=\"en\">/ Sign in — local Easy Auth emulator</small></h1>")
            .Append("<p>Hanya di dev host. Di Azure, Entra ID yang memeriksa. Peran diatur administrator di dasbor. <span lang=\"en\">Dev host only; on Azure, Entra ID signs people in. Roles are granted by an administrator in the dashboard.</span></p>");
        if (admins.Length > 0)
        {
            html.Append("<p>Administrator pertama / First administrators: <code>").Append(h.Encode(admins)).Append("</code></p>");
        }

        if (error is not null)
        {
            html.Append("<p role=\"alert\">").Append(h.Encode(error)).Append("</p>");
        }

        html.Append("<form method=\"post\" action=\"/.auth/login\">")
            .Append("<input type=\"hidden\" name=\"post_login_redirect_uri\" value=\"").Append(h.Encode(redirect)).Append("\">")
            .Append("<p><label for=\"email\">Email</label><br><input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"email\" size=\"40\"></p>")
            .Append("<p><label for=\"name\">Nama tampilan / Display name</label><br><input id=\"name\" name=\"name\" autocomplete=\"name\" size=\"40\"></p>")
            .Append("<p><label for=\"userId\">Id pengguna (opsional) / User id (optional)</label><br><input id=\"userId\" name=\"userId\" size=\"40\"></p>")
            .Append("<p><button type=\"submit\">Masuk / Sign in</button></p></form></main></body></html>");
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
        headers.XContentTypeOptions = "nosniff";
        headers.CacheControl = "no-store";
        return Results.Content(html.ToString(), "text/html; charset=utf-8", Encoding.UTF8, error is null ? StatusCodes.Status200OK : StatusCodes.Status422UnprocessableEntity);
    }
}
