using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using TrainingCycles.Cycles;
using TrainingCycles.DevHost;
using TrainingCycles.Registration;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Reliability;

/// <summary>Azurite stops for about ten seconds mid-cycle and comes back on the same data.</summary>
public sealed class OutageTests
{
    [Fact]
    public async Task StorageOutageGivesClear503sAndTheAppRecoversWithNothingLost()
    {
        var root = RepoPaths.FindRoot();
        var data = Directory.CreateTempSubdirectory("azurite-outage-").FullName;
        var azurite = await Azurite.StartOnFreePortsAsync(root, inMemory: false, NullLogger.Instance, CancellationToken.None, data);
        var (blob, queue, table) = (azurite.BlobPort, azurite.QueuePort, azurite.TablePort);
        try
        {
            await using var world = await TestWorld.StartAsync(DurableBackend.AzureStorage, settings: new Dictionary<string, string?>
            {
                ["AzureWebJobsStorage"] = azurite.ConnectionString,
                ["TrainingCycles__FormPostsPerMinute"] = "10000",
            });
            var cycleId = (await CycleApi.CreateAsync(world.Organizer, CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 3600))).GetProperty("cycleId").GetString()!;
            await CycleApi.WaitForPhaseAsync(world.Organizer, cycleId, "RegistrationOpen");
            for (var i = 0; i < 10; i++)
            {
                var (ok, _) = await Forms.PostAsync(world.Http, $"api/cycles/{cycleId}/register", Forms.ValidRegistration(nip: Forms.Nip(i), email: $"before{i}@example.org"));
                Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            }

            // Storage goes away.
            var outage = Stopwatch.StartNew();
            await azurite.DisposeAsync();
            var during = new List<HttpStatusCode>();
            var (registration, page) = await Forms.PostAsync(world.Http, $"api/cycles/{cycleId}/register", Forms.ValidRegistration(nip: Forms.Nip(50), email: "during@example.org"));
            during.Add(registration.StatusCode);
            using (var htmlRequest = new HttpRequestMessage(HttpMethod.Get, $"api/cycles/{cycleId}/register"))
            {
                htmlRequest.Headers.Accept.ParseAdd("text/html");
                during.Add((await world.Http.SendAsync(htmlRequest)).StatusCode);
            }

            var status = await world.Organizer.GetAsync($"api/cycles/{cycleId}");
            during.Add(status.StatusCode);
            var health = await world.Http.GetAsync("api/health");
            during.Add(health.StatusCode);
            var apiBody = await status.Content.ReadAsStringAsync();

            var remaining = TimeSpan.FromSeconds(10) - outage.Elapsed;
            if (remaining > TimeSpan.Zero)
            {
                await Task.Delay(remaining);
            }

            azurite = await Azurite.StartAsync(root, inMemory: false, blob, queue, table, NullLogger.Instance, CancellationToken.None, data);
            outage.Stop();

            Assert.All(during, s => Assert.Equal(HttpStatusCode.ServiceUnavailable, s));
            Assert.True(registration.Headers.RetryAfter is not null, "a 503 should say when to retry");
            Assert.NotNull(page.QuerySelector("h1"));
            // The refusal keeps what the person typed (acceptance run #16, finding 2): "Kirim lagi" re-posts it.
            Assert.Equal("during@example.org", page.QuerySelector("form input[type=hidden][name=email]")?.GetAttribute("value"));
            Assert.Equal(Forms.Nip(50), page.QuerySelector("form input[type=hidden][name=nip]")?.GetAttribute("value"));
            Assert.Null(page.QuerySelector("input[name=website]"));
            Assert.NotNull(page.QuerySelector("form button[type=submit]"));
            Assert.Contains("\"unavailable\"", apiBody, StringComparison.Ordinal);

            // Back: everything accepted before the outage is there, new registrations work, the workflow moves on.
            HttpStatusCode after = default;
            for (var attempt = 0; attempt < 30 && after != HttpStatusCode.OK; attempt++)
            {
                after = (await Forms.PostAsync(world.Http, $"api/cycles/{cycleId}/register", Forms.ValidRegistration(nip: Forms.Nip(60), email: "after@example.org"))).Response.StatusCode;
                if (after != HttpStatusCode.OK)
                {
                    await Task.Delay(1000);
                }
            }

            Assert.Equal(HttpStatusCode.OK, after);
            var rows = await world.Host.Services.GetRequiredService<ParticipantStore>().ListAsync(cycleId);
            Assert.Equal(10, rows.Count(p => p.Email.StartsWith("before", StringComparison.Ordinal)));
            Assert.DoesNotContain(rows, p => p.Email == "during@example.org");
            Assert.Equal(11, (await world.Host.Services.GetRequiredService<CycleStore>().CountsAsync(cycleId)).Confirmed);
            Assert.Equal(HttpStatusCode.Accepted, (await CycleApi.CommandAsync(world.Organizer, cycleId, "close-registration")).StatusCode);
            await CycleApi.WaitForPhaseAsync(world.Organizer, cycleId, "AwaitingTraining", TimeSpan.FromSeconds(120));
        }
        finally
        {
            await azurite.DisposeAsync();
        }
    }
}
