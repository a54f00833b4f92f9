using System.Globalization;

namespace TrainingCycles.Infrastructure;

/// <summary>
/// The one way code reads user-facing text: <c>Text.Get(lang, nameof(Texts.Key), args…)</c>. The words live in
/// <c>Texts.resx</c> (Bahasa Indonesia, the neutral language) and <c>Texts.en.resx</c> (English); the generated
/// <see cref="Texts"/> class gives each key a name the compiler checks. The language is always passed in — a page
/// answers in the language its request asked for, a mail in its recipient's — never taken from the thread's culture.
/// </summary>
public static class Text
{
    private static readonly CultureInfo Indonesian = CultureInfo.GetCultureInfo("id");
    private static readonly CultureInfo English = CultureInfo.GetCultureInfo("en");

    /// <summary>"en" or "id" (anything else is Bahasa Indonesia, the default language).</summary>
    public static readonly IReadOnlyList<string> Languages = ["id", "en"];

    public static string Get(string? lang, string key) =>
        Texts.ResourceManager.GetString(key, lang == "en" ? English : Indonesian)
        ?? throw new KeyNotFoundException($"Text '{key}' is missing from the catalog (Infrastructure/Texts/Texts*.resx).");

    /// <summary>A text with placeholders ({0}, {1}…) filled in; numbers and dates in the arguments format for the language.</summary>
    public static string Get(string? lang, string key, params object?[] args) =>
        args.Length == 0 ? Get(lang, key) : string.Format(Formatting.Culture(lang), Get(lang, key), args);

    /// <summary>
    /// Every text whose key starts with <paramref name="prefix"/>, in <paramref name="lang"/>: what a client-side page
    /// (the dashboard) is served so that its words come from the same catalog.
    /// </summary>
    public static IReadOnlyDictionary<string, string> WithPrefix(string? lang, string prefix)
    {
        var keys = Texts.ResourceManager.GetResourceSet(CultureInfo.InvariantCulture, createIfNotExists: true, tryParents: true)!
            .Cast<System.Collections.DictionaryEntry>().Select(e => (string)e.Key).Where(k => k.StartsWith(prefix, StringComparison.Ordinal));
        return keys.Order(StringComparer.Ordinal).ToDictionary(k => k, k => Get(lang, k), StringComparer.Ordinal);
    }

    /// <summary>The same text in both languages (Bahasa Indonesia, English), for API errors and field errors that carry both.</summary>
    public static (string Id, string En) Both(string key, params object?[] args) => (Get("id", key, args), Get("en", key, args));
}
