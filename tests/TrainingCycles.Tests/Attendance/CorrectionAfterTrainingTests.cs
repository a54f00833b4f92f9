using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using TrainingCycles.Cycles;
using TrainingCycles.DevHost;
using TrainingCycles.Infrastructure;
using TrainingCycles.Registration;
using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.Attendance;

/// <summary>The real workflow runs to Completed on a compressed timeline; then the organizer corrects the roster.</summary>
public sealed class CorrectionAfterTrainingTests
{
    [Fact]
    public async Task MarkingSomeonePresentAfterCompletionMakesThemEligibleIssuesTheirCertificateAndMailsItOnce()
    {
        // PDFs cannot be stored while the gate is shut: the answer must not wait for them, and the follow-up's
        // activity fails and is retried by the workflow without a second number or a second mail.
        var pdfGate = new PdfUploadGate();
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory, services: pdfGate.Install);
        var definition = CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 4, sessions: 2);
        definition["completion"] = new JsonObject { ["minimumAttendancePercent"] = 50, ["lateCounts"] = true, ["excusedCounts"] = false };
        var cycleId = (await CycleApi.CreateAsync(world.Organizer, definition)).GetProperty("cycleId").GetString()!;
        var participants = world.Host.Services.GetRequiredService<ParticipantStore>();
        var table = await world.Host.Services.GetRequiredService<AppTables>().GetAsync(AppTables.Participants);
        var (late, excused, certified) = (Ids.New("p"), Ids.New("p"), Ids.New("p"));
        foreach (var (id, name) in new[] { (late, "Andi Pratama"), (excused, "Sri Wahyuni"), (certified, "Yohanes Ngadiman") })
        {
            await table.AddEntityAsync(new ParticipantEntity { PartitionKey = cycleId, RowKey = id, Email = $"{id}@example.org", FullName = name, Status = ParticipantStatus.Confirmed, Language = "id", RegistrationNumber = id[^4..] });
        }

        Assert.Equal(HttpStatusCode.OK, (await Put(world, cycleId, "s1", new { marks = new[] { new { participantId = certified, status = "Present" } } })).StatusCode);
        await CycleApi.WaitForPhaseAsync(world.Organizer, cycleId, "Completed");
        Assert.Null((await participants.GetAsync(cycleId, late))!.CertificateNumber);
        Assert.NotNull((await participants.GetAsync(cycleId, certified))!.CertificateNumber);
        var audit = world.Host.Services.GetRequiredService<AuditLog>();
        var certificateRows = await world.Host.Services.GetRequiredService<AppTables>().GetAsync(AppTables.Certificates);
        pdfGate.Shut = true;

        var response = await Put(world, cycleId, "s2", new
        {
            markedBy = "Kepala Seksi Penyelenggaraan",
            marks = new[] { new { participantId = late, status = "Late" }, new { participantId = excused, status = "Excused" } },
        });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, body.GetProperty("changed").GetInt32());
        var completion = body.GetProperty("completion").EnumerateArray().ToDictionary(c => c.GetProperty("participantId").GetString()!);
        Assert.True(completion[late].GetProperty("eligible").GetBoolean());
        Assert.True(completion[late].GetProperty("changed").GetBoolean());
        Assert.Equal("hadir 1 dari 2 sesi (1 terlambat), 50% ≥ 50%", completion[late].GetProperty("explanation").GetString());
        Assert.False(completion[excused].GetProperty("eligible").GetBoolean());
        Assert.False(completion[excused].GetProperty("changed").GetBoolean());
        Assert.True(body.GetProperty("certificates").GetProperty("scheduled").GetBoolean());
        Assert.StartsWith(cycleId + ":certificates:", body.GetProperty("certificates").GetProperty("followUpId").GetString());
        var p = (await participants.GetAsync(cycleId, late))!;
        Assert.True(p.Eligible);
        Assert.Equal("attended 1 of 2 sessions (1 late), 50% ≥ 50%", p.EligibilityExplanation);
        Assert.Contains(await audit.ReadAsync(cycleId, late), e => e.Action == "completion.eligible");
        Assert.Empty(await CertificatesOfAsync(certificateRows, cycleId, late)); // answered before the PDF exists
        await WaitForAsync(() => pdfGate.Refused > 0); // the follow-up ran into the storage failure
        Assert.Empty(await CertificatesOfAsync(certificateRows, cycleId, late));
        Assert.DoesNotContain(world.Host.Outbox.Deliveries, d => d.To == p.Email);
        var numberWhileFailing = (await participants.GetAsync(cycleId, late))!.CertificateNumber;

        pdfGate.Shut = false;
        await WaitForAsync(() => world.Host.Outbox.Deliveries.Any(d => d.To == p.Email && d.CustomArgs["k"] == "certificate-issued"), TimeSpan.FromSeconds(90));
        p = (await participants.GetAsync(cycleId, late))!;
        Assert.NotNull(p.CertificateNumber);
        Assert.True(numberWhileFailing is null || numberWhileFailing == p.CertificateNumber, "the retry reuses the number");
        Assert.Equal(p.CertificateNumber, Assert.Single(await CertificatesOfAsync(certificateRows, cycleId, late)).Number);
        var numbers = (await participants.ListAsync(cycleId)).Where(x => x.CertificateNumber is not null).Select(x => x.CertificateNumber).ToList();
        Assert.Equal(numbers.Count, numbers.Distinct().Count());

        var auditCount = (await audit.ReadAsync(cycleId)).Count;
        var repeat = await (await Put(world, cycleId, "s2", new
        {
            markedBy = "Kepala Seksi Penyelenggaraan",
            marks = new[] { new { participantId = late, status = "Late" }, new { participantId = excused, status = "Excused" } },
        })).Content.ReadFromJsonAsync<JsonElement>();
        await Task.Delay(1500);

        Assert.Equal(0, repeat.GetProperty("changed").GetInt32());
        Assert.True(repeat.GetProperty("certificates").GetProperty("scheduled").GetBoolean());
        Assert.Equal(auditCount, (await audit.ReadAsync(cycleId)).Count);
        Assert.Single(world.Host.Outbox.Deliveries, d => d.To == p.Email && d.CustomArgs["k"] == "certificate-issued");

        // The other way round: a certified person found absent is flagged for review, not silently revoked.
        var undo = await (await Put(world, cycleId, "s1", new { marks = new[] { new { participantId = certified, status = "Absent" } } })).Content.ReadFromJsonAsync<JsonElement>();
        var flagged = undo.GetProperty("completion").EnumerateArray().Single();
        Assert.Equal(1, undo.GetProperty("changed").GetInt32());
        Assert.True(flagged.GetProperty("changed").GetBoolean());
        Assert.True(flagged.GetProperty("certificateToReview").GetBoolean());
        Assert.False((await participants.GetAsync(cycleId, certified))!.Eligible);
        Assert.NotNull((await participants.GetAsync(cycleId, certified))!.CertificateNumber);
    }

    [Fact]
    public async Task ACorrectionWhoseRequestDiedAfterSavingTheMarksIsFinishedBySendingItAgain()
    {
        await using var world = await TestWorld.StartAsync(DurableBackend.InMemory);
        var definition = CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 4, sessions: 2);
        definition["completion"] = new JsonObject { ["minimumAttendancePercent"] = 50, ["lateCounts"] = true, ["excusedCounts"] = false };
        var cycleId = (await CycleApi.CreateAsync(world.Organizer, definition)).GetProperty("cycleId").GetString()!;
        var participants = world.Host.Services.GetRequiredService<ParticipantStore>();
        var table = await world.Host.Services.GetRequiredService<AppTables>().GetAsync(AppTables.Participants);
        var id = Ids.New("p");
        await table.AddEntityAsync(new ParticipantEntity { PartitionKey = cycleId, RowKey = id, Email = $"{id}@example.org", FullName = "Dewi Lestari", Status = ParticipantStatus.Confirmed, Language = "id", RegistrationNumber = id[^4..] });
        await CycleApi.WaitForPhaseAsync(world.Organizer, cycleId, "Completed");
        Assert.False((await participants.GetAsync(cycleId, id))!.Eligible);

        // What the first request left when it died right after writing its mark: the row, nothing else.
        var attendance = world.Host.Services.GetRequiredService<TrainingCycles.Attendance.AttendanceStore>();
        var row = (await attendance.GetAsync(cycleId, "s1", id))!;
        row.Status = "Present";
        row.MarkedBy = "organizer";
        Assert.True(await attendance.TryReplaceAsync(row));

        var retry = await Put(world, cycleId, "s1", new { marks = new[] { new { participantId = id, status = "Present" } } });
        var body = await retry.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal(0, body.GetProperty("changed").GetInt32());
        var verdict = Assert.Single(body.GetProperty("completion").EnumerateArray());
        Assert.True(verdict.GetProperty("eligible").GetBoolean());
        Assert.True(body.GetProperty("certificates").GetProperty("scheduled").GetBoolean());
        await WaitForAsync(() => world.Host.Outbox.Deliveries.Any(d => d.To == $"{id}@example.org" && d.CustomArgs["k"] == "certificate-issued"), TimeSpan.FromSeconds(60));
        Assert.NotNull((await participants.GetAsync(cycleId, id))!.CertificateNumber);
    }

    private static Task<HttpResponseMessage> Put(TestWorld world, string cycleId, string sessionId, object body) =>
        world.Organizer.PutAsync($"api/cycles/{cycleId}/sessions/{sessionId}/attendance", JsonContent.Create(body));

    private static async Task<List<TrainingCycles.Certificates.CertificateEntity>> CertificatesOfAsync(Azure.Data.Tables.TableClient table, string cycleId, string participantId)
    {
        var rows = new List<TrainingCycles.Certificates.CertificateEntity>();
        await foreach (var c in table.QueryAsync<TrainingCycles.Certificates.CertificateEntity>(Azure.Data.Tables.TableClient.CreateQueryFilter($"PartitionKey eq {cycleId} and ParticipantId eq {participantId}")))
        {
            rows.Add(c);
        }

        return rows;
    }

    private static async Task WaitForAsync(Func<bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(200);
        }
    }
}

