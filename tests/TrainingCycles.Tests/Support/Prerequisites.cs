using System.Diagnostics;
using TrainingCycles.DevHost;

namespace TrainingCycles.Tests.Support;

/// <summary>
/// The tools the tests need beyond the README's prerequisites. <c>dotnet test</c> installs them before the tests
/// start (prerequisites.sh, run by the test project's InstallTestPrerequisites target); a run started another way
/// (an IDE) runs the same script here, once, the first time a missing tool is asked for. A tool still missing
/// after that fails the test that needs it, naming the Debian package.
/// </summary>
public static class Prerequisites
{
    private static readonly Lazy<string> SetUpOutput = new(RunScript, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The full path of <paramref name="tool"/>, installing its package first if it is missing.</summary>
    public static string Require(string tool, string debianPackage)
    {
        if (Find(tool) is { } found)
        {
            return found;
        }

        var output = SetUpOutput.Value;
        return Find(tool) ?? throw new InvalidOperationException(
            $"'{tool}' is not installed and could not be installed here. Install it once with: sudo apt-get install -y {debianPackage}"
            + (output.Length > 0 ? $"{Environment.NewLine}Set-up output:{Environment.NewLine}{output}" : string.Empty));
    }

    public static string? Find(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, tool))
            .FirstOrDefault(File.Exists);

    /// <summary>The set-up script itself, so a test can run it against a PATH of its own.</summary>
    public static string ScriptPath => Path.Combine(RepoPaths.FindRoot(), "tests", "TrainingCycles.Tests", "Support", "prerequisites.sh");

    private static string RunScript()
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(ScriptPath);
        start.ArgumentList.Add(RepoPaths.FindRoot());
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not run bash for the test prerequisites");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            return stdout + stderr.Result + "(the set-up script did not finish within 10 minutes)";
        }

        return stdout + stderr.Result;
    }
}
