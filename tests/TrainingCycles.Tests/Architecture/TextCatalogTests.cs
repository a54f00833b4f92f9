using System.Text.RegularExpressions;
using System.Xml.Linq;
using TrainingCycles.DevHost;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Tests.Architecture;

/// <summary>
/// Every user-facing word lives in the text catalog (functions/Infrastructure/Texts/Texts.resx for Bahasa Indonesia,
/// Texts.en.resx for English) and every page is a Razor view. These tests read the source: the two catalogs agree key
/// for key and placeholder for placeholder, every key is used and exists, no C# file builds user-facing text inline
/// and none holds an HTML page. Folders still on the older helpers are listed in <see cref="NotYetConverted"/>.
/// </summary>
public sealed partial class TextCatalogTests
{
    /// <summary>
    /// Capability folders whose triggers still build texts and pages in C# (Pages.T, Pages.Message, Pages.Render,
    /// Http.Error with two literals). Remove a folder when it is converted; when the list is empty, delete the
    /// legacy helpers in <see cref="LegacyHelpers"/> too.
    /// </summary>
    public static readonly IReadOnlyList<string> NotYetConverted = [];

    /// <summary>The older helpers themselves (they take literal texts until the last caller is converted).</summary>
    private static readonly IReadOnlyList<string> LegacyHelpers = ["Infrastructure/Pages.cs", "Infrastructure/Http.cs"];

    /// <summary>Files whose sentences are for operators and developers, not users: settings validation, metric
    /// descriptions, and SendGrid's rejection reasons as recorded in the email log (technical, English, like SendGrid's own).</summary>
    private static readonly IReadOnlyList<string> OperatorFacing =
        ["Infrastructure/SendGridOptions.cs", "Infrastructure/TrainingCyclesOptions.cs", "Infrastructure/StorageAccount.cs", "Infrastructure/Telemetry.cs", "Reminders/Mailer.cs"];

    /// <summary>Proper names that are data, not words to translate (Central Kalimantan's regencies and city, as the
    /// default regency list of a cycle stores them).</summary>
    private static readonly IReadOnlySet<string> ProperNames = new HashSet<string>(StringComparer.Ordinal) { "\"Kota Palangka Raya\"" };

    private static readonly string Functions = Path.Combine(RepoPaths.FindRoot(AppContext.BaseDirectory), "functions");

    private static readonly string TextsDir = Path.Combine(Functions, "Infrastructure", "Texts");

