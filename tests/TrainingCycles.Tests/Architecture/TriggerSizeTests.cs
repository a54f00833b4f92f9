using System.Text.RegularExpressions;
using TrainingCycles.DevHost;

namespace TrainingCycles.Tests.Architecture;

/// <summary>
/// Triggers stay thin (docs/architecture.md): an HTTP trigger reads the request, calls a service and returns a view
/// or a result, and fits on a screen. Measured on the source, from the method's first line to its closing brace,
/// so a long trigger fails here with its name and length, and the logic moves into the service beside it.
/// </summary>
public sealed partial class TriggerSizeTests
{
    /// <summary>A screen: what a maintainer reads without scrolling.</summary>
    public const int MaxLines = 60;

    [Fact]
    public void EveryHttpTriggerFitsOnAScreen()
    {
        var triggers = HttpTriggers().ToList();
        Assert.True(triggers.Count > 50, $"the scan found only {triggers.Count} HTTP triggers; is it still reading the right files?");
        var tooLong = triggers.Where(t => t.Lines > MaxLines).Select(t => $"{t.File}: {t.Name} has {t.Lines} lines (at most {MaxLines})").ToList();
        Assert.True(tooLong.Count == 0, "Triggers longer than a screen; move their logic into a service:" + Environment.NewLine + string.Join(Environment.NewLine, tooLong));
    }

    [Fact]
    public void TheMeasureCountsAMethodFromItsSignatureToItsClosingBrace()
    {
        string[] source =
        [
            "    [Function(nameof(Short))]",
            "    public IActionResult Short([HttpTrigger(AuthorizationLevel.Anonymous, \"get\", Route = \"x\")] HttpRequest request)",
            "    {",
            "        return Ok();",
            "    }",
            "    [Function(nameof(Arrow))]",
            "    public IActionResult Arrow([HttpTrigger(AuthorizationLevel.Anonymous, \"get\", Route = \"y\")] HttpRequest request) =>",
            "        Ok();",
            "    [Function(nameof(Activity))]",
            "    public Task Activity([ActivityTrigger] string input)",
            "    {",
            "    }",
        ];
        Assert.Equal([("Short", 4), ("Arrow", 2)], Measure(source).ToList());
    }

    private static IEnumerable<(string File, string Name, int Lines)> HttpTriggers()
    {
        var root = Path.Combine(RepoPaths.FindRoot(), "functions");
        foreach (var file in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(root, file);
            if (relative.StartsWith("bin", StringComparison.Ordinal) || relative.StartsWith("obj", StringComparison.Ordinal))
            {
                continue;
            }

            foreach (var (name, lines) in Measure(File.ReadAllLines(file)))
            {
                yield return (relative, name, lines);
            }
        }
    }

    /// <summary>The HTTP triggers among the <c>[Function]</c> methods of a file, with their length in lines.</summary>
    private static IEnumerable<(string Name, int Lines)> Measure(IReadOnlyList<string> lines)
    {
        for (var i = 0; i < lines.Count; i++)
        {
            var function = FunctionAttribute().Match(lines[i]);
            if (!function.Success)
            {
                continue;
            }

            var start = i + 1;
            while (start < lines.Count && !lines[start].TrimStart().StartsWith("public ", StringComparison.Ordinal))
            {
                start++;
            }

            // The signature runs to the line that opens the body ("{" alone) or ends in "=>".
            var end = start;
            while (end < lines.Count && lines[end] != "    {" && !lines[end].TrimEnd().EndsWith("=>", StringComparison.Ordinal))
            {
                end++;
            }

            if (end >= lines.Count || !string.Join('\n', lines.Skip(start).Take(end - start + 1)).Contains("[HttpTrigger(", StringComparison.Ordinal))
            {
                continue;
            }

            if (lines[end] == "    {")
            {
                while (end < lines.Count && lines[end] != "    }")
                {
                    end++;
                }
            }
            else
            {
                while (end < lines.Count && !lines[end].TrimEnd().EndsWith(';'))
                {
                    end++;
                }
            }

            yield return (function.Groups[1].Value, end - start + 1);
        }
    }

    [GeneratedRegex(@"^\s*\[Function\(nameof\((\w+)\)\)\]")]
    private static partial Regex FunctionAttribute();
}
