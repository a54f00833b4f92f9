using System.Diagnostics;
using TrainingCycles.Tests.Infra;
using Xunit.Abstractions;

namespace TrainingCycles.Tests.Dashboard;

/// <summary>The JavaScript the app serves is a file, and ESLint (pinned in package.json) passes on it.</summary>
public sealed class DashboardScriptLintTests(ITestOutputHelper output)
{
    [Fact]
    public async Task TheServedScriptsPassEslint()
    {
        var start = new ProcessStartInfo("npm", "run -s lint")
        {
            WorkingDirectory = BicepCli.RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        output.WriteLine(await stdout + await stderr);

        Assert.True(process.ExitCode == 0, "ESLint found problems in functions/**/Assets/*.js:\n" + await stdout + await stderr);
    }

    [Fact]
    public void NoCSharpFileHoldsTheDashboardScriptOrStyles()
    {
        var sources = Directory.EnumerateFiles(Path.Combine(BicepCli.RepoRoot, "functions"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal) && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
        foreach (var file in sources)
        {
            var text = File.ReadAllText(file);
            Assert.False(text.Contains("'use strict';", StringComparison.Ordinal) || text.Contains(":root{", StringComparison.Ordinal),
                $"{file} holds JavaScript or CSS; it belongs in an Assets file");
        }
    }
}