    [Fact]
    public void BothCatalogsHaveTheSameKeysNoEmptyTextAndTheSamePlaceholders()
    {
        var id = Catalog("Texts.resx");
        var en = Catalog("Texts.en.resx");
        var problems = new List<string>();
        problems.AddRange(id.Keys.Except(en.Keys).Select(k => $"{k}: only in Texts.resx (Bahasa Indonesia)"));
        problems.AddRange(en.Keys.Except(id.Keys).Select(k => $"{k}: only in Texts.en.resx (English)"));
        foreach (var (key, text) in id.Concat(en))
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                problems.Add($"{key}: empty text");
            }
        }

        foreach (var key in id.Keys.Intersect(en.Keys))
        {
            var a = Placeholders(id[key]);
            var b = Placeholders(en[key]);
            if (!a.SetEquals(b))
            {
                problems.Add($"{key}: placeholders differ (id {{{string.Join("}{", a)}}}, en {{{string.Join("}{", b)}}})");
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void EveryTextIsServedInBothLanguagesFromTheBuild()
    {
        // The English texts come from the "en" satellite assembly: if it were not deployed next to the app, every
        // English page would silently show Bahasa Indonesia. The dev host runs from the same output folder.
        foreach (var (file, lang) in new[] { ("Texts.resx", "id"), ("Texts.en.resx", "en") })
        {
            foreach (var (key, text) in Catalog(file))
            {
                Assert.Equal(text, Text.Get(lang, key));
            }
        }
    }

    [Fact]
    public void EveryKeyUsedInCodeExistsAndEveryKeyIsUsed()
    {
        var keys = Catalog("Texts.resx").Keys.ToHashSet(StringComparer.Ordinal);
        var used = new HashSet<string>(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var file in SourceFiles("*.cs", "*.razor"))
        {
            var source = File.ReadAllText(file);
            foreach (Match m in NameofKey().Matches(source))
            {
                used.Add(m.Groups[1].Value);
            }

            // A key given as a string literal (not through nameof) must exist too.
            foreach (Match m in LiteralKey().Matches(source))
            {
                used.Add(m.Groups[1].Value);
                if (!keys.Contains(m.Groups[1].Value))
                {
                    problems.Add($"{Relative(file)}: key \"{m.Groups[1].Value}\" is not in the catalog");
                }
            }
        }

        // The dashboard's words ("Dash_…") are served whole to its script, which builds some keys at run time
        // ('mark.' + status): each literal key the script asks for must exist; the prefix counts as used.
        var script = File.ReadAllText(Path.Combine(RepoPaths.FindRoot(), "functions", "Dashboard", "Assets", "dashboard.js"));
        foreach (Match m in ScriptKey().Matches(script))
        {
            var key = "Dash_" + Regex.Replace(m.Groups[1].Value, "[^A-Za-z0-9]", "_");
            if (!keys.Contains(key))
            {
                problems.Add($"dashboard.js: t('{m.Groups[1].Value}') has no catalog key {key}");
            }
        }

        used.UnionWith(keys.Where(k => k.StartsWith("Dash_", StringComparison.Ordinal)));
        problems.AddRange(keys.Except(used).Order(StringComparer.Ordinal).Select(k => $"{k}: in the catalog but used nowhere"));
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void NoConvertedCSharpFileBuildsUserFacingText()
    {
        var problems = new List<string>();
        foreach (var file in ConvertedCSharpFiles().Where(f => !OperatorFacing.Contains(Relative(f)) && !LegacyHelpers.Contains(Relative(f))))
        {
            var source = StripComments(File.ReadAllText(file));
            foreach (Match call in LegacyCall().Matches(source))
            {
                problems.Add($"{Relative(file)}:{Line(source, call.Index)}: {call.Value.Trim()}… builds text inline; use a catalog key (TEXT-CONVENTIONS: Text.Get, View.Message, Http.Error with nameof(Texts.X))");
            }

            foreach (Match literal in StringLiteral().Matches(source))
            {
                if (IsSentence(literal.Value) && !IsForDevelopers(source, literal.Index) && !ProperNames.Contains(literal.Value))
                {
                    problems.Add($"{Relative(file)}:{Line(source, literal.Index)}: {literal.Value} reads like user-facing text; move it to Texts.resx/Texts.en.resx");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void NoConvertedCSharpFileHoldsAnHtmlPage()
    {
        var problems = new List<string>();
        foreach (var file in ConvertedCSharpFiles().Where(f => !LegacyHelpers.Contains(Relative(f))))
        {
            var source = StripComments(File.ReadAllText(file));
            foreach (Match m in PageMarkup().Matches(source))
            {
                problems.Add($"{Relative(file)}:{Line(source, m.Index)}: '{m.Value}' — pages are Razor views (*/Views/*.razor), mail frames are template files");
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void TheSentenceDetectorFindsTextsAndIgnoresCode()
    {
        // Guards the heuristic itself, so an edit cannot quietly make the inline-text test pass everything.
        Assert.True(IsSentence("\"Pendaftaran sudah ditutup untuk pelatihan ini.\""));
        Assert.True(IsSentence("$\"The body must be an array of at most {max} events.\""));
        Assert.True(IsSentence("\"Nomor HP wajib diisi\""));
        Assert.False(IsSentence("\"invalid_json\""));
        Assert.False(IsSentence("\"dddd, d MMMM yyyy, HH:mm\""));
        Assert.False(IsSentence("\"text/html; charset=utf-8\""));
        Assert.False(IsSentence("$\"api/cycles/{cycleId}/register?confirm={token}\""));
        Assert.DoesNotContain("Registration", NotYetConverted);
    }

    private static Dictionary<string, string> Catalog(string file) =>
        XDocument.Load(Path.Combine(TextsDir, file)).Root!.Elements("data")
            .ToDictionary(d => (string)d.Attribute("name")!, d => (string?)d.Element("value") ?? "", StringComparer.Ordinal);

    private static HashSet<string> Placeholders(string text) =>
        Placeholder().Matches(text).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);

    private static IEnumerable<string> SourceFiles(params string[] patterns) =>
        patterns.SelectMany(p => Directory.EnumerateFiles(Functions, p, SearchOption.AllDirectories))
            .Where(f => !Relative(f).StartsWith("bin/", StringComparison.Ordinal) && !Relative(f).StartsWith("obj/", StringComparison.Ordinal));

    private static IEnumerable<string> ConvertedCSharpFiles() =>
        SourceFiles("*.cs").Where(f => !NotYetConverted.Any(folder => Relative(f).StartsWith(folder + "/", StringComparison.Ordinal)));

    private static string Relative(string file) => Path.GetRelativePath(Functions, file).Replace('\\', '/');

    private static int Line(string source, int index) => source.AsSpan(0, index).Count('\n') + 1;

    /// <summary>Three or more plain words (letters with a vowel, maybe a trailing mark), once interpolation holes and escapes are gone: a sentence or a label.</summary>
    private static bool IsSentence(string literal)
    {
        var body = Hole().Replace(literal.TrimStart('$', '@').Trim('"'), " ").Replace("\\\"", " ", StringComparison.Ordinal).Replace("\\n", " ", StringComparison.Ordinal);
        return body.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries).Count(t => Word().IsMatch(t)) >= 3;
    }

    /// <summary>Log templates, exception messages, table filters and metric descriptions are for developers and operators.</summary>
    private static bool IsForDevelopers(string source, int index)
    {
        var start = Math.Max(source.LastIndexOf(';', Math.Max(0, index - 1)), 0);
        var statement = source[start..index];
        return DeveloperContext().IsMatch(statement);
    }

    private static string StripComments(string source) => Comment().Replace(source, m => new string('\n', m.Value.Count(c => c == '\n')));

    [GeneratedRegex(@"\{(\d+)(?:[,:][^}]*)?\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"nameof\(Texts\.(\w+)\)")]
    private static partial Regex NameofKey();

    [GeneratedRegex(@"\bt\('([A-Za-z0-9.\-]*[A-Za-z0-9])'")]
    private static partial Regex ScriptKey();

    [GeneratedRegex(@"Text\.(?:Get|Both)\((?:[^,()]+,\s*)?""(\w+)""")]
    private static partial Regex LiteralKey();

    // Pages.T / T(lang, …), the four-string Message and RetryMessage, Render with a body, Http.Error with two
    // literal texts, NotFound with a noun, FieldError built from literals.
    [GeneratedRegex(@"(?<![\w.])(?:Pages\.)?T\(\s*lang\s*,|\b(?:Pages\.)?(?:Message|RetryMessage)\(\s*request\s*,\s*lang\b|\bPages\.Render\(|\bRender\(\s*request\s*,|Http\.Error\([^;]*?,\s*\$?""[^""]*""\s*,\s*\$?""[^""]*""\s*,\s*\$?""|Http\.NotFound\(""|new FieldError\(\s*""\w[^""]*""\s*,\s*\$?""")]
    private static partial Regex LegacyCall();

    [GeneratedRegex(@"\$?@?""(?:[^""\\\r\n]|\\.)*""")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"\{[^{}]*\}")]
    private static partial Regex Hole();

    [GeneratedRegex(@"^[(«""]*(?=[A-Za-zÀ-ÿ]*[aeiouAEIOU])[A-Za-zÀ-ÿ]+[.,:;!?)»""]*$")]
    private static partial Regex Word();

    [GeneratedRegex(@"\bLog(?:Trace|Debug|Information|Warning|Error|Critical)\s*\(|\bthrow\b|Exception\(|\bfailures\.Add\(|CreateQueryFilter|description:|\[GeneratedRegex")]
    private static partial Regex DeveloperContext();

    [GeneratedRegex(@"<!doctype|<html[\s>]|<body[\s>]|<form[\s>]|<main[\s>]|<head[\s>]", RegexOptions.IgnoreCase)]
    private static partial Regex PageMarkup();

    [GeneratedRegex(@"//[^\n]*|/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex Comment();
}
