using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging.Abstractions;
using TrainingCycles.DevHost;
using TrainingCycles.DevHost.MailSink;
using TrainingCycles.Reminders;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Reliability;

/// <summary>
/// SIGKILL the dev host process during the invitation wave and again during certificate issuance, restart it
/// on the same persistent Azurite, and check every eligible person got exactly one invitation, one certificate
/// and one certificate email. Mail goes to a sink in a separate (in-process) host, so it survives the kills.
/// </summary>
public sealed partial class CrashTests
{
    private const int Participants = 240;

    [Fact]
    public async Task KilledTwiceMidCycleTheCycleStillCompletesWithExactlyOneOfEverything()
    {
        var root = RepoPaths.FindRoot();
        var data = Directory.CreateTempSubdirectory("azurite-crash-").FullName;
        await using var azurite = await Azurite.StartOnFreePortsAsync(root, inMemory: false, NullLogger.Instance, CancellationToken.None, data);
        await using var sink = await TestWorld.StartAsync(DurableBackend.InMemory); // only its mail sink is used
        var id = "crash" + Guid.NewGuid().ToString("N")[..8];
        var port = Azurite.FreePort();
        var environment = new Dictionary<string, string>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["TrainingCycles__TablePrefix"] = id,
            ["TrainingCycles__CertificatesContainer"] = "certs-" + id,
            ["TrainingCycles__PublicBaseUrl"] = $"http://localhost:{port}",
            ["TrainingCycles__FormPostsPerMinute"] = "100000",
            ["SendGrid__HostOverride"] = sink.Host.BaseUrl,
        };
        using var organizer = new HttpClient { BaseAddress = new Uri($"http://localhost:{port}/"), Timeout = TimeSpan.FromSeconds(60) };
        organizer.DefaultRequestHeaders.Add("x-functions-key", "local-organizer-key-change-me");
        using var participant = new HttpClient { BaseAddress = new Uri($"http://localhost:{port}/"), Timeout = TimeSpan.FromSeconds(60) };

        var host = await DevHostProcess.StartAsync(port, "hub" + id, environment);
        try
        {
            // Half the invitees read Indonesian, half English: the wave is two SendGrid requests. The first goes
            // through, then SendGrid fails, and the host dies with the wave half done.
            var now = DateTimeOffset.UtcNow;
            var definition = CycleApi.CompressedDefinition(now, capacity: 1000, closeAfterSeconds: 3600);
            definition["registrationOpensAt"] = CycleApi.Iso(now.AddSeconds(8));
            definition["sessions"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject { ["id"] = "s1", ["title"] = "Hari 1", ["startsAt"] = CycleApi.Iso(now.AddHours(2)), ["endsAt"] = CycleApi.Iso(now.AddHours(3)) });
            definition["completion"]!["minimumAttendancePercent"] = 0;
            var cycleId = (await CycleApi.CreateAsync(organizer, definition)).GetProperty("cycleId").GetString()!;
            var csv = "email,nama,bahasa\n" + string.Concat(Enumerable.Range(1, Participants).Select(i => $"p{i}@example.org,Peserta {i},{(i % 2 == 0 ? "en" : "id")}\n"));
            await CycleApi.ImportCsvAsync(organizer, cycleId, csv);
            sink.Host.Outbox.SetFaults(new MailFaults(FailureRate: 1, StatusCodes: [503], SucceedFirst: 1));
            await WaitAsync(() => sink.Host.Outbox.Deliveries.Count > 0 && sink.Host.Outbox.FailedRequests > 0, TimeSpan.FromSeconds(60), "half an invitation wave");
            host.Kill();
            var beforeCrash = sink.Host.Outbox.Deliveries.Count;

            sink.Host.Outbox.SetFaults(new MailFaults());
            host = await DevHostProcess.StartAsync(port, "hub" + id, environment);
            await WaitAsync(() => Count(sink, MailKinds.Invitation) >= Participants, TimeSpan.FromSeconds(90), "the rest of the invitations");

            // Everyone registers through the link in their invitation.
            var invitations = sink.Host.Outbox.Deliveries.Where(d => d.CustomArgs["k"] == MailKinds.Invitation).ToList();
            await Parallel.ForEachAsync(invitations, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (mail, ct) =>
            {
                var i = int.Parse(NumberInAddress().Match(mail.To).Value, System.Globalization.CultureInfo.InvariantCulture);
                var link = new Uri(LinkPattern().Match(mail.Text!).Value).PathAndQuery.TrimStart('/');
                var (response, _) = await Forms.PostAsync(participant, link, Forms.ValidRegistration(nip: Forms.Nip(i), email: mail.To, name: $"Peserta {i}, S.Sos."));
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"registration answered {(int)response.StatusCode}; dev host log:\n{Tail(host.Output)}");
            });

