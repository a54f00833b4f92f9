using System.Collections;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Tests.Infra;

/// <summary>
/// Every setting the app reads is in local.settings.sample.json and either set by the Bicep or documented as optional in
/// docs/deploy.md; settings that only make sense locally stay out of Azure and are documented; the Bicep sets no stale ones.
/// The settings the app reads are found by reflection: every class in the functions assembly with a
/// <c>const string SectionName</c> contributes <c>Section__Property</c> for each public settable property.
/// </summary>
public sealed partial class SettingsParityTests
{
    private const string SamplePath = "local.settings.sample.json";
    private const string DeployDocPath = "docs/deploy.md";
    private const string BicepSource = "the compiled infra/main.bicep (function app siteConfig.appSettings / sites/config 'appsettings') or the text of infra/modules/app-settings.bicep / function-app.bicep";

    /// <summary>Local name ↔ the name Azure uses for the same connection (identity-based there, a connection string locally).</summary>
    private static readonly (string Local, string Azure)[] MappedSettings = [("AzureWebJobsStorage", "AzureWebJobsStorage__accountName")];

    /// <summary>May be in the sample without being in the Bicep (and must then stay out of it, and be documented).</summary>
    private static readonly string[] LocalOnlyExact = ["SendGrid__HostOverride", "FUNCTIONS_WORKER_RUNTIME"];

    private static readonly string[] LocalOnlyPrefixes = ["DevHost__"];

    private static readonly string[] ModuleFilesWithSettings = ["infra/modules/app-settings.bicep", "infra/modules/function-app.bicep"];

    private static Assembly FunctionsAssembly => typeof(TrainingCyclesOptions).Assembly;

    [Fact]
    public void OptionsClassesAreFoundByReflection()
    {
        var sections = OptionsSections().ToDictionary(s => s.Section, s => s.Type);

        Assert.True(sections.TryGetValue(TrainingCyclesOptions.SectionName, out var tc) && tc == typeof(TrainingCyclesOptions),
            $"TrainingCyclesOptions not discovered as section '{TrainingCyclesOptions.SectionName}'. Found: {string.Join(", ", sections.Keys)}");
        Assert.True(sections.TryGetValue(SendGridOptions.SectionName, out var sg) && sg == typeof(SendGridOptions),
            $"SendGridOptions not discovered as section '{SendGridOptions.SectionName}'. Found: {string.Join(", ", sections.Keys)}");

        var settings = AppReadSettings();
        foreach (var (section, type) in sections)
        {
            Assert.True(settings.Any(s => s.Name.StartsWith(section + "__", StringComparison.Ordinal)),
                $"{type.FullName} (section '{section}') has no public settable property, so no setting was derived from it.");
        }

        Assert.Contains(settings, s => s.Name == "TrainingCycles__TokenSigningKey");
        Assert.Contains(settings, s => s.Name == "SendGrid__ApiKey");
    }

    [Fact]
    public void EverySettingTheAppReadsIsInTheSample()
    {
        var sample = SampleKeys();
        var missing = AppReadSettings()
            .Where(s => !sample.Any(s.MatchedBy))
            .Select(s => $"{s.Name} ({s.Origin}) is missing from {SamplePath}")
            .Concat(MappedSettings.Where(m => !sample.Contains(m.Local)).Select(m => $"{m.Local} is missing from {SamplePath}"))
            .ToList();

        Assert.True(missing.Count == 0, string.Join('\n', missing));
    }

    [Fact]
    public async Task EverySettingTheAppReadsIsSetByTheBicepOrDocumentedAsOptional()
    {
        var bicep = await BicepSettingsAsync();
        var docLines = DeployDocLines();

        var missing = new List<string>();
        foreach (var setting in AppReadSettings().Where(s => !IsLocalOnly(s.Name)))
        {
            if (bicep.Any(setting.MatchedBy) || ModuleTextSets(setting.Name))
            {
                continue;
            }

            if (!docLines.Any(l => l.Contains(setting.Name, StringComparison.Ordinal) && l.Contains("optional", StringComparison.OrdinalIgnoreCase)))
            {
                missing.Add($"{setting.Name} ({setting.Origin}) is not set in {BicepSource}, and {DeployDocPath} does not document it as optional");
            }
        }

        foreach (var (local, azure) in MappedSettings)
        {
            if (!bicep.Contains(azure) && !ModuleTextSets(azure))
            {
                missing.Add($"{azure} (Azure counterpart of {local}) is not set in {BicepSource}");
            }
        }

        Assert.True(missing.Count == 0, string.Join('\n', missing));
    }

