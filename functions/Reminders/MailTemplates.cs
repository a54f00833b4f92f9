using System.Collections.Concurrent;
using System.Net;
using System.Reflection;

namespace TrainingCycles.Reminders;

/// <summary>A message rendered for one language: the same for every recipient except the per-recipient tokens.</summary>
public sealed record RenderedMail(string Subject, string Text, string Html);

/// <summary>
/// Templates kept in the repo (<c>Reminders/Templates/{kind}.{lang}.tmpl</c>: subject, ---, text, ---, HTML).
/// Cycle-wide values are filled in once per wave (HTML-encoded in the HTML part). Per-recipient values
/// ({{name}}, {{link}}, {{number}}, {{privacylink}}, {{about}}) become SendGrid substitution tokens, distinct for the text and HTML parts so
/// each can carry its own encoding, letting one request serve up to 1,000 recipients.
/// </summary>
public static class MailTemplates
{
    /// <summary>
    /// The per-recipient fields. <c>about</c>: whom a mail to someone else is about (the alumnus, in the superior's
    /// follow-up survey, #21); empty elsewhere.
    /// </summary>
    public static readonly IReadOnlyList<string> PerRecipientFields = ["name", "link", "number", "privacylink", "about"];

    /// <summary>The HTML frame every mail shares (<c>Templates/layout.html</c>): {{lang}} and {{body}}.</summary>
    private static readonly string Layout = Infrastructure.EmbeddedText.Read("TrainingCycles.Reminders.Templates.layout.html");

    private static readonly ConcurrentDictionary<string, (string Subject, string Text, string Html)> Cache = new();

    public static string TextToken(string field) => $"-{field}_t-";

    public static string HtmlToken(string field) => $"-{field}_h-";

    /// <summary>Renders <paramref name="kind"/> in <paramref name="language"/> ("id" or "en"); HTML is wrapped in the common layout.</summary>
    public static RenderedMail Render(string kind, string language, IReadOnlyDictionary<string, string> values, IReadOnlyDictionary<string, string>? htmlValues = null)
    {
        var (subject, text, html) = Load(kind, language);
        foreach (var field in PerRecipientFields)
        {
            subject = subject.Replace("{{" + field + "}}", TextToken(field), StringComparison.Ordinal);
            text = text.Replace("{{" + field + "}}", TextToken(field), StringComparison.Ordinal);
            html = html.Replace("{{" + field + "}}", HtmlToken(field), StringComparison.Ordinal);
        }

        foreach (var (key, value) in values)
        {
            subject = subject.Replace("{{" + key + "}}", OneLine(value), StringComparison.Ordinal);
            text = text.Replace("{{" + key + "}}", value, StringComparison.Ordinal);
            var htmlValue = htmlValues is not null && htmlValues.TryGetValue(key, out var raw) ? raw : WebUtility.HtmlEncode(value);
            html = html.Replace("{{" + key + "}}", htmlValue, StringComparison.Ordinal);
        }

        var lang = language == "en" ? "en" : "id";
        var layout = Layout.Replace("{{lang}}", lang, StringComparison.Ordinal).Replace("{{body}}", html, StringComparison.Ordinal);
        return new RenderedMail(subject, text, layout);
    }

    /// <summary>Per-recipient substitutions: raw for the text part, HTML-encoded for the HTML part.</summary>
    public static Dictionary<string, string> Substitutions(IReadOnlyDictionary<string, string> perRecipient)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var field in PerRecipientFields)
        {
            var value = perRecipient.TryGetValue(field, out var v) ? v : "";
            result[TextToken(field)] = field == "name" ? OneLine(value) : value;
            result[HtmlToken(field)] = WebUtility.HtmlEncode(value);
        }

        return result;
    }

    public static bool Exists(string kind, string language) =>
        typeof(MailTemplates).Assembly.GetManifestResourceInfo(ResourceName(kind, language)) is not null;

    private static (string Subject, string Text, string Html) Load(string kind, string language)
    {
        var lang = language == "en" ? "en" : "id";
        return Cache.GetOrAdd(kind + "." + lang, _ =>
        {
            using var stream = typeof(MailTemplates).Assembly.GetManifestResourceStream(ResourceName(kind, lang))
                ?? throw new InvalidOperationException($"No mail template for '{kind}' in '{lang}'.");
            using var reader = new StreamReader(stream);
            var parts = reader.ReadToEnd().Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n---\n");
            if (parts.Length != 3)
            {
                throw new InvalidOperationException($"Mail template '{kind}.{lang}' must have subject, text and HTML separated by '---' lines.");
            }

            return (parts[0].Trim(), parts[1].Trim() + "\n", parts[2].Trim());
        });
    }

    private static string ResourceName(string kind, string language) => $"TrainingCycles.Reminders.Templates.{kind}.{language}.tmpl";

    // Subjects and names are single-line (a newline in a subject is header injection territory).
    private static string OneLine(string value) => value.ReplaceLineEndings(" ").Trim();
}