            await CycleApi.CommandAsync(organizer, cycleId, "close-registration");
            await CycleApi.WaitForPhaseAsync(organizer, cycleId, "AwaitingTraining", TimeSpan.FromSeconds(60));
            await CycleApi.CommandAsync(organizer, cycleId, "reschedule", new
            {
                sessions = new[] { new { id = "s1", title = "Hari 1", startsAt = CycleApi.Iso(DateTimeOffset.UtcNow.AddSeconds(4)), endsAt = CycleApi.Iso(DateTimeOffset.UtcNow.AddSeconds(6)) } },
            });

            // Kill as soon as certificate issuance starts.
            await CycleApi.WaitForPhaseAsync(organizer, cycleId, "Completing", TimeSpan.FromSeconds(90));
            host.Kill();
            var certificatesBeforeCrash = await CountRowsAsync(azurite, id + "Certificates");

            host = await DevHostProcess.StartAsync(port, "hub" + id, environment);
            var done = await CycleApi.WaitForPhaseAsync(organizer, cycleId, "Completed", TimeSpan.FromSeconds(180));
            await WaitAsync(() => Count(sink, MailKinds.CertificateIssued) >= Participants, TimeSpan.FromSeconds(60), "certificate emails");
            await Task.Delay(2000);

            var deliveries = sink.Host.Outbox.Deliveries;
            var summary = string.Join(", ", deliveries.GroupBy(d => d.CustomArgs["k"]).Select(g => $"{g.Key}: {g.Count()} to {g.Select(d => d.To).Distinct().Count()} people in {sink.Host.Outbox.Messages.Count(m => m.Deliveries.Count > 0 && m.Deliveries[0].CustomArgs["k"] == g.Key)} requests"));
            Assert.True(deliveries.Count(d => d.CustomArgs["k"] == MailKinds.Invitation) == Participants && deliveries.Count(d => d.CustomArgs["k"] == MailKinds.CertificateIssued) == Participants, summary);
            Assert.True(beforeCrash is > 0 and < Participants, $"the first kill should land mid-wave ({beforeCrash} sent before it)");
            Assert.Equal(Participants, deliveries.Count(d => d.CustomArgs["k"] == MailKinds.Invitation));
            Assert.Equal(Participants, deliveries.Where(d => d.CustomArgs["k"] == MailKinds.Invitation).Select(d => d.To).Distinct().Count());
            Assert.Equal(Participants, deliveries.Count(d => d.CustomArgs["k"] == MailKinds.CertificateIssued));
            Assert.Equal(Participants, deliveries.Where(d => d.CustomArgs["k"] == MailKinds.CertificateIssued).Select(d => d.To).Distinct().Count());
            Assert.Equal(Participants, done.GetProperty("counts").GetProperty("certified").GetInt32());
            var certificates = await RowsAsync(azurite, id + "Certificates");
            Assert.Equal(Participants, certificates.Count);
            Assert.Equal(Participants, certificates.Select(c => c.GetString("ParticipantId")).Distinct().Count());
            Assert.Equal(Participants, certificates.Select(c => c.GetString("Number")).Distinct().Count());
            Assert.True(certificatesBeforeCrash < Participants, $"the second kill should land before issuance finished ({certificatesBeforeCrash} stored before it)");
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    private static string Tail(string text) => text.Length <= 6000 ? text : text[^6000..];

    private static int Count(TestWorld sink, string kind) => sink.Host.Outbox.Deliveries.Count(d => d.CustomArgs["k"] == kind);

    private static async Task<List<TableEntity>> RowsAsync(Azurite azurite, string table)
    {
        var client = new TableClient(azurite.ConnectionString, table);
        var rows = new List<TableEntity>();
        try
        {
            await foreach (var row in client.QueryAsync<TableEntity>())
            {
                rows.Add(row);
            }
        }
        catch (Azure.RequestFailedException e) when (e.Status == 404)
        {
        }

        return rows;
    }

    private static async Task<int> CountRowsAsync(Azurite azurite, string table) => (await RowsAsync(azurite, table)).Count;

    private static async Task WaitAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(what);
            }

            await Task.Delay(100);
        }
    }

    [GeneratedRegex(@"https?://\S+")]
    private static partial Regex LinkPattern();

    [GeneratedRegex(@"\d+")]
    private static partial Regex NumberInAddress();
}