/// <summary>A storage fault on the certificate PDFs only: while shut, every PDF upload fails with 503.</summary>
internal sealed class PdfUploadGate : Azure.Core.Pipeline.HttpPipelinePolicy
{
    private int refused;

    public volatile bool Shut;

    public int Refused => Volatile.Read(ref refused);

    public void Install(IServiceCollection services) => services.AddSingleton(sp =>
    {
        var options = new Azure.Storage.Blobs.BlobClientOptions();
        options.AddPolicy(this, Azure.Core.HttpPipelinePosition.PerCall);
        return StorageAccount.FromConfiguration(sp.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>(), blobOptions: options);
    });

    public override void Process(Azure.Core.HttpMessage message, ReadOnlyMemory<Azure.Core.Pipeline.HttpPipelinePolicy> pipeline)
    {
        Refuse(message);
        ProcessNext(message, pipeline);
    }

    public override ValueTask ProcessAsync(Azure.Core.HttpMessage message, ReadOnlyMemory<Azure.Core.Pipeline.HttpPipelinePolicy> pipeline)
    {
        Refuse(message);
        return ProcessNextAsync(message, pipeline);
    }

    private void Refuse(Azure.Core.HttpMessage message)
    {
        if (Shut && message.Request.Method == Azure.Core.RequestMethod.Put && message.Request.Uri.Path.EndsWith(".pdf", StringComparison.OrdinalIgnoreCase))
        {
            Interlocked.Increment(ref refused);
            throw new Azure.RequestFailedException(503, "injected: blob storage unavailable");
        }
    }
}
