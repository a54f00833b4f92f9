using System.Text.Json;

namespace TrainingCycles.DevHost;

/// <summary>
/// Reads settings the way Core Tools does: <c>functions/local.settings.json</c> if present, else the repo's
/// <c>local.settings.sample.json</c>; <c>Values</c> become configuration keys (<c>A__B</c> → <c>A:B</c>).
/// </summary>
internal sealed record LocalSettings(string SourcePath, IReadOnlyDictionary<string, string?> Values)
{
    public static LocalSettings Load(string repoRoot)
    {
        var local = Path.Combine(repoRoot, "functions", "local.settings.json");
        var path = File.Exists(local) ? local : Path.Combine(repoRoot, "local.settings.sample.json");
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"No settings found: expected {local} or {path}.");
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path));
        if (!document.RootElement.TryGetProperty("Values", out var values) || values.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidOperationException($"{path} has no \"Values\" object.");
        }

        var result = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in values.EnumerateObject())
        {
            result[property.Name] = property.Value.ValueKind switch
            {
                JsonValueKind.String => property.Value.GetString(),
                JsonValueKind.Null => null,
                _ => property.Value.GetRawText(),
            };
        }

        return new LocalSettings(path, result);
    }

    /// <summary>Configuration keys: environment-variable style <c>__</c> separators become <c>:</c>.</summary>
    public IEnumerable<KeyValuePair<string, string?>> AsConfiguration() =>
        Values.Select(kv => new KeyValuePair<string, string?>(kv.Key.Replace("__", ":", StringComparison.Ordinal), kv.Value));
}
