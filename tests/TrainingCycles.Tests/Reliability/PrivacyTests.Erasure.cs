using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.DurableTask.Client;
using TrainingCycles.Certificates;
using TrainingCycles.Cycles;
using TrainingCycles.Privacy;
using TrainingCycles.Tests.Support;
using UglyToad.PdfPig;

namespace TrainingCycles.Tests.Reliability;

/// <summary>
/// Erasure (#23, docs/privacy.md), at the end of the full cycle above: the organizer's export of one person holds
/// every place the scan finds them in; after the erasure workflow, no table, blob (PDF text included), queue, log
/// line or mail-sink copy the app wrote holds their NIP, email, phone or name — except the stated certificate
/// record (the name in the register row, so the verify page still answers) and the erasure receipt's address.
/// </summary>
public sealed partial class PrivacyTests
{
    /// <summary>Exports, erases and scans <paramref name="person"/>; returns the places the scan found them in before.</summary>
    private async Task<IReadOnlySet<string>> EraseOneAndScanAsync(TestWorld world, string cycleId, CapturedLogs logs, Person person, IReadOnlyList<Person> others)
    {
        var store = world.Host.Services.GetRequiredService<ParticipantStore>();
        var participant = (await store.ListAsync(cycleId)).Single(p => p.Nip == person.Nip);
        Assert.NotNull(participant.VerificationCode);

        // Before: the scan finds the person; the export covers every place it finds them in and carries each value.
        var before = Hits(await AppTextAsync(world, logs), person);
        Assert.NotEmpty(before);
        var export = await world.Organizer.GetAsync($"api/cycles/{cycleId}/participants/{participant.RowKey}/personal-data");
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        var exportJson = await export.Content.ReadAsStringAsync();
        var exported = JsonDocument.Parse(exportJson).RootElement.GetProperty("sections").EnumerateArray()
            .Where(s => s.GetProperty("records").GetArrayLength() > 0)
            .SelectMany(s => s.GetProperty("places").EnumerateArray().Select(p => p.GetString()!)).ToHashSet(StringComparer.Ordinal);
        var notExported = before.Select(h => h.Place).Where(p => p is not null && !exported.Contains(p)).Distinct().ToList();
        Assert.True(notExported.Count == 0, "found before erasure but not in the export: " + string.Join(", ", notExported));
        foreach (var value in new[] { person.Nip, person.Email, person.E164, person.Name, person.SuperiorName, person.SuperiorEmail }.OfType<string>())
        {
            Assert.Contains(value, Normalize(exportJson), StringComparison.OrdinalIgnoreCase);
        }

        // The erasure: asked twice (a double click), one workflow.
        var body = JsonContent.Create(new { actor = "Kepala Bidang Penyelenggaraan", reason = "request" });
        var first = await world.Organizer.PostAsync($"api/cycles/{cycleId}/participants/{participant.RowKey}/erase", body);
        var second = await world.Organizer.PostAsync($"api/cycles/{cycleId}/participants/{participant.RowKey}/erase", JsonContent.Create(new { actor = "Kepala Bidang Penyelenggaraan" }));
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        var erasureId = (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("erasureId").GetString()!;
        Assert.Equal(erasureId, (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("erasureId").GetString());
        var bad = await world.Organizer.PostAsync($"api/cycles/{cycleId}/participants/{participant.RowKey}/erase", JsonContent.Create(new { actor = "x", reason = "because" }));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("messageEn", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var started = DateTimeOffset.UtcNow;
        OrchestrationMetadata? instance = null;
        for (var i = 0; i < 300 && instance?.RuntimeStatus is not (OrchestrationRuntimeStatus.Completed or OrchestrationRuntimeStatus.Failed); i++)
        {
            await Task.Delay(100);
            instance = await world.Host.DurableClient.GetInstanceAsync(erasureId);
        }

        Assert.Equal(OrchestrationRuntimeStatus.Completed, instance?.RuntimeStatus);
        var erasureSeconds = (DateTimeOffset.UtcNow - started).TotalSeconds;
        await Task.Delay(500); // the last log lines

        // After: nothing but the stated record and the receipt's address.
        var after = Hits(await AppTextAsync(world, logs), person);
        Assert.True(after.Count == 0, string.Join("\n", after.Take(30).Select(h => h.Text)));

        // The stated record: the register row keeps number, name, training, dates and hash; the verify page answers.
        var certificate = await world.Host.Services.GetRequiredService<CertificateIssuer>().FindByCodeAsync(participant.VerificationCode!);
        Assert.NotNull(certificate);
        Assert.Equal(person.Name, certificate!.HolderName);
        Assert.False(string.IsNullOrEmpty(certificate.Sha256));
        var verify = new HttpRequestMessage(HttpMethod.Get, "api/verify/" + participant.VerificationCode);
        verify.Headers.Accept.ParseAdd("application/json");
        var verified = await (await world.Http.SendAsync(verify)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(person.Name, verified.GetProperty("holderName").GetString());
        Assert.Equal(certificate.Number, verified.GetProperty("certificateNumber").GetString());

        // The receipt went to the person's address, and names nobody.
        var receipt = Assert.Single(world.Host.Outbox.Deliveries, d => d.CustomArgs.GetValueOrDefault("k") == ErasureWorkflow.ReceiptKind);
        Assert.Equal(person.Email, receipt.To, ignoreCase: true);

        // The audit entry with the counts; the erasure's own row keeps ids, times and counts only.
        var audit = await world.Host.Services.GetRequiredService<TrainingCycles.Infrastructure.AuditLog>().ReadAsync(cycleId, participant.RowKey);
        var erased = Assert.Single(audit, e => e.Action == "privacy.erased");
        Assert.Contains("participant=", erased.Details, StringComparison.Ordinal);
        Assert.Contains("receipt=sent", erased.Details, StringComparison.Ordinal);
        var request = await world.Host.Services.GetRequiredService<ErasureStore>().GetAsync(cycleId, participant.RowKey);
        Assert.Equal(ErasureStatus.Done, request!.Status);
        Assert.True(request.CompletedAt - request.RequestedAt < TimeSpan.FromHours(72));

        // Idempotent: every app holder erasing again finds nothing left (the mail sink would take the receipt).
        var subject = new PersonalDataSubject(cycleId, participant.RowKey, person.Email, person.Nip, person.Name, person.E164);
        foreach (var holder in world.Host.Services.GetRequiredService<PersonalDataRegistry>().Holders.Where(h => h.Name != "mail-sink"))
        {
            var again = (await holder.EraseAsync(subject, CancellationToken.None)).Erased;
            Assert.True(again == 0, $"holder {holder.Name} erased {again} more on a second run");
        }

        // The others are untouched.
        var rest = await store.ListAsync(cycleId);
        Assert.All(others, p => Assert.Contains(rest, r => r.Nip == p.Nip));
        output.WriteLine($"erasure of one person: {erasureSeconds:0.0} s; found in {before.Select(h => h.Where).Distinct().Count()} places before, {after.Count} after; export places: {string.Join(", ", exported.Order(StringComparer.Ordinal))}");
        return before.Select(h => h.Place).OfType<string>().ToHashSet(StringComparer.Ordinal);
    }

    private sealed record Hit(string Where, string? Place, string Text);

    private static List<Hit> Hits(IEnumerable<(string Where, string? Place, string Text)> places, Person person)
    {
        var hits = new List<Hit>();
        foreach (var (where, place, text) in places)
        {
            var normalized = Normalize(text);
            foreach (var (what, needle) in person.Needles())
            {
                if (normalized.Contains(needle, StringComparison.OrdinalIgnoreCase))
                {
                    hits.Add(new Hit(where, place, $"{what} '{needle}' in {where}: …{Around(normalized, needle)}…"));
                }
            }
        }

        return hits;
    }

    /// <summary>
    /// Everything the app wrote, as text: every row of every table of the world (its tables and its task hub's),
    /// every blob of its containers and of its cycles in the shared nomination-letters and absence-evidence containers
    /// (PDF text extracted), its queues' messages, every log line, every mail-sink copy.
    /// Left out, as stated: the certificate register's holder name, and the erasure receipt's recipient.
    /// </summary>
    private static async Task<List<(string Where, string? Place, string Text)>> AppTextAsync(TestWorld world, CapturedLogs logs)
    {
        var result = new List<(string, string?, string)>();
        var hub = "hub" + world.Id;
        var tables = new TableServiceClient(world.Host.StorageConnectionString);
        await foreach (var table in tables.QueryAsync())
        {
            if (!table.Name.StartsWith(world.Id, StringComparison.Ordinal) && !table.Name.StartsWith(hub, StringComparison.Ordinal))
            {
                continue;
            }

            var logical = table.Name.StartsWith(hub, StringComparison.Ordinal) ? null : table.Name[world.Id.Length..];
            await foreach (var row in tables.GetTableClient(table.Name).QueryAsync<TableEntity>())
            {
                var text = new StringBuilder(row.PartitionKey).Append(' ').Append(row.RowKey);
                foreach (var (name, value) in row)
                {
                    if (logical == "Certificates" && name == nameof(CertificateEntity.HolderName))
                    {
                        continue; // the stated record
                    }

                    text.Append(' ').Append(name).Append('=').Append(value is byte[] bytes ? Encoding.UTF8.GetString(bytes) : Convert.ToString(value, CultureInfo.InvariantCulture));
                }

                result.Add(($"table {table.Name} {row.PartitionKey}/{row.RowKey}", logical is null ? null : "table:" + logical, text.ToString()));
            }
        }

        // The world's own containers, and the fixed-name ones every world shares (their blobs are named by cycle id).
        var blobs = new BlobServiceClient(world.Host.StorageConnectionString);
        var cycleIds = (await world.Host.Services.GetRequiredService<CycleStore>().ListAsync()).Select(c => c.CycleId).ToList();
        string[] shared = [TrainingCycles.Nomination.NominationService.LettersContainer, TrainingCycles.Attendance.AbsenceStore.EvidenceContainer];
        await foreach (var container in blobs.GetBlobContainersAsync())
        {
            var name = container.Name;
            var mine = name.EndsWith(world.Id.ToLowerInvariant(), StringComparison.Ordinal) || name.StartsWith(hub.ToLowerInvariant(), StringComparison.Ordinal);
            if (!mine && !shared.Contains(name))
            {
                continue;
            }

            var place = name.StartsWith("certs-", StringComparison.Ordinal) ? "blob:certificates" : shared.Contains(name) ? "blob:" + name : null;
            var client = blobs.GetBlobContainerClient(name);
            await foreach (var blob in client.GetBlobsAsync())
            {
                if (shared.Contains(name) && !cycleIds.Any(c => blob.Name.StartsWith(c + "/", StringComparison.Ordinal)))
                {
                    continue; // another test's
                }

                var bytes = (await client.GetBlobClient(blob.Name).DownloadContentAsync()).Value.Content.ToArray();
                var text = bytes.AsSpan().StartsWith("%PDF"u8) ? PdfText(bytes) : Encoding.UTF8.GetString(Gunzip(bytes));
                result.Add(($"blob {name}/{blob.Name}", place, text));
            }
        }

        var queues = new QueueServiceClient(world.Host.StorageConnectionString);
        await foreach (var queue in queues.GetQueuesAsync(prefix: hub.ToLowerInvariant()))
        {
            foreach (var message in (await queues.GetQueueClient(queue.Name).PeekMessagesAsync(32)).Value)
            {
                result.Add(($"queue {queue.Name}", null, message.Body.ToString()));
            }
        }

        result.AddRange(logs.Lines.Select(l => ("log " + l.Category, (string?)null, l.AllText)));
        foreach (var message in world.Host.Outbox.Messages)
        {
            var receipt = message.Deliveries.All(d => d.CustomArgs.GetValueOrDefault("k") == ErasureWorkflow.ReceiptKind);
            if (!receipt)
            {
                result.Add(($"SendGrid request {message.Id}", "mail-sink", message.Request.ToJsonString()));
            }

            foreach (var d in message.Deliveries)
            {
                var to = d.CustomArgs.GetValueOrDefault("k") == ErasureWorkflow.ReceiptKind ? "" : d.To + " " + d.ToName;
                result.Add(($"mail sink delivery {message.Id} ({d.CustomArgs.GetValueOrDefault("k")})", "mail-sink", string.Join(' ', to, d.Subject, d.Text, d.Html)));
            }
        }

        return result;
    }

    private static string PdfText(byte[] bytes)
    {
        using var pdf = PdfDocument.Open(bytes);
        return string.Join(' ', pdf.GetPages().Select(p => p.Text));
    }
}
