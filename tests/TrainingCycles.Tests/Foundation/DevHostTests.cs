using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TrainingCycles.DevHost;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Foundation;

public sealed class DevHostTests
{
    [Fact]
    public async Task StartsItsOwnAzuriteOnFreePortsAnswersHealthAndLeavesNoProcessBehind()
    {
        int azuritePid;
        await using (var world = await TestWorld.StartAsync(ownAzurite: true))
        {
            azuritePid = world.Host.AzuriteProcessId ?? throw new InvalidOperationException("the dev host should have started Azurite");
            Assert.DoesNotContain(":10000/", world.Host.StorageConnectionString, StringComparison.Ordinal);

            var response = await world.Http.GetAsync("api/health");
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("healthy", body.GetProperty("status").GetString());
            Assert.Equal("ok", body.GetProperty("checks").GetProperty("storage").GetProperty("status").GetString());
            Assert.Equal("ok", body.GetProperty("checks").GetProperty("workflow").GetProperty("status").GetString());
            Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        }

        Assert.True(ProcessIsGone(azuritePid), $"Azurite (pid {azuritePid}) is still running after the dev host stopped");
    }

    [Fact]
    public async Task OrchestrationStartedThroughTheDevHostCompletesOnTheAzureStorageBackend()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.AzureStorage);

        var response = await world.Organizer.PostAsync("api/health/workflow-probe", null);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Completed", body.GetProperty("runtimeStatus").GetString());

        // The task hub's own tables exist in storage: the work really went through the Azure Storage provider.
        var tables = new Azure.Data.Tables.TableServiceClient(world.Host.StorageConnectionString);
        var names = new List<string>();
        await foreach (var table in tables.QueryAsync())
        {
            names.Add(table.Name);
        }

        Assert.Contains("hub" + world.Id + "History", names, StringComparer.OrdinalIgnoreCase);
        Assert.Contains("hub" + world.Id + "Instances", names, StringComparer.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task OrchestrationCompletesOnTheInMemoryBackendToo()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);

        var response = await world.Organizer.PostAsync("api/health/workflow-probe", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task OrganizerRouteAnswers401WithoutAValidKeyAndWorksWithOneInTheHeaderOnly()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);

        var none = await world.Http.PostAsync("api/health/workflow-probe", null);
        using var wrongKey = new HttpRequestMessage(HttpMethod.Post, "api/health/workflow-probe");
        wrongKey.Headers.Add("x-functions-key", world.Host.FunctionKey + "x");
        var wrong = await world.Http.SendAsync(wrongKey);
        var header = await world.Organizer.PostAsync("api/health/workflow-probe", null);
        var query = await world.Http.PostAsync("api/health/workflow-probe?code=" + Uri.EscapeDataString(world.Host.FunctionKey), null);

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.OK, header.StatusCode);
        // No secret in a URL (#18): the key is taken from the header only.
        Assert.Equal(HttpStatusCode.Unauthorized, query.StatusCode);
    }

    [Fact]
    public async Task RefusesToStartWithAMissingSettingAndNamesIt()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => TestWorld.StartAsync(
            DurableBackend.InMemory,
            settings: new Dictionary<string, string?> { ["TrainingCycles__TokenSigningKey"] = "", ["SendGrid__FromEmail"] = "not-an-address" }));

        var message = error is Microsoft.Extensions.Options.OptionsValidationException v ? string.Join("\n", v.Failures) : error.Message;
        Assert.Contains("TrainingCycles__TokenSigningKey", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RefusesToStartWithAMalformedSendGridSettingAndNamesIt()
    {
        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => TestWorld.StartAsync(
            DurableBackend.InMemory,
            settings: new Dictionary<string, string?> { ["SendGrid__FromEmail"] = "not-an-address" }));

        Assert.Contains(error.Failures, f => f.Contains("SendGrid__FromEmail", StringComparison.Ordinal));
    }

    private static bool ProcessIsGone(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }
}
