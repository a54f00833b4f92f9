using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Azure.Data.Tables;
using TrainingCycles.Cycles;
using TrainingCycles.DevHost;
using TrainingCycles.Infrastructure;
using TrainingCycles.Registration;
using TrainingCycles.Reminders;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Cycles;

/// <summary>The cycle orchestration on the real Durable engine, on compressed timelines (seconds instead of days).</summary>
public sealed partial class CycleWorkflowTests
{
    [Fact]
    public async Task CycleWalksFromCreationToCompletedOnAzureStorageWithCertificatesForRegistrants()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.AzureStorage);
        // A roomy deadline so a slow machine still registers everyone in time; the organizer then closes early.
        var definition = CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 40);
        definition["completion"]!["minimumAttendancePercent"] = 0; // nobody checks in here; attendance has its own tests
        var cycleId = (await CycleApi.CreateAsync(world.Organizer, definition)).GetProperty("cycleId").GetString()!;
        await CycleApi.ImportCsvAsync(world.Organizer, cycleId, CycleApi.InviteesCsv(5));

        // Three invitees follow the link in their invitation email and register.
        for (var i = 1; i <= 3; i++)
        {
            var invitation = await WaitForDeliveryAsync(world, $"peserta{i}@example.org", MailKinds.Invitation);
            var link = LinkIn(invitation.Text!);
            var fields = Forms.ValidRegistration(nip: Forms.Nip(i), email: $"peserta{i}@example.org", name: $"Peserta {i}, S.Sos.");
            var (response, _) = await Forms.PostAsync(world.Http, link, fields);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await CycleApi.CommandAsync(world.Organizer, cycleId, "close-registration");
        var done = await CycleApi.WaitForPhaseAsync(world.Organizer, cycleId, "Completed", TimeSpan.FromSeconds(150));

        var counts = done.GetProperty("counts");
        Assert.Equal((5, 3, 3, 3), (counts.GetProperty("invited").GetInt32(), counts.GetProperty("confirmed").GetInt32(), counts.GetProperty("eligible").GetInt32(), counts.GetProperty("certified").GetInt32()));
        var deliveries = world.Host.Outbox.Deliveries;
        Assert.Equal(5, deliveries.Count(d => d.CustomArgs["k"] == MailKinds.Invitation));
        Assert.DoesNotContain(deliveries, d => d.CustomArgs["k"] == MailKinds.RegistrationReminder && d.To is "peserta1@example.org" or "peserta2@example.org" or "peserta3@example.org");
        Assert.Equal(3, deliveries.Count(d => d.CustomArgs["k"] == MailKinds.TrainingReminder));
        Assert.Equal(3, deliveries.Count(d => d.CustomArgs["k"] == MailKinds.CertificateIssued));
        Assert.All(deliveries.Where(d => d.CustomArgs["k"] == MailKinds.CertificateIssued), d => Assert.Contains("/download?token=", d.Text, StringComparison.Ordinal));

        // Status and counts match the tables.
        var rows = await world.Host.Services.GetRequiredService<ParticipantStore>().ListAsync(cycleId);
        Assert.Equal(3, rows.Count(p => p.CertificateNumber is not null));
        Assert.Equal(["001/BPSDM-KT/" + DateTime.UtcNow.Year, "002/BPSDM-KT/" + DateTime.UtcNow.Year, "003/BPSDM-KT/" + DateTime.UtcNow.Year],
            rows.Where(p => p.CertificateNumber is not null).Select(p => p.CertificateNumber!).Order(StringComparer.Ordinal));
        var audit = await world.Host.Services.GetRequiredService<AuditLog>().ReadAsync(cycleId);
        Assert.Contains(audit, a => a.Action == "cycle.phase" && a.Details == "Completed");
        Assert.Equal(3, audit.Count(a => a.Action == "completion.eligible"));
    }

    [Fact]
    public async Task OrganizerClosesRegistrationEarlyAndTheCycleMovesOnAtOnce()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var cycleId = (await CycleApi.CreateAsync(world.Organizer, CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 3600))).GetProperty("cycleId").GetString()!;
        await CycleApi.WaitForPhaseAsync(world.Organizer, cycleId, "RegistrationOpen");

        var response = await CycleApi.CommandAsync(world.Organizer, cycleId, "close-registration");
        var status = await CycleApi.WaitForPhaseAsync(world.Organizer, cycleId, "AwaitingTraining", TimeSpan.FromSeconds(30));
        for (var i = 0; i < 300 && status.GetProperty("next").GetString() is not ("training-starts" or "training-reminder"); i++)
        {
            await Task.Delay(100); // the custom status follows the phase change by one activity
            status = await CycleApi.GetAsync(world.Organizer, cycleId);
        }

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("training-reminder", status.GetProperty("next").GetString()); // H-1s reminder comes before the start
        Assert.Equal(HttpStatusCode.Conflict, (await CycleApi.CommandAsync(world.Organizer, cycleId, "close-registration")).StatusCode);
    }

    [Fact]
    public async Task OrganizerEndsTrainingEarlyAndCertificatesFollow()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var now = DateTimeOffset.UtcNow;
        var definition = CycleApi.CompressedDefinition(now, closeAfterSeconds: 4);
        definition["sessions"] = new JsonArray(new JsonObject { ["id"] = "s1", ["title"] = "Hari 1", ["startsAt"] = CycleApi.Iso(now.AddSeconds(5)), ["endsAt"] = CycleApi.Iso(now.AddHours(8)) });
        var cycleId = (await CycleApi.CreateAsync(world.Organizer, definition)).GetProperty("cycleId").GetString()!;

        await CycleApi.WaitForPhaseAsync(world.Organizer, cycleId, "InTraining", TimeSpan.FromSeconds(60));
        Assert.Equal(HttpStatusCode.Accepted, (await CycleApi.CommandAsync(world.Organizer, cycleId, "end-training")).StatusCode);
        var done = await CycleApi.WaitForPhaseAsync(world.Organizer, cycleId, "Completed", TimeSpan.FromSeconds(60));

        Assert.NotEqual(JsonValueKind.Null, done.GetProperty("trainingEndedAt").ValueKind);
    }

    [Fact]
    public async Task CancellingNotifiesEveryoneStillInvolvedAndStopsTheCycle()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var cycleId = (await CycleApi.CreateAsync(world.Organizer, CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 3600, capacity: 1))).GetProperty("cycleId").GetString()!;
        await CycleApi.ImportCsvAsync(world.Organizer, cycleId, CycleApi.InviteesCsv(2));
        await Forms.PostAsync(world.Http, $"api/cycles/{cycleId}/register", Forms.ValidRegistration(nip: Forms.Nip(7), email: "walkin@example.org"));
        await Forms.PostAsync(world.Http, $"api/cycles/{cycleId}/register", Forms.ValidRegistration(nip: Forms.Nip(8), email: "waiting@example.org"));

        var response = await CycleApi.CommandAsync(world.Organizer, cycleId, "cancel", new { reason = "Banjir di Palangka Raya" });
        var done = await CycleApi.WaitForPhaseAsync(world.Organizer, cycleId, "Cancelled", TimeSpan.FromSeconds(30));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("Banjir di Palangka Raya", done.GetProperty("cancelReason").GetString());
        var cancelled = world.Host.Outbox.Deliveries.Where(d => d.CustomArgs["k"] == MailKinds.Cancelled).ToList();
        Assert.Equal(4, cancelled.Count); // two invitees, one confirmed, one waitlisted
        Assert.All(cancelled, d => Assert.Contains("Banjir di Palangka Raya", d.Text, StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.Conflict, (await CycleApi.CommandAsync(world.Organizer, cycleId, "cancel")).StatusCode);
    }

    [Fact]
    public async Task RescheduleReplansRemindersAndNeverSendsOneForATimeAlreadyPast()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var now = DateTimeOffset.UtcNow;
        var definition = CycleApi.CompressedDefinition(now, closeAfterSeconds: 90);
        definition["reminders"] = new JsonObject { ["beforeDeadline"] = new JsonArray("PT80S", "PT5S"), ["beforeTraining"] = new JsonArray() };
        var cycleId = (await CycleApi.CreateAsync(world.Organizer, definition)).GetProperty("cycleId").GetString()!;
        await CycleApi.ImportCsvAsync(world.Organizer, cycleId, CycleApi.InviteesCsv(2));
        await CycleApi.WaitForPhaseAsync(world.Organizer, cycleId, "RegistrationOpen");

        // New deadline in 20 s: "80 s before" is now in the past (never sent); "5 s before" moves with the deadline.
        var newClose = DateTimeOffset.UtcNow.AddSeconds(20);
        var reschedule = await CycleApi.CommandAsync(world.Organizer, cycleId, "reschedule", new
        {
            registrationClosesAt = CycleApi.Iso(newClose),
            sessions = new[] { new { id = "s1", title = "Hari 1", startsAt = CycleApi.Iso(newClose.AddSeconds(40)), endsAt = CycleApi.Iso(newClose.AddSeconds(42)) } },
        });
        Assert.Equal(HttpStatusCode.Accepted, reschedule.StatusCode);
        await CycleApi.WaitForPhaseAsync(world.Organizer, cycleId, "AwaitingTraining", TimeSpan.FromSeconds(60));
        await CycleApi.CommandAsync(world.Organizer, cycleId, "cancel");
        await CycleApi.WaitForPhaseAsync(world.Organizer, cycleId, "Cancelled", TimeSpan.FromSeconds(30));

        var log = await world.Host.Services.GetRequiredService<EmailLog>().ForCycleAsync(cycleId);
        var reminders = log.Where(e => e.Kind == MailKinds.RegistrationReminder).ToList();
        Assert.Equal(2, reminders.Count);
        Assert.All(reminders, r => Assert.StartsWith("deadline-PT5S@", r.Occurrence, StringComparison.Ordinal));
        Assert.All(reminders, r => Assert.Contains(newClose.UtcDateTime.ToString("yyyyMMddTHHmmss", System.Globalization.CultureInfo.InvariantCulture), r.Occurrence, StringComparison.Ordinal));
    }

    [Fact]
    public async Task BadDefinitionsGetFieldLevelErrorsAndCreateNothing()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var now = DateTimeOffset.UtcNow;
        var definition = CycleApi.CompressedDefinition(now, capacity: 0);
        definition["timeZone"] = "Asia/Atlantis";
        definition["sessions"]![0]!["endsAt"] = CycleApi.Iso(now.AddSeconds(1));
        definition["reminders"] = new JsonObject { ["beforeDeadline"] = new JsonArray("3 days") };

        var response = await world.Organizer.PostAsync("api/cycles", new StringContent(definition.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var fields = body.GetProperty("error").GetProperty("details").EnumerateArray().Select(e => e.GetProperty("field").GetString()).ToList();
        var notJson = await world.Organizer.PostAsync("api/cycles", new StringContent("{ not json", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("capacity", fields);
        Assert.Contains("timeZone", fields);
        Assert.Contains("reminders.beforeDeadline[0]", fields);
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
        var list = JsonDocument.Parse(await world.Organizer.GetStringAsync("api/cycles")).RootElement;
        Assert.Equal(0, list.GetProperty("items").GetArrayLength());
    }

    private static async Task<TrainingCycles.DevHost.MailSink.Delivery> WaitForDeliveryAsync(TestWorld world, string to, string kind)
    {
        for (var i = 0; i < 300; i++)
        {
            var found = world.Host.Outbox.Deliveries.FirstOrDefault(d => d.To == to && d.CustomArgs["k"] == kind);
            if (found is not null)
            {
                return found;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"no {kind} for {to}");
    }

    private static string LinkIn(string text) => new Uri(LinkPattern().Match(text).Value).PathAndQuery.TrimStart('/');

    [GeneratedRegex(@"https?://\S+")]
    private static partial Regex LinkPattern();
}
