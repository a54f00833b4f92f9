using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;

namespace TrainingCycles.Infrastructure;

/// <summary>
/// Server-rendered pages for participants and organizers: one layout, Bahasa Indonesia first, English on
/// request, security headers on every page. Pages work without JavaScript; a page that needs a script passes
/// it in and gets a CSP nonce for it.
/// </summary>
public static class Pages
{
    /// <summary>"id" unless the caller asked for English: <c>?lang=en</c>, a form field, or Accept-Language preferring en.</summary>
    public static string Language(HttpRequest request, string? formValue = null)
    {
        var explicitLang = formValue ?? request.Query["lang"].FirstOrDefault();
        if (explicitLang is "en" or "id")
        {
            return explicitLang;
        }

        var accept = request.GetTypedHeaders().AcceptLanguage;
        var best = accept?.OrderByDescending(a => a.Quality ?? 1).Select(a => a.Value.Value ?? "").FirstOrDefault(v => v.StartsWith("en", StringComparison.OrdinalIgnoreCase) || v.StartsWith("id", StringComparison.OrdinalIgnoreCase) || v.StartsWith("ms", StringComparison.OrdinalIgnoreCase));
        return best is not null && best.StartsWith("en", StringComparison.OrdinalIgnoreCase) ? "en" : "id";
    }

    /// <summary>HTML-encodes text for element content and quoted attribute values.</summary>
    public static string H(string? text) => WebUtility.HtmlEncode(text ?? "");

    public static string T(string lang, string id, string en) => lang == "en" ? en : id;

    /// <summary>Sets the headers every page carries: nothing cached (personal pages), no framing, no sniffing, a strict CSP.</summary>
    public static void SecurityHeaders(HttpResponse response, string? scriptNonce = null)
    {
        var headers = response.Headers;
        headers.CacheControl = "no-store";
        headers.Pragma = "no-cache";
        headers["X-Content-Type-Options"] = "nosniff";
        headers["X-Frame-Options"] = "DENY";
        // Participant links carry tokens in the query string: never leak them to other sites through Referer.
        headers["Referrer-Policy"] = "no-referrer";
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()";
        var script = scriptNonce is null ? "'none'" : $"'nonce-{scriptNonce}'";
        headers.ContentSecurityPolicy = $"default-src 'none'; script-src {script}; style-src 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
    }

    public static string NewNonce() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));

    /// <summary>A complete page. <paramref name="body"/> is trusted HTML built with <see cref="H"/>.</summary>
    public static IActionResult Render(HttpRequest request, string lang, string title, string body, int status = StatusCodes.Status200OK, string? script = null, string? headExtra = null)
    {
        var nonce = script is null ? null : NewNonce();
        SecurityHeaders(request.HttpContext.Response, nonce);
        var html = new StringBuilder(body.Length + 4096);
        html.Append("<!doctype html><html lang=\"").Append(lang).Append("\"><head><meta charset=\"utf-8\">")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append("<meta name=\"robots\" content=\"noindex\">")
            .Append("<link rel=\"icon\" href=\"data:,\">")
            .Append("<title>").Append(H(title)).Append("</title>")
            .Append("<style>").Append(Css).Append("</style>")
            .Append(headExtra ?? "")
            .Append("</head><body><a class=\"skip\" href=\"#main\">").Append(T(lang, "Langsung ke isi", "Skip to content")).Append("</a>")
            .Append("<main id=\"main\">").Append(body).Append("</main>");
        if (script is not null)
        {
            html.Append("<script nonce=\"").Append(nonce).Append("\">").Append(script).Append("</script>");
        }

        html.Append("</body></html>");
        return new ContentResult { Content = html.ToString(), ContentType = "text/html; charset=utf-8", StatusCode = status };
    }

    /// <summary>A short page that says one thing (closed, not found, refused…), with a heading and a paragraph.</summary>
    public static IActionResult Message(HttpRequest request, string lang, int status, string titleId, string titleEn, string textId, string textEn) =>
        Render(request, lang, T(lang, titleId, titleEn),
            $"<h1>{H(T(lang, titleId, titleEn))}</h1><p>{H(T(lang, textId, textEn))}</p>", status);

    /// <summary>
    /// A refusal page for a form post that could not be handled now (busy, briefly unavailable): the message, then
    /// the person's answers as hidden fields behind a "send again" button, so nothing they typed is lost. The honeypot
    /// is never echoed; only a form already read (and bounded by its route's limits) is echoed, values are encoded.
    /// </summary>
    public static IActionResult RetryMessage(HttpRequest request, string lang, int status, string titleId, string titleEn, string textId, string textEn)
    {
        var body = new StringBuilder($"<h1>{H(T(lang, titleId, titleEn))}</h1><p>{H(T(lang, textId, textEn))}</p>");
        if (request.HttpContext.Features.Get<IFormFeature>()?.Form is { Count: > 0 } form)
        {
            body.Append("<form method=\"post\" action=\"").Append(H(request.Path + request.QueryString.ToString())).Append("\">");
            foreach (var (name, values) in form.Where(f => f.Key != "website"))
            {
                foreach (var value in values)
                {
                    body.Append("<input type=\"hidden\" name=\"").Append(H(name)).Append("\" value=\"").Append(H(value)).Append("\">");
                }
            }

            body.Append("<button type=\"submit\">").Append(H(T(lang, "Kirim lagi", "Send again"))).Append("</button></form>");
        }

        return Render(request, lang, T(lang, titleId, titleEn), body.ToString(), status);
    }

    /// <summary>Links to the same page in the other language, keeping the query string.</summary>
    public static string LanguageSwitch(HttpRequest request, string lang)
    {
        var other = lang == "en" ? "id" : "en";
        var query = QueryString.Create(request.Query.Where(q => q.Key != "lang").SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string?>(q.Key, v))).Append(new("lang", other)));
        var label = other == "en" ? "English" : "Bahasa Indonesia";
        return $"<p class=\"lang\"><a href=\"{H(request.Path + query.ToString())}\" hreflang=\"{other}\" lang=\"{other}\">{label}</a></p>";
    }

    /// <summary>The participant pages' stylesheet: <c>Infrastructure/Assets/pages.css</c>, embedded and inlined (pages allow no external style).</summary>
    public static readonly string Css = EmbeddedText.Read("TrainingCycles.Infrastructure.Assets.pages.css");
}
