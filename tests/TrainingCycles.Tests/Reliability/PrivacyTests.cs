using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using TrainingCycles.Cycles;
using TrainingCycles.DevHost;
using TrainingCycles.Registration;
using TrainingCycles.Reminders;
using TrainingCycles.Tests.Support;
using Xunit.Abstractions;

namespace TrainingCycles.Tests.Reliability;

/// <summary>
/// After a whole cycle on the Azure Storage backend, the participants' NIPs, emails, phone numbers and names appear
/// nowhere they must not: not in the Durable task hub (History and Instances tables, large-message blobs), not in
/// any log line (message, structured values, scopes, exceptions), not in any SendGrid request's categories or custom
/// args. (They are, of course, in the Participants table and in SendGrid's "to": the search proves it can find them.)
/// </summary>
public sealed partial class PrivacyTests(ITestOutputHelper output)
{
    /// <param name="SuperiorName">#21: the direct superior the person named (the follow-up survey asks them); erased with the participation.</param>
    /// <param name="BirthPlace">Given on the nomination form (the certificate prints it); with <paramref name="BirthDate"/> (yyyy-MM-dd), searched when set.</param>
    private sealed record Person(string Name, string NipTyped, string Nip, string EmailTyped, string PhoneTyped, string E164, string? SuperiorName = null, string? SuperiorEmail = null,
        string? BirthDate = null, string? BirthPlace = null)
    {
        public string Email => EmailTyped.ToLowerInvariant();

        /// <summary>Every form the value could take in a store or a log.</summary>
        public IEnumerable<(string What, string Needle)> Needles()
        {
            yield return ("NIP", Nip);
            yield return ("NIP as typed", NipTyped);
            yield return ("email", Email);
            yield return ("email as typed", EmailTyped);
            yield return ("email local part", Email.Split('@')[0]);
            yield return ("phone as typed", PhoneTyped);
            yield return ("phone E.164", E164);
            yield return ("phone digits", E164[1..]);
            yield return ("phone national", "0" + E164[3..]);
            yield return ("phone subscriber", E164[3..]);
            yield return ("name", Name);
            if (SuperiorName is not null)
            {
                yield return ("superior's name", SuperiorName);
            }

            if (SuperiorEmail is not null)
            {
                yield return ("superior's email", SuperiorEmail);
                yield return ("superior's email local part", SuperiorEmail.Split('@')[0]);
            }

            if (BirthDate is not null)
            {
                yield return ("birth date", BirthDate);
            }

            if (BirthPlace is not null)
            {
                yield return ("birth place", BirthPlace);
            }
        }
    }

    private static readonly Person[] People =
    [
        new("Yohana Tamberaka Sirait", "19870413 200903 2 017", "198704132009032017", "Yohana.Tamberaka@Dinsos-Katingan.example", "0812-7391-4452", "+6281273914452"),
        new("Marthinus Dandan Laksono", "19790825.200501.1.044", "197908252005011044", "marthinus.dandan@bpsdm-kalteng.example", "+62 853 4719 2268", "+6285347192268"),
        new("Noorhayati Binti Kasran", "198211302006042031", "198211302006042031", "noorhayati.kasran@palangkaraya.example", "0857 6620 3391", "+6285766203391"),
        new("Gusti Rahmadi Walk-In", "19900117-201503-1-006", "199001172015031006", "gusti.walkin@kotim.example", "(0821) 5530-9917", "+6282155309917"),
    ];

    [Fact]
    public async Task AfterAFullCycleNoPersonalDataIsInTheTaskHubTheLogsOrTheMailMetadata()
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var logs = new CapturedLogs();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await using var world = await TestWorld.StartAsync(DurableBackend.AzureStorage, new Dictionary<string, string?>
        {
            ["SendGrid__WebhookVerificationKey"] = Convert.ToBase64String(key.ExportSubjectPublicKeyInfo()),
            ["TrainingCycles__FormPostsPerMinute"] = "1000",
        }, logs: logs);

        // A deadline far enough away for a busy machine; once everyone is in, a reschedule brings the training close.
        var definition = CycleApi.CompressedDefinition(DateTimeOffset.UtcNow, closeAfterSeconds: 180);
        definition["completion"]!["minimumAttendancePercent"] = 0;
        var cycleId = (await CycleApi.CreateAsync(world.Organizer, definition)).GetProperty("cycleId").GetString()!;

        // Three invitees imported with NIP and phone, who then register through their invitation link…
        var csv = new StringBuilder("email,nama,nip,telepon,instansi\n");
        foreach (var p in People[..3])
        {
            csv.Append(CultureInfo.InvariantCulture, $"{p.EmailTyped},{p.Name},{p.NipTyped},{p.PhoneTyped},Dinas Sosial Kabupaten Katingan\n");
        }

