using System.Text.Json;
using TrainingCycles.Attendance;
using TrainingCycles.Infrastructure;
using TrainingCycles.Nomination;
using YamlDotNet.RepresentationModel;

namespace TrainingCycles.Tests.Infra;

/// <summary>The infra/ settings #23 asks for, each read from the compiled main template (docs/privacy.md).</summary>
public sealed class PrivacyHardeningTests
{
    [Fact]
    public async Task KeyVaultPurgeProtectionIsOnByDefault()
    {
        var template = await BicepCli.MainTemplateAsync();
        var parameter = template.Root.GetProperty("parameters").GetProperty("enableKeyVaultPurgeProtection");
        Assert.Equal(JsonValueKind.True, parameter.GetProperty("defaultValue").ValueKind);
        var parameters = JsonDocument.Parse(File.ReadAllText(Path.Combine(BicepCli.InfraDir, "main.parameters.json"))).RootElement;
        Assert.Equal("${KEY_VAULT_PURGE_PROTECTION=true}", parameters.GetProperty("parameters").GetProperty("enableKeyVaultPurgeProtection").GetProperty("value").GetString());
    }

    [Fact]
    public async Task BlobsAndContainersAreSoftDeleted()
    {
        var template = await BicepCli.MainTemplateAsync();
        var services = template.AllResources().Where(r => r.Type.Equals("Microsoft.Storage/storageAccounts/blobServices", StringComparison.OrdinalIgnoreCase) && !r.IsExisting).ToList();
        Assert.NotEmpty(services);
        foreach (var service in services)
        {
            var props = Assert.IsType<JsonElement>(service.Properties);
            foreach (var policy in new[] { "deleteRetentionPolicy", "containerDeleteRetentionPolicy" })
            {
                Assert.True(props.TryGetProperty(policy, out var p) && p.GetProperty("enabled").ValueKind == JsonValueKind.True, $"{service.Describe()}: {policy} must be enabled");
            }
        }
    }

    // ---- #23b: diagnostics, least privilege, versioning, region, deploy workflow ----

    private static JsonElement Module(CompiledTemplate template, string name) =>
        template.Root.GetProperty("resources").GetProperty(name);

    private static JsonElement ModuleTemplate(CompiledTemplate template, string name) =>
        Module(template, name).GetProperty("properties").GetProperty("template");

    private static string PassedParameter(CompiledTemplate template, string module, string parameter) =>
        Module(template, module).GetProperty("properties").GetProperty("parameters").GetProperty(parameter).GetProperty("value").ToString();

    /// <summary>A main.bicep variable that is a list of names: literals, or <c>[variables('x')]</c> resolved one level.</summary>
    private static List<string> NameList(CompiledTemplate template, string variable)
    {
        var variables = template.Root.GetProperty("variables");
        return [.. variables.GetProperty(variable).EnumerateArray().Select(e => e.GetString()!).Select(v =>
            v.StartsWith("[variables('", StringComparison.Ordinal) ? variables.GetProperty(v[12..^3]).GetString()! : v)];
    }

    [Fact]
    public async Task StorageAndKeyVaultSendTheirLogsToTheLogAnalyticsWorkspace()
    {
        var template = await BicepCli.MainTemplateAsync();
        foreach (var module in new[] { "storage", "keyVault" })
        {
            Assert.Contains("reference('monitoring').outputs.logAnalyticsId.value", PassedParameter(template, module, "logAnalyticsWorkspaceId"), StringComparison.Ordinal);
        }

        var settings = template.AllResources().Where(r => r.Type.Equals("Microsoft.Insights/diagnosticSettings", StringComparison.OrdinalIgnoreCase)).ToList();
        string[] scopes = ["Microsoft.Storage/storageAccounts/blobServices", "Microsoft.Storage/storageAccounts/tableServices", "Microsoft.Storage/storageAccounts/queueServices", "Microsoft.KeyVault/vaults'"];
        foreach (var scope in scopes)
        {
            var setting = settings.SingleOrDefault(s => s.Resource.GetProperty("scope").GetString()!.Contains(scope, StringComparison.Ordinal));
            Assert.True(setting is not null, $"No diagnostic setting on {scope}: {string.Join(", ", settings.Select(s => s.Describe()))}");
            var props = setting!.Properties!.Value;
            Assert.Equal("[parameters('logAnalyticsWorkspaceId')]", props.GetProperty("workspaceId").GetString());
            var logs = props.GetProperty("logs");
            if (logs.ValueKind == JsonValueKind.String)
            {
                // A module variable: [variables('storageLogs')].
                logs = setting.Template.GetProperty("variables").GetProperty(logs.GetString()![12..^3]);
            }

            var categories = logs.EnumerateArray().Where(l => l.GetProperty("enabled").ValueKind == JsonValueKind.True).Select(l => l.GetProperty("category").GetString()).ToList();
            Assert.Equal(scope.Contains("KeyVault", StringComparison.Ordinal) ? ["AuditEvent"] : ["StorageRead", "StorageWrite", "StorageDelete"], categories);
        }

        Assert.Contains("logAnalyticsId", ModuleTemplate(template, "monitoring").GetProperty("outputs").EnumerateObject().Select(o => o.Name));
    }

