using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace TrainingCycles.Tests.Infra;

/// <summary>The real Bicep CLI from the Azure.Bicep.CommandLine.linux-x64 package (PackageDownload), run offline.</summary>
internal static partial class BicepCli
{
    public const string Version = "0.49.2";
    private const string PackageId = "azure.bicep.commandline.linux-x64";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    private static readonly Lazy<string> LazyRepoRoot = new(FindRepoRoot);
    private static readonly Lazy<string> LazyExecutable = new(FindExecutable);
    private static readonly Lazy<Task<CompiledTemplate>> LazyMainTemplate = new(() => Task.Run(CompileMainAsync));

    public static string RepoRoot => LazyRepoRoot.Value;

    public static string InfraDir => Path.Combine(RepoRoot, "infra");

    public static string MainBicep => Path.Combine(InfraDir, "main.bicep");

    public static string Executable => LazyExecutable.Value;

    /// <summary>infra/main.bicep compiled once per test run, shared by every test that inspects the ARM JSON.</summary>
    public static Task<CompiledTemplate> MainTemplateAsync() => LazyMainTemplate.Value;

    public static async Task<BicepResult> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo(Executable)
        {
            WorkingDirectory = RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["BICEP_TRACING_ENABLED"] = "false";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["AZURE_CORE_COLLECT_TELEMETRY"] = "false";

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {Executable}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bicep {string.Join(' ', args)} did not finish within {Timeout}.\nstderr:\n{await stderr}");
        }

        return new BicepResult(string.Join(' ', args), process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Lines that are Bicep diagnostics (<c>file(l,c) : Warning rule: …</c>) or otherwise mention a warning or an error.</summary>
    public static IReadOnlyList<string> DiagnosticLines(string output) =>
        output.Split('\n')
            .Select(l => l.TrimEnd('\r'))
            .Where(l => DiagnosticLine().IsMatch(l) || l.Contains("Warning", StringComparison.Ordinal) || l.Contains("Error", StringComparison.Ordinal))
            .ToList();

    [GeneratedRegex(@"\(\d+,\d+\)\s*:\s*(Error|Warning|Info)\b", RegexOptions.IgnoreCase)]
    private static partial Regex DiagnosticLine();

    private static async Task<CompiledTemplate> CompileMainAsync()
    {
        var result = await RunAsync("build", MainBicep, "--stdout");
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"bicep build infra/main.bicep failed with exit code {result.ExitCode}:\n{result.Stderr}");
        }

        return new CompiledTemplate(result, JsonDocument.Parse(result.Stdout));
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "host.json")) && File.Exists(Path.Combine(dir.FullName, "package.json")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No folder above {AppContext.BaseDirectory} holds both host.json and package.json.");
    }

    private static string FindExecutable()
    {
        var packageRoot = typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "NuGetPackageRoot")?.Value;
        if (string.IsNullOrWhiteSpace(packageRoot))
        {
            throw new InvalidOperationException("The test assembly has no [AssemblyMetadata(\"NuGetPackageRoot\", …)]; see TrainingCycles.Tests.csproj.");
        }

        var path = Path.Combine(packageRoot, PackageId, Version, "tools", "bicep");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Bicep CLI not found at {path}. Restore the test project (PackageDownload Azure.Bicep.CommandLine.linux-x64 {Version}).", path);
        }

        if (!OperatingSystem.IsWindows())
        {
            // NuGet extracts package files without the executable bit.
            var mode = File.GetUnixFileMode(path);
            const UnixFileMode execute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
            if ((mode & UnixFileMode.UserExecute) == 0)
            {
                File.SetUnixFileMode(path, mode | execute);
            }
        }

        return path;
    }
}

internal sealed record BicepResult(string Command, int ExitCode, string Stdout, string Stderr)
{
    public string Describe() => $"bicep {Command} → exit code {ExitCode}\nstderr:\n{Stderr}\nstdout:\n{Truncate(Stdout)}";

    private static string Truncate(string s) => s.Length <= 4000 ? s : s[..4000] + "…";
}

/// <summary>An ARM resource and the module deployment whose nested template declares it (null at the top level).</summary>
internal sealed record ArmResource(JsonElement Resource, JsonElement? Deployment, JsonElement Template)
{
    public string Type => Resource.TryGetProperty("type", out var t) ? t.GetString() ?? "" : "";

    public string Name => Resource.TryGetProperty("name", out var n) ? n.GetString() ?? "" : "";

