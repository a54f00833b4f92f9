using System.Net;
using System.Text.Json;
using Microsoft.DurableTask.Client;
using TrainingCycles.Cycles;
using TrainingCycles.DevHost;
using TrainingCycles.Infrastructure;
using TrainingCycles.Privacy;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Privacy;

/// <summary>The participant's own data page (#23 item 2) through their personal (manage) link.</summary>
public sealed class MyDataPageTests
{
    [Fact]
    public async Task APersonSeesDownloadsAndErasesTheirOwnDataWithTheirLinkAndNobodyElseCan()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var definition = CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 600);
        var cycleId = (await CycleApi.CreateAsync(world.Organizer, definition)).GetProperty("cycleId").GetString()!;
        await CycleApi.ImportCsvAsync(world.Organizer, cycleId, "email,nama,nip,telepon,instansi\nrina.sembiring@dinsos-seruyan.example,Rina Sembiring,198905172014022003,081255501234,Dinas Sosial Kabupaten Seruyan\n");
        var p = Assert.Single(await world.Host.Services.GetRequiredService<ParticipantStore>().ListAsync(cycleId));
        var token = world.Host.Services.GetRequiredService<Tokens>().Create(TokenPurpose.Manage, cycleId, p.RowKey, DateTimeOffset.UtcNow.AddDays(1), p.TokenVersion);
        var page = $"api/cycles/{cycleId}/my-data?manage={Uri.EscapeDataString(token)}";

        var view = await world.Http.GetAsync(page);
        Assert.Equal(HttpStatusCode.OK, view.StatusCode);
        var html = await view.Content.ReadAsStringAsync();
        Assert.Contains("Rina Sembiring", html, StringComparison.Ordinal);
        Assert.Contains("198905172014022003", html, StringComparison.Ordinal);

        var download = await world.Http.GetAsync(page + "&format=json");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition?.DispositionType ?? download.Headers.GetValues("Content-Disposition").Single().Split(';')[0]);
        var json = JsonDocument.Parse(await download.Content.ReadAsStringAsync()).RootElement;
        Assert.Contains(json.GetProperty("sections").EnumerateArray(), s => s.GetProperty("holder").GetString() == "participant" && s.GetProperty("records")[0].GetProperty("nip").GetString() == "198905172014022003");

        // A forged or foreign link sees nothing; withdrawing without the confirmation box changes nothing.
        Assert.Equal(HttpStatusCode.Forbidden, (await world.Http.GetAsync($"api/cycles/{cycleId}/my-data?manage=x{Uri.EscapeDataString(token)}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await world.Http.GetAsync($"api/cycles/{cycleId}/my-data")).StatusCode);
        var unconfirmed = await world.Http.PostAsync(page, new FormUrlEncodedContent(new Dictionary<string, string> { ["action"] = "withdraw-consent" }));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, unconfirmed.StatusCode);
        Assert.Null(await world.Host.Services.GetRequiredService<ErasureStore>().GetAsync(cycleId, p.RowKey));

        // Withdrawing consent starts the erasure; afterwards the link shows nothing.
        var withdrawn = await world.Http.PostAsync(page, new FormUrlEncodedContent(new Dictionary<string, string> { ["action"] = "withdraw-consent", ["confirm"] = "yes" }));
        Assert.Equal(HttpStatusCode.Accepted, withdrawn.StatusCode);
        var instanceId = ErasureWorkflow.InstanceId(cycleId, p.RowKey);
        for (var i = 0; i < 200 && (await world.Host.DurableClient.GetInstanceAsync(instanceId))?.RuntimeStatus != OrchestrationRuntimeStatus.Completed; i++)
        {
            await Task.Delay(100);
        }

        var row = await world.Host.Services.GetRequiredService<ParticipantStore>().GetAsync(cycleId, p.RowKey);
        Assert.True(ParticipantStore.IsAnonymised(row!));
        Assert.Equal(ErasureReason.ConsentWithdrawn, (await world.Host.Services.GetRequiredService<ErasureStore>().GetAsync(cycleId, p.RowKey))!.Reason);
        Assert.Equal(HttpStatusCode.Forbidden, (await world.Http.GetAsync(page)).StatusCode);
    }
}