        await CycleApi.ImportCsvAsync(world.Organizer, cycleId, csv.ToString());
        foreach (var p in People[..3])
        {
            var invitation = await WaitForDeliveryAsync(world, p.Email, MailKinds.Invitation);
            var fields = Forms.ValidRegistration(nip: p.NipTyped, email: p.EmailTyped, name: p.Name);
            fields["phone"] = p.PhoneTyped;
            var (response, page) = await Forms.PostAsync(world.Http, LinkIn(invitation.Text!), fields);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{p.Name}: {(int)response.StatusCode} {page.QuerySelector("h1")?.TextContent}");
        }

        // …one walks in through the open form, after two typos (the refused forms go through validation and logging too)…
        var walkIn = People[3];
        var typo = Forms.ValidRegistration(nip: walkIn.NipTyped, email: walkIn.EmailTyped.Replace("@", "@@", StringComparison.Ordinal), name: walkIn.Name);
        typo["phone"] = walkIn.PhoneTyped;
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await Forms.PostAsync(world.Http, $"api/cycles/{cycleId}/register", typo)).Response.StatusCode);
        var typo2 = Forms.ValidRegistration(nip: walkIn.NipTyped + "9", email: walkIn.EmailTyped, name: walkIn.Name);
        typo2["phone"] = walkIn.PhoneTyped + "99999";
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await Forms.PostAsync(world.Http, $"api/cycles/{cycleId}/register", typo2)).Response.StatusCode);
        var fieldsWalkIn = Forms.ValidRegistration(nip: walkIn.NipTyped, email: walkIn.EmailTyped, name: walkIn.Name);
        fieldsWalkIn["phone"] = walkIn.PhoneTyped;
        Assert.Equal(HttpStatusCode.OK, (await Forms.PostAsync(world.Http, $"api/cycles/{cycleId}/register", fieldsWalkIn)).Response.StatusCode);

        // …and SendGrid reports deliveries and a bounce whose reason quotes the address, as real bounces do.
        var rows = await world.Host.Services.GetRequiredService<ParticipantStore>().ListAsync(cycleId);
        var events = new JsonArray([.. People.Select((p, i) => (JsonNode?)new JsonObject
        {
            ["email"] = p.Email,
            ["event"] = i == 3 ? "bounce" : "delivered",
            ["reason"] = i == 3 ? $"550 5.1.1 <{p.Email}>: Recipient address rejected" : null,
            ["sg_event_id"] = "privacy-" + i,
            ["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["c"] = cycleId,
            ["p"] = rows.Single(r => r.Email == p.Email).RowKey,
            ["k"] = MailKinds.Confirmation,
        })]).ToJsonString();
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signature = Convert.ToBase64String(key.SignData(Encoding.UTF8.GetBytes(timestamp + events), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        var webhook = await Fuzz.SendAsync(world.Http, HttpMethod.Post, "api/email/events", Fuzz.Content(Encoding.UTF8.GetBytes(events), "application/json"),
            [(EmailEventRecorder.SignatureHeader, signature), (EmailEventRecorder.TimestampHeader, timestamp)]);
        Assert.Equal(HttpStatusCode.OK, webhook.Status);

        // The organizer moves the dates (everyone still involved gets a schedule-changed email) and the cycle runs on.
        var at = DateTimeOffset.UtcNow;
        var reschedule = await CycleApi.CommandAsync(world.Organizer, cycleId, "reschedule", new
        {
            registrationClosesAt = CycleApi.Iso(at.AddSeconds(5)),
            sessions = new[]
            {
                new { id = "s1", title = "Hari 1", startsAt = CycleApi.Iso(at.AddSeconds(6)), endsAt = CycleApi.Iso(at.AddSeconds(8)) },
                new { id = "s2", title = "Hari 2", startsAt = CycleApi.Iso(at.AddSeconds(9)), endsAt = CycleApi.Iso(at.AddSeconds(11)) },
            },
        });
        Assert.Equal(HttpStatusCode.Accepted, reschedule.StatusCode);

        var done = await CycleApi.WaitForPhaseAsync(world.Organizer, cycleId, "Completed", TimeSpan.FromSeconds(150));
        Assert.Equal(4, done.GetProperty("counts").GetProperty("certified").GetInt32());

        // A roster correction after completion: its certificate follow-up (an orchestration of its own), its
        // history and its log lines are searched too.
        var someone = (await world.Host.Services.GetRequiredService<ParticipantStore>().ListAsync(cycleId)).First(p => p.Status == TrainingCycles.Cycles.ParticipantStatus.Confirmed);
        var correction = await world.Organizer.PutAsync($"api/cycles/{cycleId}/sessions/s2/attendance",
            System.Net.Http.Json.JsonContent.Create(new { markedBy = "Kepala Seksi Penyelenggaraan", marks = new[] { new { participantId = someone.RowKey, status = "Excused" } } }));
        Assert.Equal(HttpStatusCode.OK, correction.StatusCode);
        var followUpId = (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<System.Text.Json.JsonElement>(correction.Content)).GetProperty("certificates").GetProperty("followUpId").GetString()!;
        for (var i = 0; i < 150 && (await world.Host.DurableClient.GetInstanceAsync(followUpId))?.RuntimeStatus != Microsoft.DurableTask.Client.OrchestrationRuntimeStatus.Completed; i++)
        {
            await Task.Delay(200);
        }

        Assert.Equal(Microsoft.DurableTask.Client.OrchestrationRuntimeStatus.Completed, (await world.Host.DurableClient.GetInstanceAsync(followUpId))?.RuntimeStatus);
        await Task.Delay(1000); // the last certificate emails and their log lines
        var cycleSeconds = watch.Elapsed.TotalSeconds;

        // The places that must be clean.
        var hub = await TaskHubTextAsync(world);
        var logText = logs.Lines.Select(l => ("log " + l.Category, l.AllText)).ToList();
        var mail = MailMetadata(world).ToList();
        var places = hub.Concat(logText).Concat(mail).ToList();
        var found = new List<string>();
        foreach (var person in People)
        {
            foreach (var (what, needle) in person.Needles())
            {
                foreach (var (where, text) in places)
                {
                    if (Normalize(text).Contains(needle, StringComparison.OrdinalIgnoreCase))
                    {
                        found.Add($"{person.Name}'s {what} '{needle}' in {where}: …{Around(Normalize(text), needle)}…");
                    }
                }
            }
        }

        // The search can find them where they belong.
        var participantsTable = new TableClient(world.Host.StorageConnectionString, world.Id + "Participants");
        var participantText = new StringBuilder();
        await foreach (var row in participantsTable.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {cycleId}")))
        {
            participantText.AppendJoin(' ', row.Select(kv => Convert.ToString(kv.Value, CultureInfo.InvariantCulture)));
        }

        Assert.All(People, p => Assert.Contains(p.Nip, participantText.ToString(), StringComparison.Ordinal));
        Assert.All(People, p => Assert.Contains(world.Host.Outbox.Deliveries, d => string.Equals(d.To, p.Email, StringComparison.OrdinalIgnoreCase)));

        output.WriteLine($"full cycle on Azure Storage in {cycleSeconds:0} s; searched {hub.Count(h => h.Where.StartsWith("History", StringComparison.Ordinal))} History rows, " +
            $"{hub.Count(h => h.Where.StartsWith("Instances", StringComparison.Ordinal))} Instances rows, {hub.Count(h => h.Where.StartsWith("blob", StringComparison.Ordinal))} task-hub blobs, " +
            $"{logText.Count} log lines, {world.Host.Outbox.Messages.Count} SendGrid requests ({world.Host.Outbox.Deliveries.Count} deliveries, {mail.Count} category/custom-arg values) " +
            $"for {People.Sum(p => p.Needles().Count())} needles ({People.Length} people × NIP, email, phone and name forms): {found.Count} found");
        Assert.True(found.Count == 0, string.Join("\n", found.Take(30)));

        // The operator's events (docs/deploy.md, Monitoring) were among the lines searched.
        bool Logged(params string[] keys) => logs.Lines.Any(l => keys.All(k => l.State.Any(s => s.Key == k)));
        Assert.True(Logged("CycleId", "FromPhase", "ToPhase"), "phase changes");
        Assert.True(Logged("CycleId", "Kind", "Occurrence", "Sent"), "mail waves");
        Assert.True(Logged("CycleId", "Numbered", "Issued"), "certificate counts");
        Assert.True(Logged("ChangeKey", "Issued", "Mailed"), "the certificate follow-up");
        Assert.Contains(logs.Lines, l => l.State.Any(s => s.Key == "Reason" && s.Value == "invalid-fields"));

        // #23: then one person's data is exported and erased, and everything the app wrote is searched again.
        await EraseOneAndScanAsync(world, cycleId, logs, People[0], People[1..]);
    }

    /// <summary>Every property of every row of the hub's History and Instances tables, and every hub blob (gunzipped), as text.</summary>
    private static async Task<List<(string Where, string Text)>> TaskHubTextAsync(TestWorld world)
    {
        var result = new List<(string, string)>();
        var hub = "hub" + world.Id;
        foreach (var table in new[] { "History", "Instances" })
        {
            var client = new TableClient(world.Host.StorageConnectionString, hub + table);
            await foreach (var row in client.QueryAsync<TableEntity>())
            {
                var text = new StringBuilder(row.PartitionKey).Append(' ').Append(row.RowKey);
                foreach (var (name, value) in row)
                {
                    text.Append(' ').Append(name).Append('=').Append(value is byte[] bytes ? Encoding.UTF8.GetString(bytes) : Convert.ToString(value, CultureInfo.InvariantCulture));
                }

                result.Add(($"{table} {row.PartitionKey}/{row.RowKey}", text.ToString()));
            }
        }

        Assert.Contains(result, r => r.Item1.StartsWith("History", StringComparison.Ordinal));
        var blobs = new BlobServiceClient(world.Host.StorageConnectionString);
        await foreach (var container in blobs.GetBlobContainersAsync(prefix: hub.ToLowerInvariant()))
        {
            var client = blobs.GetBlobContainerClient(container.Name);
            await foreach (var blob in client.GetBlobsAsync())
            {
                var bytes = (await client.GetBlobClient(blob.Name).DownloadContentAsync()).Value.Content.ToArray();
                result.Add(($"blob {container.Name}/{blob.Name}", Encoding.UTF8.GetString(Gunzip(bytes))));
            }
        }

        return result;
    }

    private static byte[] Gunzip(byte[] bytes)
    {
        if (bytes.Length < 2 || bytes[0] != 0x1F || bytes[1] != 0x8B)
        {
            return bytes;
        }

        using var output = new MemoryStream();
        using (var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress))
        {
            gzip.CopyTo(output);
        }

        return output.ToArray();
    }

    /// <summary>Categories and custom args of every SendGrid request (top level and per personalization) and every delivery.</summary>
    private static IEnumerable<(string Where, string Text)> MailMetadata(TestWorld world)
    {
        foreach (var message in world.Host.Outbox.Messages)
        {
            if (message.Request["categories"] is JsonArray categories)
            {
                yield return ($"SendGrid request {message.Id} categories", categories.ToJsonString());
            }

            if (message.Request["custom_args"] is JsonObject args)
            {
                yield return ($"SendGrid request {message.Id} custom_args", args.ToJsonString());
            }

            foreach (var personalization in message.Request["personalizations"]?.AsArray() ?? [])
            {
                if (personalization?["custom_args"] is JsonObject personal)
                {
                    yield return ($"SendGrid request {message.Id} personalization custom_args", personal.ToJsonString());
                }
            }
        }

        foreach (var delivery in world.Host.Outbox.Deliveries)
        {
            yield return ($"delivery custom args/categories (kind {delivery.CustomArgs.GetValueOrDefault("k")})", string.Join(' ', delivery.CustomArgs.Select(a => a.Key + "=" + a.Value).Concat(delivery.Categories)));
        }
    }

    /// <summary>JSON escapes undone (System.Text.Json writes + as \u002B), so an escaped value is still found.</summary>
    private static string Normalize(string text) => text.Contains("\\u", StringComparison.Ordinal) ? EscapedChar().Replace(text, m => ((char)Convert.ToInt32(m.Groups[1].Value, 16)).ToString()) : text;

    private static string Around(string text, string needle)
    {
        var at = text.IndexOf(needle, StringComparison.OrdinalIgnoreCase);
        return text.Substring(Math.Max(0, at - 60), Math.Min(text.Length - Math.Max(0, at - 60), needle.Length + 120));
    }

    private static async Task<TrainingCycles.DevHost.MailSink.Delivery> WaitForDeliveryAsync(TestWorld world, string to, string kind)
    {
        for (var i = 0; i < 300; i++)
        {
            var found = world.Host.Outbox.Deliveries.FirstOrDefault(d => string.Equals(d.To, to, StringComparison.OrdinalIgnoreCase) && d.CustomArgs["k"] == kind);
            if (found is not null)
            {
                return found;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"no {kind} for {to}");
    }

    private static string LinkIn(string text) => new Uri(Link().Match(text).Value).PathAndQuery.TrimStart('/');

    [GeneratedRegex(@"https?://\S+")]
    private static partial Regex Link();

    [GeneratedRegex(@"\\u([0-9A-Fa-f]{4})")]
    private static partial Regex EscapedChar();
}