    public bool IsExisting => Resource.TryGetProperty("existing", out var e) && e.ValueKind == JsonValueKind.True;

    public JsonElement? Properties => Resource.TryGetProperty("properties", out var p) ? p : null;

    /// <summary>For messages: the type, the name expression and the module it comes from.</summary>
    public string Describe() =>
        Deployment is { } d && d.TryGetProperty("name", out var module)
            ? $"{Type} {Name} in module '{module.GetString()}'"
            : $"{Type} {Name} in main.bicep";
}

internal sealed partial class CompiledTemplate(BicepResult build, JsonDocument json)
{
    public BicepResult Build { get; } = build;

    public JsonElement Root => json.RootElement;

    /// <summary>Every resource, descending into module deployments (Microsoft.Resources/deployments, properties.template).</summary>
    public IEnumerable<ArmResource> AllResources() => Walk(Root, deployment: null);

    private static IEnumerable<ArmResource> Walk(JsonElement template, JsonElement? deployment)
    {
        if (!template.TryGetProperty("resources", out var resources))
        {
            yield break;
        }

        // languageVersion 2.0 (symbolic names) keeps resources in an object; older templates in an array.
        var items = resources.ValueKind switch
        {
            JsonValueKind.Array => resources.EnumerateArray().ToList(),
            JsonValueKind.Object => resources.EnumerateObject().Select(p => p.Value).ToList(),
            _ => [],
        };

        foreach (var resource in items)
        {
            var entry = new ArmResource(resource, deployment, template);
            yield return entry;
            if (entry.Type.Equals("Microsoft.Resources/deployments", StringComparison.OrdinalIgnoreCase) &&
                entry.Properties is { } props && props.TryGetProperty("template", out var nested))
            {
                foreach (var inner in Walk(nested, resource))
                {
                    yield return inner;
                }
            }
        }
    }

    /// <summary>
    /// The app setting names the template gives the function app: <c>siteConfig.appSettings</c> on Microsoft.Web/sites and
    /// the keys of Microsoft.Web/sites/config 'appsettings', resolving <c>[parameters('x')]</c> from the module's parameters.
    /// </summary>
    public IReadOnlySet<string> AppSettingNames()
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var r in AllResources())
        {
            if (r.Properties is not { } props)
            {
                continue;
            }

            if (r.Type.Equals("Microsoft.Web/sites", StringComparison.OrdinalIgnoreCase) &&
                props.ValueKind == JsonValueKind.Object &&
                props.TryGetProperty("siteConfig", out var siteConfig) && siteConfig.ValueKind == JsonValueKind.Object &&
                siteConfig.TryGetProperty("appSettings", out var appSettings) && appSettings.ValueKind == JsonValueKind.Array)
            {
                foreach (var s in appSettings.EnumerateArray())
                {
                    if (s.TryGetProperty("name", out var n) && n.GetString() is { } name)
                    {
                        names.Add(name);
                    }
                }
            }

            if (r.Type.Equals("Microsoft.Web/sites/config", StringComparison.OrdinalIgnoreCase) &&
                r.Name.Contains("appsettings", StringComparison.OrdinalIgnoreCase))
            {
                var settings = Resolve(props, r);
                if (settings is not { ValueKind: JsonValueKind.Object })
                {
                    throw new InvalidOperationException($"Cannot resolve the app settings of {r.Name} to an object: {props}");
                }

                foreach (var p in settings.Value.EnumerateObject())
                {
                    names.Add(p.Name);
                }
            }
        }

        return names;
    }

    private static JsonElement? Resolve(JsonElement value, ArmResource owner)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            return value;
        }

        var match = ParameterReference().Match(value.GetString()!);
        if (!match.Success)
        {
            return null;
        }

        var parameter = match.Groups[1].Value;
        if (owner.Deployment is { } deployment &&
            deployment.GetProperty("properties").TryGetProperty("parameters", out var passed) &&
            passed.TryGetProperty(parameter, out var given) && given.TryGetProperty("value", out var givenValue))
        {
            return givenValue;
        }

        if (owner.Template.TryGetProperty("parameters", out var declared) &&
            declared.TryGetProperty(parameter, out var decl) && decl.TryGetProperty("defaultValue", out var defaultValue))
        {
            return defaultValue;
        }

        return null;
    }

    [GeneratedRegex(@"^\[parameters\('([^']+)'\)\]$")]
    private static partial Regex ParameterReference();
}
