using System.Text.Json;

namespace TrainingCycles.Tests.Infra;

/// <summary>The infrastructure compiles and lints cleanly with the real Bicep CLI, and keeps its security settings.</summary>
public sealed class BicepTests
{
    private static readonly string[] RequiredOutputs = ["FUNCTION_APP_URL", "STORAGE_ACCOUNT_NAME", "KEY_VAULT_NAME"];

    public static TheoryData<string> BicepFiles() => new(BicepFilePaths());

    private static List<string> BicepFilePaths() =>
        Directory.EnumerateFiles(BicepCli.InfraDir, "*.bicep", SearchOption.AllDirectories)
            .Select(file => Path.GetRelativePath(BicepCli.RepoRoot, file).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToList();

    [Fact]
    public async Task MainBicepBuildsWithoutWarningsOrErrors()
    {
        var template = await BicepCli.MainTemplateAsync();
        var build = template.Build;

        Assert.True(build.ExitCode == 0, build.Describe());
        var diagnostics = BicepCli.DiagnosticLines(build.Stderr);
        Assert.True(diagnostics.Count == 0, $"bicep build infra/main.bicep reported diagnostics:\n{string.Join('\n', diagnostics)}\n\nfull stderr:\n{build.Stderr}");
        Assert.Equal(JsonValueKind.Object, template.Root.ValueKind);
    }

    [Fact]
    public void EveryBicepFileUnderInfraIsLinted()
    {
        var files = BicepFilePaths();
        Assert.Contains("infra/main.bicep", files);
        Assert.True(files.Count > 1, "Expected the modules under infra/modules to be found: " + string.Join(", ", files));
    }

    [Theory]
    [MemberData(nameof(BicepFiles))]
    public async Task LintReportsNothing(string relativePath)
    {
        var result = await BicepCli.RunAsync("lint", Path.Combine(BicepCli.RepoRoot, relativePath));

        Assert.True(result.ExitCode == 0, $"{relativePath}: {result.Describe()}");
        var diagnostics = BicepCli.DiagnosticLines(result.Stderr).Concat(BicepCli.DiagnosticLines(result.Stdout)).ToList();
        Assert.True(diagnostics.Count == 0, $"bicep lint {relativePath} reported diagnostics:\n{string.Join('\n', diagnostics)}\n\nfull stderr:\n{result.Stderr}");
    }

    [Fact]
    public async Task StorageAccountsAcceptEntraIdOnlyOverTls12()
    {
        var template = await BicepCli.MainTemplateAsync();
        var accounts = template.AllResources()
            .Where(r => r.Type.Equals("Microsoft.Storage/storageAccounts", StringComparison.OrdinalIgnoreCase) && !r.IsExisting)
            .ToList();

        Assert.True(accounts.Count > 0, "The compiled template declares no storage account (Microsoft.Storage/storageAccounts).");
        foreach (var account in accounts)
        {
            var props = Assert.IsType<JsonElement>(account.Properties);
            Assert.True(Is(props, "allowSharedKeyAccess", JsonValueKind.False),
                $"{account.Describe()}: properties.allowSharedKeyAccess must be false (got {Show(props, "allowSharedKeyAccess")}).");
            Assert.True(IsString(props, "minimumTlsVersion", "TLS1_2"),
                $"{account.Describe()}: properties.minimumTlsVersion must be 'TLS1_2' (got {Show(props, "minimumTlsVersion")}).");
        }
    }

    [Fact]
    public async Task FunctionAppIsHttpsOnly()
    {
        var template = await BicepCli.MainTemplateAsync();
        var sites = template.AllResources()
            .Where(r => r.Type.Equals("Microsoft.Web/sites", StringComparison.OrdinalIgnoreCase) && !r.IsExisting)
            .ToList();

        Assert.True(sites.Count > 0, "The compiled template declares no function app (Microsoft.Web/sites).");
        foreach (var site in sites)
        {
            var props = Assert.IsType<JsonElement>(site.Properties);
            Assert.True(Is(props, "httpsOnly", JsonValueKind.True),
                $"{site.Describe()}: properties.httpsOnly must be true (got {Show(props, "httpsOnly")}).");
        }
    }

    [Fact]
    public async Task OutputsNameTheDeployedResourcesInUpperSnakeCase()
    {
        var template = await BicepCli.MainTemplateAsync();
        Assert.True(template.Root.TryGetProperty("outputs", out var outputs), "The compiled main template has no outputs.");

        var names = outputs.EnumerateObject().Select(o => o.Name).ToList();
        foreach (var required in RequiredOutputs)
        {
            Assert.True(names.Contains(required, StringComparer.Ordinal),
                $"infra/main.bicep has no output '{required}' (azd reads it as an environment value). Outputs: {string.Join(", ", names)}");
        }

        var notUpperSnake = names.Where(n => !n.All(c => char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c) || c == '_')).ToList();
        Assert.True(notUpperSnake.Count == 0, $"infra/main.bicep outputs not in UPPER_SNAKE case: {string.Join(", ", notUpperSnake)}");
    }

    private static bool Is(JsonElement obj, string property, JsonValueKind kind) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(property, out var v) && v.ValueKind == kind;

    private static bool IsString(JsonElement obj, string property, string expected) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(property, out var v) &&
        v.ValueKind == JsonValueKind.String && v.GetString() == expected;

    private static string Show(JsonElement obj, string property) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(property, out var v) ? v.GetRawText() : "<absent>";
}