    [Fact]
    public async Task EverySampleSettingReachesAzureOrIsAllowedLocalOnly()
    {
        var bicep = await BicepSettingsAsync();
        var appReads = AppReadSettings();

        var problems = new List<string>();
        foreach (var key in SampleKeys())
        {
            if (IsLocalOnly(key) || MappedSettings.Any(m => m.Local == key))
            {
                continue;
            }

            var read = appReads.FirstOrDefault(s => s.MatchedBy(key));
            if (bicep.Contains(key) || ModuleTextSets(key) || (read is not null && read.ParentMatchedBy(bicep)))
            {
                continue;
            }

            var documentedOptional = DeployDocLines().Any(l => l.Contains(key, StringComparison.Ordinal) && l.Contains("optional", StringComparison.OrdinalIgnoreCase));
            if (!documentedOptional)
            {
                problems.Add($"{key} is in {SamplePath} but not set in {BicepSource}; it is not an allowed local-only setting ({string.Join(", ", LocalOnlyExact.Concat(LocalOnlyPrefixes.Select(p => p + "*")))}) nor documented as optional in {DeployDocPath}");
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public async Task LocalOnlySettingsStayOutOfAzureAndAreDocumented()
    {
        var bicep = await BicepSettingsAsync();
        var sample = SampleKeys();
        var doc = File.ReadAllText(Path.Combine(BicepCli.RepoRoot, DeployDocPath));

        var problems = new List<string>();
        foreach (var name in LocalOnlyExact.Where(n => !sample.Contains(n)))
        {
            problems.Add($"{name} (local-only) is missing from {SamplePath}");
        }

        var localOnly = sample.Where(IsLocalOnly).Concat(LocalOnlyExact).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        foreach (var name in localOnly)
        {
            if (bicep.Contains(name) || ModuleTextSets(name))
            {
                problems.Add($"{name} is local-only but is set for Azure in {BicepSource}");
            }

            var prefix = LocalOnlyPrefixes.FirstOrDefault(p => name.StartsWith(p, StringComparison.Ordinal));
            var documented = doc.Contains(name, StringComparison.Ordinal) || (prefix is not null && doc.Contains(prefix + "*", StringComparison.Ordinal));
            if (!documented)
            {
                problems.Add($"{name} (in {SamplePath}, local-only) is not mentioned in {DeployDocPath}");
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public async Task TheBicepSetsNoStaleOptionsSettings()
    {
        var bicep = await BicepSettingsAsync();
        var textSettings = ModuleTextSettingNames();
        var appReads = AppReadSettings();
        var sections = OptionsSections().Select(s => s.Section)
            .Concat([TrainingCyclesOptions.SectionName, SendGridOptions.SectionName])
            .Distinct(StringComparer.Ordinal)
            .ToList();

        var stale = bicep.Select(n => (Name: n, Where: "compiled infra/main.bicep"))
            .Concat(textSettings.Select(n => (n.Name, Where: n.File)))
            .Where(s => sections.Any(sec => s.Name.StartsWith(sec + "__", StringComparison.Ordinal)))
            .Where(s => !appReads.Any(r => r.MatchedBy(s.Name)))
            .Select(s => $"{s.Name} is set in {s.Where} but no options property reads it (options classes: {string.Join(", ", OptionsSections().Select(o => o.Type.Name))})")
            .Distinct()
            .ToList();

        Assert.True(stale.Count == 0, string.Join('\n', stale));
    }

    [Fact]
    public void TheSampleHoldsNoStaleOptionsSettings()
    {
        var appReads = AppReadSettings();
        var sections = OptionsSections().Select(s => s.Section).ToList();

        var stale = SampleKeys()
            .Where(k => sections.Any(sec => k.StartsWith(sec + "__", StringComparison.Ordinal)))
            .Where(k => !appReads.Any(r => r.MatchedBy(k)))
            .Select(k => $"{k} is in {SamplePath} but no options property reads it")
            .ToList();

        Assert.True(stale.Count == 0, string.Join('\n', stale));
    }

    // ---- what the app reads ------------------------------------------------------------------------------------

    private sealed record ExpectedSetting(string Name, string Origin, bool IsCollection)
    {
        public bool MatchedBy(string key) =>
            key == Name || (IsCollection && key.StartsWith(Name + "__", StringComparison.Ordinal));

        public bool ParentMatchedBy(IEnumerable<string> keys) => keys.Any(MatchedBy);
    }

    private static IEnumerable<(string Section, Type Type)> OptionsSections()
    {
        Type[] types;
        try
        {
            types = FunctionsAssembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            types = e.Types.OfType<Type>().ToArray();
        }

        foreach (var type in types.OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            var field = type.GetField("SectionName", BindingFlags.Public | BindingFlags.Static);
            if (field is { IsLiteral: true, IsInitOnly: false } && field.FieldType == typeof(string) && field.GetRawConstantValue() is string section)
            {
                yield return (section, type);
            }
        }
    }

    private static List<ExpectedSetting> AppReadSettings()
    {
        var result = new List<ExpectedSetting>();
        foreach (var (section, type) in OptionsSections())
        {
            AddProperties(result, section, type, type.Name, depth: 0);
        }

        return result;
    }

    private static void AddProperties(List<ExpectedSetting> result, string prefix, Type type, string origin, int depth)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).OrderBy(p => p.MetadataToken))
        {
            if (property.SetMethod is not { IsPublic: true } || property.GetIndexParameters().Length > 0)
            {
                continue;
            }

            var name = $"{prefix}__{property.Name}";
            var where = $"{origin}.{property.Name}";
            var t = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (IsScalar(t))
            {
                result.Add(new ExpectedSetting(name, where, IsCollection: false));
            }
            else if (typeof(IEnumerable).IsAssignableFrom(t) || depth >= 4)
            {
                result.Add(new ExpectedSetting(name, where, IsCollection: true));
            }
            else
            {
                AddProperties(result, name, t, where, depth + 1);
            }
        }
    }

    private static bool IsScalar(Type t) =>
        t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(decimal) || t == typeof(Uri) || t == typeof(TimeSpan) ||
        t == typeof(DateTime) || t == typeof(DateTimeOffset) || t == typeof(Guid) || t == typeof(DateOnly) || t == typeof(TimeOnly);

    private static bool IsLocalOnly(string name) =>
        LocalOnlyExact.Contains(name, StringComparer.Ordinal) || LocalOnlyPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal));

    // ---- where settings are given ------------------------------------------------------------------------------

    private static HashSet<string> SampleKeys()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(BicepCli.RepoRoot, SamplePath)));
        Assert.True(doc.RootElement.TryGetProperty("Values", out var values) && values.ValueKind == JsonValueKind.Object,
            $"{SamplePath} has no \"Values\" object.");
        return values.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
    }

    private static async Task<HashSet<string>> BicepSettingsAsync()
    {
        var template = await BicepCli.MainTemplateAsync();
        var names = template.AppSettingNames().ToHashSet(StringComparer.Ordinal);
        Assert.True(names.Count > 0, "The compiled infra/main.bicep gives the function app no app settings; the settings lookup found nothing.");
        return names;
    }

    private static string[] DeployDocLines() =>
        File.ReadAllLines(Path.Combine(BicepCli.RepoRoot, DeployDocPath));

    /// <summary>The setting appears as an object key (<c>Name: …</c>) or as <c>name: 'Name'</c> in the app settings / function app module.</summary>
    private static bool ModuleTextSets(string setting) =>
        ModuleTextSettingNames().Any(s => s.Name == setting);

    private static List<(string Name, string File)> ModuleTextSettingNames()
    {
        var result = new List<(string, string)>();
        foreach (var file in ModuleFilesWithSettings)
        {
            var path = Path.Combine(BicepCli.RepoRoot, file);
            if (!File.Exists(path))
            {
                continue;
            }

            foreach (var line in File.ReadAllLines(path))
            {
                var code = StripComment(line);
                foreach (Match m in SettingKey().Matches(code))
                {
                    result.Add((m.Groups["key"].Value, file));
                }

                foreach (Match m in SettingNameValue().Matches(code))
                {
                    result.Add((m.Groups["key"].Value, file));
                }
            }
        }

        return result;
    }

    private static string StripComment(string line)
    {
        var index = line.IndexOf("//", StringComparison.Ordinal);
        return index >= 0 && !line[..index].Contains("https:", StringComparison.Ordinal) ? line[..index] : line;
    }

    // Keys that look like app settings: Section__Name or UPPER_SNAKE, as `Key:` or `'Key':`.
    [GeneratedRegex(@"(?:^|[\s{,])'?(?<key>[A-Za-z][A-Za-z0-9]*(?:__[A-Za-z0-9_]+)+|[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)'?\s*:")]
    private static partial Regex SettingKey();

    [GeneratedRegex(@"\bname\s*:\s*'(?<key>[A-Za-z][A-Za-z0-9_]*)'")]
    private static partial Regex SettingNameValue();
}
