using Microsoft.AspNetCore.Http;
using TrainingCycles.Infrastructure.Views;

namespace TrainingCycles.Infrastructure;

/// <summary>
/// The request's language for server-rendered pages. Pages themselves are views (<c>*/Views/*.razor</c>, rendered by
/// <see cref="View"/> inside the one layout, with the headers of <see cref="SecurityHeaders"/>).
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
}
