using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TrainingCycles.Cycles;
using TrainingCycles.DevHost;
using TrainingCycles.Infrastructure;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Cycles;

/// <summary>Creating a cycle is two steps (rows, then the workflow); a retry with the same Idempotency-Key never makes a second cycle and finishes a half-done one.</summary>
public sealed class CreateCycleIdempotencyTests
{
    [Fact]
    public async Task ARetryWithTheSameKeyReturnsTheSameCycleAndMakesNoSecond()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var definition = CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 3600).ToJsonString();
        var key = "bpsdm-" + Guid.NewGuid().ToString("N");

        var first = await PostAsync(world, definition, key);
        var second = await PostAsync(world, definition, key);
        var otherBody = await PostAsync(world, definition.Replace("Pelatihan Dasar", "Pelatihan Lanjut", StringComparison.Ordinal), key);
        var badKey = await PostAsync(world, definition, "two words");
        var list = await (await world.Organizer.GetAsync("api/cycles")).Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.Created, first.Status);
        Assert.Equal(HttpStatusCode.OK, second.Status);
        var cycleId = first.Body.GetProperty("cycleId").GetString()!;
        Assert.Equal(cycleId, second.Body.GetProperty("cycleId").GetString());
        Assert.Equal(Stable(first.Body), Stable(second.Body));
        Assert.Equal(HttpStatusCode.Conflict, otherBody.Status);
        Assert.Equal("idempotency_key_reused", otherBody.Body.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains("tidak ada yang disimpan", otherBody.Body.GetProperty("error").GetProperty("message").GetString());
        Assert.Contains("nothing was saved", otherBody.Body.GetProperty("error").GetProperty("messageEn").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, badKey.Status);
        Assert.Equal("invalid_idempotency_key", badKey.Body.GetProperty("error").GetProperty("code").GetString());
        Assert.Single(list.GetProperty("items").EnumerateArray(), c => c.GetProperty("title").GetString()!.StartsWith("Pelatihan", StringComparison.Ordinal));
        Assert.Equal("Pelatihan Dasar Pekerjaan Sosial se-Kalimantan Tengah", Assert.Single(list.GetProperty("items").EnumerateArray()).GetProperty("title").GetString());
    }

    [Fact]
    public async Task ACreateCutOffBeforeTheWorkflowStartedIsFinishedByTheRetry()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var definition = CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 3600).ToJsonString();
        var key = "bpsdm-" + Guid.NewGuid().ToString("N");
        // What a failure between the two steps leaves: the rows, written under the key's cycle id, and no workflow.
        var cycleId = await WriteRowsOnlyAsync(world, definition, key);
        Assert.Null(await world.Host.DurableClient.GetInstanceAsync(cycleId));

        var retry = await PostAsync(world, definition, key);

        Assert.Equal(HttpStatusCode.OK, retry.Status);
        Assert.Equal(cycleId, retry.Body.GetProperty("cycleId").GetString());
        Assert.NotNull(await world.Host.DurableClient.GetInstanceAsync(cycleId));
        await CycleApi.WaitForPhaseAsync(world.Organizer, cycleId, "RegistrationOpen");
    }

    [Fact]
    public async Task ACycleWithoutItsWorkflowGetsItWhenItIsOpened()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var definition = CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 3600).ToJsonString();
        var cycleId = await WriteRowsOnlyAsync(world, definition, key: null);

        var opened = await CycleApi.GetAsync(world.Organizer, cycleId);
        var again = await CycleApi.GetAsync(world.Organizer, cycleId);

        Assert.Equal(cycleId, opened.GetProperty("cycleId").GetString());
        Assert.NotNull(await world.Host.DurableClient.GetInstanceAsync(cycleId));
        Assert.Equal(cycleId, again.GetProperty("cycleId").GetString()); // the second open finds it running: still fine
        await CycleApi.WaitForPhaseAsync(world.Organizer, cycleId, "RegistrationOpen");
    }

    private static async Task<string> WriteRowsOnlyAsync(TestWorld world, string definitionJson, string? key)
    {
        var definition = JsonSerializer.Deserialize<CycleDefinition>(definitionJson, Http.Json)!;
        var (schedule, errors) = CycleDefinitionValidator.Validate(definition, DateTimeOffset.UtcNow);
        Assert.True(schedule is not null, string.Join("; ", errors.Select(e => e.MessageEn)));
        var hash = key is null ? null : Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(definitionJson)));
        var (cycle, created) = await world.Host.Services.GetRequiredService<CycleStore>().CreateAsync(definition, schedule!, AuditActor.System, key is null ? null : CycleStore.IdFromIdempotencyKey(key), hash);
        Assert.True(created);
        return cycle.CycleId;
    }

    /// <summary>The answer without what moves on its own (the workflow's status and next step, live counts).</summary>
    private static string Stable(JsonElement body)
    {
        var node = JsonNode.Parse(body.GetRawText())!.AsObject();
        // What the workflow moves on its own between two calls (registration opens a moment after the create).
        foreach (var moving in new[] { "runtimeStatus", "nextAt", "next", "counts", "phase" })
        {
            node.Remove(moving);
        }

        return node.ToJsonString();
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(TestWorld world, string definition, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/cycles") { Content = new StringContent(definition, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        var response = await world.Organizer.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }
}
