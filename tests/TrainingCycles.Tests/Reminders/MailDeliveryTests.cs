using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using TrainingCycles.Cycles;
using TrainingCycles.DevHost;
using TrainingCycles.DevHost.MailSink;
using TrainingCycles.Registration;
using TrainingCycles.Reminders;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Reminders;

public sealed class MailDeliveryTests
{
    /// <summary>A cycle whose registration opens only once the whole invitee list is in, so it goes out in one wave:
    /// it is created opening in an hour, then rescheduled to open now (however long the import took).</summary>
    private static async Task<string> CycleWithInviteesAsync(TestWorld world, int invitees)
    {
        var now = DateTimeOffset.UtcNow;
        var definition = CycleApi.CompressedDefinition(now, closeAfterSeconds: 7200);
        definition["registrationOpensAt"] = CycleApi.Iso(now.AddHours(1));
        var cycleId = (await CycleApi.CreateAsync(world.Organizer, definition)).GetProperty("cycleId").GetString()!;
        await CycleApi.ImportCsvAsync(world.Organizer, cycleId, CycleApi.InviteesCsv(invitees));
        var open = await CycleApi.CommandAsync(world.Organizer, cycleId, "reschedule", new { registrationOpensAt = CycleApi.Iso(DateTimeOffset.UtcNow.AddMinutes(-1)) });
        Assert.Equal(HttpStatusCode.Accepted, open.StatusCode);
        return cycleId;
    }

