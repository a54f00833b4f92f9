using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TrainingCycles.Bench;

/// <summary>What a scenario hands back: the figures as one JSON object, and the same figures as a readable table.</summary>
public sealed record BenchResult(JsonObject Json, TextTable Table);

/// <summary>A plain text table: figure, value, floor, ratio, target.</summary>
public sealed class TextTable(string title)
{
    private readonly List<string[]> _rows = [];
    private readonly List<string> _notes = [];
    private string[] _header = ["figure", "value", "floor", "ratio", "target"];

    public string Title { get; } = title;

    public TextTable Row(string figure, string value, string floor = "", string ratio = "", string target = "")
    {
        _rows.Add([figure, value, floor, ratio, target]);
        return this;
    }

    /// <summary>Other column headings (five; the scale-out table puts 1 and N instances side by side).</summary>
    public TextTable Columns(string figure, string value, string floor, string ratio, string target)
    {
        _header = [figure, value, floor, ratio, target];
        return this;
    }

    /// <summary>A heading line between groups of rows (not part of the column widths).</summary>
    public TextTable Section(string heading)
    {
        _rows.Add([heading]);
        return this;
    }

    /// <summary>A line printed under the table (warnings, how a figure was taken).</summary>
    public TextTable Note(string note)
    {
        _notes.Add(note);
        return this;
    }

    public override string ToString()
    {
        var header = _header;
        var all = _rows.Prepend(header).ToList();
        var widths = Enumerable.Range(0, header.Length).Select(c => all.Where(r => r.Length > 1).Max(r => r[c].Length)).ToArray();
        var text = new StringBuilder().AppendLine(Title);
        foreach (var (row, i) in all.Select((r, i) => (r, i)))
        {
            if (row.Length == 1)
            {
                text.AppendLine("── " + row[0]);
                continue;
            }

            text.AppendLine(string.Join("  ", row.Select((cell, c) => cell.PadRight(widths[c]))).TrimEnd());
            if (i == 0)
            {
                text.AppendLine(string.Join("  ", widths.Select(w => new string('-', w))));
            }
        }

        foreach (var note in _notes)
        {
            text.AppendLine("note: " + note);
        }

        return text.ToString();
    }
}

public static class Stats
{
    /// <summary>Nearest-rank percentile of values already sorted ascending.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double percent) =>
        sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(percent / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];

    public static JsonObject Latency(IReadOnlyList<double> milliseconds)
    {
        var sorted = milliseconds.Order().ToList();
        return new JsonObject
        {
            ["p50"] = Round(Percentile(sorted, 50)),
            ["p95"] = Round(Percentile(sorted, 95)),
            ["p99"] = Round(Percentile(sorted, 99)),
            ["max"] = Round(sorted.Count == 0 ? 0 : sorted[^1]),
            ["mean"] = Round(sorted.Count == 0 ? 0 : sorted.Average()),
        };
    }

    public static double Round(double value, int digits = 2) => Math.Round(value, digits, MidpointRounding.AwayFromZero);

    public static double Ratio(double value, double floor) => floor == 0 ? 0 : Round(value / floor, 3);

    public static string F(double value, int digits = 1) => value.ToString("N" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    public static string Pct(double ratio) => (ratio * 100).ToString("N0", CultureInfo.InvariantCulture) + " %";
}

public static class Machine
{
    /// <summary>Cores, OS, runtime, CPU model, memory and load average: others share this machine, so the load is part of every figure.</summary>
    public static JsonObject Describe() => new()
    {
        ["cores"] = Environment.ProcessorCount,
        ["os"] = RuntimeInformation.OSDescription,
        ["runtime"] = RuntimeInformation.FrameworkDescription,
        ["cpu"] = ReadFirst("/proc/cpuinfo", "model name"),
        ["memoryGb"] = Stats.Round(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1024.0 / 1024 / 1024, 1),
        ["loadAverage"] = LoadAverage(),
        ["serverGc"] = System.Runtime.GCSettings.IsServerGC,
        ["startedAt"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
    };

    /// <summary>1-, 5- and 15-minute load averages ("" where /proc/loadavg does not exist).</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "";

    private static string ReadFirst(string path, string key)
    {
        if (!File.Exists(path))
        {
            return "";
        }

        var line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal));
        return line is null ? "" : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
    }
}

public static class Json
{
    public static readonly JsonSerializerOptions Compact = new() { WriteIndented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static JsonObject Counts(IReadOnlyDictionary<string, long> counts) =>
        new(counts.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));
}
