using System.Diagnostics;
using System.Xml.Linq;
using TrainingCycles.DevHost;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Setup;

/// <summary>
/// The README's test command on a fresh machine: Support/prerequisites.sh installs what the tests need beyond
/// the README's prerequisites. Each test runs the real script against a PATH of its own, with stand-ins for
/// apt-get, sudo, id and npm that record what they were asked to do, so nothing is installed here.
/// </summary>
public sealed class PrerequisitesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("prerequisites-").FullName;

    private string Bin => Path.Combine(_dir, "bin");

    private string Log => Path.Combine(_dir, "calls.log");

    private string Root => Path.Combine(_dir, "repo");

    public PrerequisitesTests()
    {
        Directory.CreateDirectory(Bin);
        Directory.CreateDirectory(Root);
        foreach (var tool in new[] { "bash", "flock" })
        {
            File.CreateSymbolicLink(Path.Combine(Bin, tool), Prerequisites.Find(tool) ?? throw new InvalidOperationException($"{tool} is not on PATH"));
        }

        // apt-get "installs" by creating the tools, so the script's check after the install sees them.
        Fake("apt-get", $"""
            echo "apt-get $*" >> "{Log}"
            if [ "$3" = install ]; then for t in chromium pdftoppm zbarimg; do printf '#!/bin/sh\n' > "{Bin}/$t"; /bin/chmod +x "{Bin}/$t"; done; fi
            """);
        Fake("npm", $"""echo "npm $* in $PWD" >> "{Log}" """);
    }

    [Fact]
    public void AsRootTheMissingPackagesAreInstalledWithAptGetAfterAnUpdate()
    {
        User(id: 0, passwordlessSudo: false);
        AzuriteInstalled();

        var output = RunScript();

        Assert.Equal(
            [
                "apt-get -o DPkg::Lock::Timeout=300 update -qq",
                "apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends chromium poppler-utils zbar-tools",
            ],
            Calls());
        Assert.Contains("installed: chromium poppler-utils zbar-tools", output, StringComparison.Ordinal);
    }

    [Fact]
    public void WithPasswordlessSudoTheInstallRunsThroughSudo()
    {
        User(id: 1000, passwordlessSudo: true);
        Tool("chromium");
        AzuriteInstalled();

        RunScript();

        Assert.Equal(
            [
                "sudo -n apt-get -o DPkg::Lock::Timeout=300 update -qq",
                "apt-get -o DPkg::Lock::Timeout=300 update -qq",
                "sudo -n apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends poppler-utils zbar-tools",
                "apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends poppler-utils zbar-tools",
            ],
            Calls());
    }

    [Fact]
    public void WithoutRootOrSudoNothingIsInstalledAndTheMissingPackagesAreNamedWithTheCommand()
    {
        User(id: 1000, passwordlessSudo: false);
        Tool("chromium");
        AzuriteInstalled();

        var output = RunScript();

        Assert.Empty(Calls());
        Assert.Contains("missing Debian packages: poppler-utils zbar-tools", output, StringComparison.Ordinal);
        Assert.Contains("sudo apt-get install -y poppler-utils zbar-tools", output, StringComparison.Ordinal);
    }

    [Fact]
    public void WhenEverythingIsThereNothingRunsAndNothingIsPrinted()
    {
        User(id: 0, passwordlessSudo: false);
        Tool("chromium");
        Tool("pdftoppm");
        Tool("zbarimg");
        AzuriteInstalled();

        var output = RunScript();

        Assert.Empty(Calls());
        Assert.Equal(string.Empty, output);
    }

    [Fact]
    public void WithoutNodeModulesNpmCiRunsInTheRepositoryRoot()
    {
        User(id: 0, passwordlessSudo: false);
        Tool("chromium");
        Tool("pdftoppm");
        Tool("zbarimg");

        var output = RunScript();

        Assert.Equal([$"npm ci --no-audit --no-fund in {Root}"], Calls());
        Assert.Contains("running 'npm ci'", output, StringComparison.Ordinal);
    }

    [Fact]
    public void TheTestCommandRunsTheScriptBeforeTheTests()
    {
        var root = RepoPaths.FindRoot();
        var project = XDocument.Load(Path.Combine(root, "tests", "TrainingCycles.Tests", "TrainingCycles.Tests.csproj"));
        var target = Assert.Single(project.Descendants("Target"), t => (string?)t.Attribute("Name") == "InstallTestPrerequisites");
        Assert.Equal("VSTest", (string?)target.Attribute("BeforeTargets"));
        Assert.Contains("Support/prerequisites.sh", (string?)Assert.Single(target.Elements("Exec")).Attribute("Command"), StringComparison.Ordinal);
        Assert.True(File.Exists(Prerequisites.ScriptPath));
    }

    [Fact]
    public void CiRunsTheReadmeTestCommandAndInstallsNothingItself()
    {
        var root = RepoPaths.FindRoot();
        var commands = File.ReadAllLines(Path.Combine(root, ".ci", "run"))
            .Select(line => line.Trim())
            .Where(line => line.Length > 0 && !line.StartsWith('#') && !line.StartsWith("set ", StringComparison.Ordinal) && !line.StartsWith("cd ", StringComparison.Ordinal))
            .ToList();

        Assert.Equal(["dotnet test"], commands);
        Assert.Contains("```bash\ndotnet test\n```", File.ReadAllText(Path.Combine(root, "README.md")).ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public void AToolThatStaysMissingFailsWithItsPackageAndTheInstallCommand()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Prerequisites.Require("no-such-tool-for-this-test", "no-such-package"));
        Assert.StartsWith("'no-such-tool-for-this-test' is not installed and could not be installed here. Install it once with: sudo apt-get install -y no-such-package", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private void User(int id, bool passwordlessSudo)
    {
        Fake("id", $"echo {id}");
        Fake("sudo", $"""
            if [ "$1" = -n ] && [ "$2" = true ]; then exit {(passwordlessSudo ? 0 : 1)}; fi
            echo "sudo $*" >> "{Log}"
            shift
            exec "$@"
            """);
    }

    private void Tool(string name) => Fake(name, "exit 0");

    private void AzuriteInstalled()
    {
        var entry = Path.Combine(Root, "node_modules", "azurite", "dist", "src", "azurite.js");
        Directory.CreateDirectory(Path.GetDirectoryName(entry)!);
        File.WriteAllText(entry, string.Empty);
    }

    private void Fake(string name, string body)
    {
        var path = Path.Combine(Bin, name);
        File.WriteAllText(path, $"#!{Path.Combine(Bin, "bash")}\n{body}\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private List<string> Calls() => File.Exists(Log) ? [.. File.ReadAllLines(Log)] : [];

    private string RunScript()
    {
        var start = new ProcessStartInfo(Path.Combine(Bin, "bash")) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Prerequisites.ScriptPath);
        start.ArgumentList.Add(Root);
        start.Environment["PATH"] = Bin;
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)), "the script did not finish");
        Assert.True(process.ExitCode == 0, $"the script exited with {process.ExitCode}: {stdout}{stderr.Result}");
        return stdout + stderr.Result;
    }
}
