using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using TrainingCycles.Infrastructure.Views;

namespace TrainingCycles.Infrastructure;

/// <summary>
/// Helpers for server-rendered pages: the request's language, and (until every page is a view under
/// <c>*/Views/*.razor</c>) the older string-built pages, which now render inside the same layout
/// (<see cref="Layout"/>) with the same security headers (<see cref="Infrastructure.SecurityHeaders"/>).
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

    /// <summary>The page security headers (see <see cref="Infrastructure.SecurityHeaders"/>, the one place that sets them).</summary>
    public static void SecurityHeaders(HttpResponse response, string? scriptNonce = null) => Infrastructure.SecurityHeaders.ForPage(response, scriptNonce);

    /// <summary>
    /// Not yet a view: a complete page around <paramref name="body"/>, trusted HTML built with <see cref="H"/>. Rendered
    /// in the one layout (<see cref="LegacyPage"/>). New pages are views (<see cref="View.Page{TView}"/>).
    /// </summary>
    public static IActionResult Render(HttpRequest request, string lang, string title, string body, int status = StatusCodes.Status200OK, string? script = null, string? headExtra = null) =>
        new PageResult(typeof(LegacyPage), new Dictionary<string, object?>
        {
            [nameof(LegacyPage.Title)] = title,
            [nameof(LegacyPage.BodyHtml)] = body,
            [nameof(LegacyPage.HeadHtml)] = headExtra,
            [nameof(LegacyPage.Script)] = script,
        }, lang, status);

    /// <summary>Not yet from the catalog: a message page from two pairs of literal texts. New code: <see cref="View.Message"/>.</summary>
    public static IActionResult Message(HttpRequest request, string lang, int status, string titleId, string titleEn, string textId, string textEn) =>
        View.Page<MessagePage>(lang, new MessageModel(T(lang, titleId, titleEn), T(lang, textId, textEn)), status);

    /// <summary>Not yet from the catalog: a retry page from literal texts. New code: <see cref="View.Retry"/>.</summary>
    public static IActionResult RetryMessage(HttpRequest request, string lang, int status, string titleId, string titleEn, string textId, string textEn) =>
        View.Page<RetryPage>(lang, new MessageModel(T(lang, titleId, titleEn), T(lang, textId, textEn)), status);

    /// <summary>Links to the same page in the other language, keeping the query string.</summary>
    public static string LanguageSwitch(HttpRequest request, string lang)
    {
        var other = lang == "en" ? "id" : "en";
        var query = QueryString.Create(request.Query.Where(q => q.Key != "lang").SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string?>(q.Key, v))).Append(new("lang", other)));
        var label = other == "en" ? "English" : "Bahasa Indonesia";
        return $"<p class=\"lang\"><a href=\"{H(request.Path + query.ToString())}\" hreflang=\"{other}\" lang=\"{other}\">{label}</a></p>";
    }
}