    private static async Task WaitForAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(what);
            }

            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task TwoThousandFiveHundredInviteesGetOneInvitationEachInThreeRequests()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        await CycleWithInviteesAsync(world, 2500);

        await WaitForAsync(() => world.Host.Outbox.Deliveries.Count >= 2500, TimeSpan.FromSeconds(90), "2,500 invitations");
        await Task.Delay(1000); // nothing more may follow

        var invitations = world.Host.Outbox.Deliveries.Where(d => d.CustomArgs["k"] == MailKinds.Invitation).ToList();
        Assert.Equal(2500, invitations.Count);
        Assert.Equal(2500, invitations.Select(d => d.To).Distinct().Count());
        Assert.Equal([1000, 1000, 500], world.Host.Outbox.Messages.Select(m => m.PersonalizationCount).Order().Reverse());
        Assert.All(invitations, d => Assert.Contains("/register?invite=", d.Text, StringComparison.Ordinal));
        // Per-recipient data went in substitutions: each person sees their own name.
        Assert.All(invitations.Take(50), d => Assert.Contains(d.ToName!, d.Text, StringComparison.Ordinal));
        // No personal data in categories or custom args.
        Assert.All(invitations, d => Assert.DoesNotContain(d.CustomArgs.Values.Concat(d.Categories), v => v.Contains('@', StringComparison.Ordinal) || v.Contains("Peserta", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task InjectedSendGridFailuresDelayMailButNeverLoseOrDuplicateIt()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        // The first two requests fail for sure, then 30% at random.
        world.Host.Outbox.SetFaults(new MailFaults(FailureRate: 0.3, FailNext: 2, StatusCodes: [429, 500, 503], Seed: 7));
        await CycleWithInviteesAsync(world, 1500);

        await WaitForAsync(() => world.Host.Outbox.Deliveries.Count >= 1500, TimeSpan.FromSeconds(150), "1,500 invitations despite failures");
        await Task.Delay(1500);

        var invitations = world.Host.Outbox.Deliveries.Where(d => d.CustomArgs["k"] == MailKinds.Invitation).ToList();
        Assert.Equal(1500, invitations.Count);
        Assert.Equal(1500, invitations.Select(d => d.To).Distinct().Count());
        Assert.True(world.Host.Outbox.FailedRequests > 0, $"the test should have injected at least one failure (accepted {world.Host.Outbox.AcceptedRequests}, rejected {world.Host.Outbox.RejectedRequests})");
    }

    [Fact]
    public async Task ARestartOfTheDevHostMidWaveNeitherLosesNorRepeatsMail()
    {
        // A work item the first host held when it stopped stays locked for the work-item timeout: keep it short.
        var first = await TestWorld.StartAsync(DurableBackend.AzureStorage, workItemTimeout: TimeSpan.FromSeconds(15));
        var id = first.Id;
        // The first request (1,000 recipients) goes through; every later one fails, so the wave is cut mid-way.
        first.Host.Outbox.SetFaults(new MailFaults(FailureRate: 1, StatusCodes: [503], SucceedFirst: 1));
        await CycleWithInviteesAsync(first, 2500);
        await WaitForAsync(() => first.Host.Outbox.Deliveries.Count >= 1000 && first.Host.Outbox.FailedRequests > 0, TimeSpan.FromSeconds(120), "the first batch");
        var beforeRestart = first.Host.Outbox.Deliveries.Select(d => d.To).ToList();
        await first.DisposeAsync();

        await using var second = await TestWorld.StartAsync(DurableBackend.AzureStorage, reuseId: id, workItemTimeout: TimeSpan.FromSeconds(15));
        await WaitForAsync(() => second.Host.Outbox.Deliveries.Count >= 1500, TimeSpan.FromSeconds(180), "the rest of the wave after restart");
        await Task.Delay(1500);

        var all = beforeRestart.Concat(second.Host.Outbox.Deliveries.Where(d => d.CustomArgs["k"] == MailKinds.Invitation).Select(d => d.To)).ToList();
        Assert.Equal(1000, beforeRestart.Count);
        Assert.Equal(2500, all.Count);
        Assert.Equal(2500, all.Distinct().Count());
    }

    [Fact]
    public async Task WebhookAcceptsSignedEventsOnceAndFlagsBouncedParticipants()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var publicKey = Convert.ToBase64String(key.ExportSubjectPublicKeyInfo());
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory, settings: new Dictionary<string, string?> { ["SendGrid__WebhookVerificationKey"] = publicKey });
        var cycleId = (await CycleApi.CreateAsync(world.Organizer, CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 3600))).GetProperty("cycleId").GetString()!;
        await CycleApi.ImportCsvAsync(world.Organizer, cycleId, CycleApi.InviteesCsv(2));
        var people = await world.Host.Services.GetRequiredService<ParticipantStore>().ListAsync(cycleId);
        var events = new JsonArray(
            new JsonObject { ["email"] = people[0].Email, ["event"] = "bounce", ["sg_event_id"] = "ev-1", ["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), ["c"] = cycleId, ["p"] = people[0].RowKey, ["k"] = "invitation", ["reason"] = "550 mailbox unavailable" },
            new JsonObject { ["email"] = people[1].Email, ["event"] = "delivered", ["sg_event_id"] = "ev-2", ["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), ["c"] = cycleId, ["p"] = people[1].RowKey, ["k"] = "invitation" },
            // #21: the superior's survey bounced; it went to the superior's address, not the participant's.
            new JsonObject { ["email"] = "atasan@example.org", ["event"] = "bounce", ["sg_event_id"] = "ev-3", ["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), ["c"] = cycleId, ["p"] = people[1].RowKey, ["k"] = MailKinds.FollowUpSuperior, ["reason"] = "550 mailbox unavailable" }).ToJsonString();

        var accepted = await PostEventsAsync(world, key, events, DateTimeOffset.UtcNow);
        var replayed = await PostEventsAsync(world, key, events, DateTimeOffset.UtcNow);
        var unsigned = await world.Http.PostAsync("api/email/events", new StringContent(events, Encoding.UTF8, "application/json"));
        var stale = await PostEventsAsync(world, key, events, DateTimeOffset.UtcNow.AddMinutes(-30));
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var forged = await PostEventsAsync(world, otherKey, events, DateTimeOffset.UtcNow);
        var tampered = await PostEventsAsync(world, key, events, DateTimeOffset.UtcNow, bodyOverride: events.Replace("bounce", "delivered", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Contains("\"recorded\":3", await accepted.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("\"duplicates\":3", await replayed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, stale.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, tampered.StatusCode);

        var bounced = JsonNode.Parse(await world.Organizer.GetStringAsync($"api/cycles/{cycleId}/participants?status=bounced"))!;
        Assert.Equal(1, bounced["total"]!.GetValue<int>());
        Assert.Equal(people[0].RowKey, bounced["items"]![0]!["participantId"]!.GetValue<string>());
    }

    [Fact]
    public async Task WebhookRefusesEventsWhenNoKeyIsConfigured()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory, settings: new Dictionary<string, string?> { ["SendGrid__WebhookVerificationKey"] = "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/x/)" });

        var response = await world.Http.PostAsync("api/email/events", new StringContent("[]", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }

    private static async Task<HttpResponseMessage> PostEventsAsync(TestWorld world, ECDsa key, string body, DateTimeOffset at, string? bodyOverride = null)
    {
        var timestamp = at.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var signature = Convert.ToBase64String(key.SignData(Encoding.UTF8.GetBytes(timestamp + body), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/email/events") { Content = new StringContent(bodyOverride ?? body, Encoding.UTF8, "application/json") };
        request.Headers.Add(EmailEventRecorder.SignatureHeader, signature);
        request.Headers.Add(EmailEventRecorder.TimestampHeader, timestamp);
        return await world.Http.SendAsync(request);
    }
}