    [Fact]
    public async Task TheAppsIdentityHoldsDataRolesOnlyOnTheContainersTablesAndQueuesItUses()
    {
        var template = await BicepCli.MainTemplateAsync();

        // The module cannot grant a management role at all.
        var roles = ModuleTemplate(template, "access").GetProperty("definitions").GetProperty("roleName").GetProperty("allowedValues").EnumerateArray().Select(r => r.GetString()!).ToList();
        Assert.DoesNotContain(roles, r => r is "Owner" or "Contributor" or "Storage Account Contributor" or "User Access Administrator");

        // On the whole account the app holds Storage Blob Delegator only (everything after deployerGranted is the person's).
        var accountGrants = PassedParameter(template, "access", "storageGrants");
        var appPart = accountGrants[..accountGrants.IndexOf("variables('deployerGranted')", StringComparison.Ordinal)];
        Assert.Contains("'Storage Blob Delegator'", appPart, StringComparison.Ordinal);
        Assert.DoesNotContain(roles.Where(r => r != "Storage Blob Delegator"), r => appPart.Contains($"'{r}'", StringComparison.Ordinal));

        // Container, table and queue grants are scoped to that one resource.
        var assignments = ModuleTemplate(template, "access").GetProperty("resources");
        foreach (var (resource, scope, param) in new[]
        {
            ("containerRoleAssignments", "blobServices/containers", "containerGrants"),
            ("tableRoleAssignments", "tableServices/tables", "tableGrants"),
            ("queueRoleAssignments", "queueServices/queues", "queueGrants"),
        })
        {
            Assert.Equal($"[resourceId('Microsoft.Storage/storageAccounts/{scope}', parameters('storageAccountName'), 'default', parameters('{param}')[copyIndex()].target)]",
                assignments.GetProperty(resource).GetProperty("scope").GetString());
        }

        Assert.Contains("map(variables('appContainerNames')", PassedParameter(template, "access", "containerGrants"), StringComparison.Ordinal);
        Assert.Contains("map(variables('appTableNames')", PassedParameter(template, "access", "tableGrants"), StringComparison.Ordinal);
        Assert.Contains("map(variables('appQueueNames')", PassedParameter(template, "access", "queueGrants"), StringComparison.Ordinal);

        // What the code and the Durable task hub use is all declared (and so granted); nothing more.
        var hostJson = JsonDocument.Parse(File.ReadAllText(Path.Combine(BicepCli.RepoRoot, "host.json"))).RootElement.GetProperty("extensions").GetProperty("durableTask");
        var hub = hostJson.GetProperty("hubName").GetString()!;
        var partitions = hostJson.GetProperty("storageProvider").GetProperty("partitionCount").GetInt32();
        // Every table the code uses must be declared and granted (a table declared ahead of the code that uses it is harmless).
        var tables = NameList(template, "appTableNames");
        Assert.Equal(tables.Count, tables.Distinct(StringComparer.Ordinal).Count());
        Assert.Empty(AppTables.All.Concat([hub + "History", hub + "Instances", hub + "Partitions"]).Except(tables, StringComparer.Ordinal));
        Assert.Equal([.. Enumerable.Range(0, partitions).Select(i => $"{hub.ToLowerInvariant()}-control-{i:00}"), hub.ToLowerInvariant() + "-workitems"], NameList(template, "appQueueNames"));
        var containers = NameList(template, "appContainerNames");
        var signIn = new TrainingCycles.Identity.EmailSignInOptions().KeyContainer;
        Assert.Equal(
            new[] { new TrainingCyclesOptions().CertificatesContainer, signIn, NominationService.LettersContainer, AbsenceStore.EvidenceContainer, "azure-webjobs-hosts", "azure-webjobs-secrets" }
                .Concat(new[] { "leases", "applease", "largemessages" }.Select(s => $"{hub.ToLowerInvariant()}-{s}")).Order(StringComparer.Ordinal),
            containers.Order(StringComparer.Ordinal));

        // Not owner of its own package: the app's identity has no grant on it; a separate identity deploys.
        var package = template.Root.GetProperty("variables").GetProperty("deploymentContainerName").GetString()!;
        Assert.DoesNotContain(package, containers);
        Assert.Equal("[reference('deploymentIdentity').outputs.id.value]", PassedParameter(template, "functionApp", "deploymentIdentityId"));
        var site = ModuleTemplate(template, "functionApp").GetProperty("resources").GetProperty("site").GetProperty("properties");
        Assert.Equal("[parameters('deploymentIdentityId')]", site.GetProperty("functionAppConfig").GetProperty("deployment").GetProperty("storage").GetProperty("authentication").GetProperty("userAssignedIdentityResourceId").GetString());
        Assert.Equal("[parameters('identityId')]", site.GetProperty("keyVaultReferenceIdentity").GetString());
        var deployGrant = PassedParameter(template, "access", "containerGrants");
        Assert.Contains("createObject('role', 'Storage Blob Data Contributor', 'principalId', reference('deploymentIdentity').outputs.principalId.value, 'principalType', 'ServicePrincipal', 'target', variables('deploymentContainerName')", deployGrant, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DocumentBlobsAreVersionedAndPreviousVersionsAreDeletedWithinADay()
    {
        var template = await BicepCli.MainTemplateAsync();
        var storage = ModuleTemplate(template, "storage");
        Assert.Equal(JsonValueKind.True, storage.GetProperty("parameters").GetProperty("enableVersioning").GetProperty("defaultValue").ValueKind);
        Assert.Equal(1, storage.GetProperty("parameters").GetProperty("previousVersionDays").GetProperty("defaultValue").GetInt32());
        Assert.Equal("[parameters('enableVersioning')]", storage.GetProperty("resources").GetProperty("blobService").GetProperty("properties").GetProperty("isVersioningEnabled").GetString());
        var rule = Assert.Single(storage.GetProperty("resources").GetProperty("lifecycle").GetProperty("properties").GetProperty("policy").GetProperty("rules").EnumerateArray());
        Assert.True(rule.GetProperty("enabled").GetBoolean());
        Assert.False(rule.GetProperty("definition").GetProperty("filters").TryGetProperty("prefixMatch", out _), "the rule covers every container");
        Assert.Equal("[parameters('previousVersionDays')]", rule.GetProperty("definition").GetProperty("actions").GetProperty("version").GetProperty("delete").GetProperty("daysAfterCreationGreaterThan").GetString());
    }

    [Fact]
    public async Task TheDefaultRegionIsIndonesiaCentral()
    {
        var template = await BicepCli.MainTemplateAsync();
        Assert.Equal("indonesiacentral", template.Root.GetProperty("parameters").GetProperty("location").GetProperty("defaultValue").GetString());
        var parameters = JsonDocument.Parse(File.ReadAllText(Path.Combine(BicepCli.InfraDir, "main.parameters.json"))).RootElement;
        Assert.Equal("${AZURE_LOCATION=indonesiacentral}", parameters.GetProperty("parameters").GetProperty("location").GetProperty("value").GetString());
        Assert.Contains("indonesiacentral", File.ReadAllText(Path.Combine(BicepCli.RepoRoot, "docs", "deploy.md")), StringComparison.Ordinal);
    }

    [Fact]
    public void TheDeployWorkflowRunsTheTestsAndWaitsForTheEnvironmentsApprovalBeforeAzure()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(Path.Combine(BicepCli.RepoRoot, ".github", "workflows", "deploy.yml"))));
        var jobs = (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode).Children[new YamlScalarNode("jobs")];
        var deploy = (YamlMappingNode)jobs.Children[new YamlScalarNode("deploy")];
        var needs = deploy.Children[new YamlScalarNode("needs")];
        var needed = needs is YamlSequenceNode seq ? seq.Children.Select(n => ((YamlScalarNode)n).Value!).ToList() : [((YamlScalarNode)needs).Value!];
        Assert.True(deploy.Children.TryGetValue(new YamlScalarNode("environment"), out var environment) && environment is YamlScalarNode { Value.Length: > 0 } or YamlMappingNode,
            "the deploy job must name a GitHub environment (required reviewers approve it)");

        static IEnumerable<string> Runs(YamlMappingNode job) =>
            ((YamlSequenceNode)job.Children[new YamlScalarNode("steps")]).Children.Cast<YamlMappingNode>()
                .Select(s => s.Children.TryGetValue(new YamlScalarNode("run"), out var r) ? ((YamlScalarNode)r).Value ?? "" : "");

        Assert.Contains(needed, n => Runs((YamlMappingNode)jobs.Children[new YamlScalarNode(n)]).Any(r => r.Contains("dotnet test", StringComparison.Ordinal)));
        Assert.All(needed, n => Assert.DoesNotContain(Runs((YamlMappingNode)jobs.Children[new YamlScalarNode(n)]), r => r.Contains("azd ", StringComparison.Ordinal)));
        Assert.Contains(Runs(deploy), r => r.Contains("azd provision", StringComparison.Ordinal));
    }
}
