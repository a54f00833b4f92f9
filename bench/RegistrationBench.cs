using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using TrainingCycles.Cycles;
using TrainingCycles.DevHost;
using TrainingCycles.Infrastructure;
using TrainingCycles.Registration;

namespace TrainingCycles.Bench;

/// <summary>
/// N registrations POSTed through the real form endpoint by C concurrent clients, beside the floor: the same number of
/// single-entity inserts of a participant-sized row into the same Azurite with the same concurrency.
/// </summary>
public static class RegistrationBench
{
    public const double TargetRatio = 0.70;
    public const double TargetP95Ms = 100;

    public static async Task<BenchResult> RunAsync(BenchArgs args)
    {
        args.AllowOnly("count", "clients", "warmup");
        var count = args.Int("count", 2000);
        var clients = args.Int("clients", 32);
        var warmup = args.Int("warmup", Math.Clamp(count / 10, clients, 200));
        var capacity = warmup + count + Math.Min(count, 200) + 10; // warm-up, timed run, cost probe: everyone gets a seat
        var machine = Machine.Describe();

        // The rate limiter guards the form against one address hammering it; every bench client shares one address.
        await using var world = await BenchWorld.StartAsync(DurableBackend.AzureStorage, new Dictionary<string, string?> { ["TrainingCycles__FormPostsPerMinute"] = "100000" });
        var now = DateTimeOffset.UtcNow;
        var definition = BenchCycles.Definition(now.AddMinutes(-1), now.AddHours(2), capacity, TimeSpan.FromMinutes(5), remindersBeforeTraining: []);
        var cycleId = await BenchCycles.CreateAsync(world, definition);
        var floorTable = world.Tables.GetTableClient("benchfloor" + world.Id);
        await floorTable.CreateIfNotExistsAsync();

        // Warm up both paths (JIT, connection pools, Azurite's tables), then let the warm-up's confirmation mails drain.
        var warm = await PostFormsAsync(world, cycleId, from: 0, warmup, clients);
        await InsertFloorAsync(floorTable, cycleId, from: 0, warmup, clients);
        await WaitForConfirmationsAsync(world, warm.Succeeded, TimeSpan.FromMinutes(2));

        // The floor first, on a quiet dev host; the registrations then run with the background work they cause
        // (the outbox drain sending their confirmations), which is part of their cost.
        var floorCpu = Cpu.Now(world);
        var floor = await InsertFloorAsync(floorTable, cycleId, from: warmup, count, clients);
        floorCpu = Cpu.Now(world).Minus(floorCpu);
        var before = world.Storage();
        var formsCpu = Cpu.Now(world);
        var forms = await PostFormsAsync(world, cycleId, from: warmup, count, clients);
        formsCpu = Cpu.Now(world).Minus(formsCpu);
        var during = world.Storage().Minus(before);
        var mailsDone = Stopwatch.StartNew();
        var registered = warm.Succeeded + forms.Succeeded; // each one queued a confirmation mail (outbox row)
        var confirmations = await WaitForConfirmationsAsync(world, registered, TimeSpan.FromMinutes(5));
        var drainSeconds = mailsDone.Elapsed.TotalSeconds;

        // Cost probe, untimed: what one registration costs in storage requests, its confirmation mail included,
        // counting the Durable engine's requests too (that counting costs CPU, so the timed runs go without it).
        world.CountAllRequests();
        var probe = Math.Min(count, 200);
        var probeBefore = world.Storage();
        var probed = await PostFormsAsync(world, cycleId, from: warmup + count, probe, clients);
        await WaitForConfirmationsAsync(world, registered + probed.Succeeded, TimeSpan.FromMinutes(5));
        var probeCost = world.Storage().Minus(probeBefore);

        var allRegistrations = Math.Max(1, registered + probed.Succeeded);
        var history = new DurableHistory(world);
        var mailHistory = DurableHistory.Figures([.. await history.RowsWithPrefixAsync($"mail-{cycleId}-"), .. await history.RowsWithPrefixAsync($"outbox-{cycleId}")]); // #24: the outbox drain
        var ratio = Stats.Ratio(forms.Throughput, floor.Throughput);
        var p95 = Stats.Percentile([.. forms.LatencyMs.Order()], 95);
        var json = new JsonObject
        {
            ["scenario"] = "registration",
            ["command"] = $"dotnet run -c Release --project bench -- registration --count {count} --clients {clients}",
            ["machine"] = machine,
            ["count"] = count,
            ["clients"] = clients,
            ["warmup"] = warmup,
            ["registration"] = forms.ToJson(),
            ["floor"] = floor.ToJson(),
            ["floorDescription"] = "Azure.Data.Tables AddEntityAsync of one participant-sized row (same partition), same Azurite, same concurrency",
            ["ratio"] = ratio,
            ["cpuMsEach"] = new JsonObject
            {
                ["description"] = "CPU milliseconds per registration / per floor insert over the timed run: this process (Kestrel, the app, the Durable worker and the bench's clients) and its private Azurite",
                ["registrationProcess"] = Stats.Round(formsCpu.App * 1000 / count, 3),
                ["registrationAzurite"] = Cpu.Json(Stats.Round(formsCpu.Azurite * 1000 / count, 3)),
                ["floorProcess"] = Stats.Round(floorCpu.App * 1000 / count, 3),
                ["floorAzurite"] = Cpu.Json(Stats.Round(floorCpu.Azurite * 1000 / count, 3)),
            },
            ["storageRequestsPerRegistration"] = Stats.Round((double)during.AppTotal / count),
            ["storageRequestsByKind"] = Json.Counts(during.App),
            ["costProbe"] = new JsonObject
            {
                ["registrations"] = probe,
                ["description"] = "untimed, same concurrency, until every confirmation mail is sent: storage requests per registration",
                ["appPerRegistration"] = Stats.Round((double)probeCost.AppTotal / probe),
                ["appByKind"] = Json.Counts(probeCost.App),
                ["enginePerRegistration"] = Stats.Round((double)probeCost.EngineTotal / probe),
                ["engineByService"] = Json.Counts(probeCost.Engine),
            },
            ["participantMailOrchestrations"] = new JsonObject { ["history"] = mailHistory.ToJson(), ["registrations"] = allRegistrations, ["registrationsPerOrchestration"] = Stats.Round((double)allRegistrations / Math.Max(1, mailHistory.Instances), 2), ["rowsPerRegistration"] = Stats.Round((double)mailHistory.Rows / allRegistrations, 2) },
            ["confirmationMails"] = new JsonObject { ["delivered"] = confirmations, ["expected"] = registered, ["secondsAfterLastPost"] = Stats.Round(drainSeconds) },
            ["targets"] = new JsonObject
            {
                ["throughputRatio"] = new JsonObject { ["target"] = TargetRatio, ["value"] = ratio, ["met"] = ratio >= TargetRatio },
                ["p95Ms"] = new JsonObject { ["target"] = TargetP95Ms, ["value"] = Stats.Round(p95), ["met"] = p95 < TargetP95Ms },
            },
            ["loadAverageAfter"] = Machine.LoadAverage(),
        };

        var latency = forms.ToJson()["latencyMs"]!;
        var floorLatency = floor.ToJson()["latencyMs"]!;
        var table = new TextTable($"registration: {count} form posts by {clients} clients ({Environment.ProcessorCount} cores, load {machine["loadAverage"]})")
            .Row("throughput (registrations/s)", Stats.F(forms.Throughput), Stats.F(floor.Throughput) + " inserts/s", Stats.Pct(ratio), $"≥ {Stats.Pct(TargetRatio)}: {(ratio >= TargetRatio ? "met" : "NOT met")}")
            .Row("latency p50 (ms)", Stats.F((double)latency["p50"]!), Stats.F((double)floorLatency["p50"]!))
            .Row("latency p95 (ms)", Stats.F(p95), Stats.F((double)floorLatency["p95"]!), "", $"< {TargetP95Ms} ms: {(p95 < TargetP95Ms ? "met" : "NOT met")}")
            .Row("latency p99 (ms)", Stats.F((double)latency["p99"]!), Stats.F((double)floorLatency["p99"]!))
            .Row("CPU ms per registration: this process / Azurite", $"{Stats.F(formsCpu.App * 1000 / count, 2)} / {Stats.F(formsCpu.Azurite * 1000 / count, 2)}", $"{Stats.F(floorCpu.App * 1000 / count, 2)} / {Stats.F(floorCpu.Azurite * 1000 / count, 2)} per insert", "", "process = Kestrel, app, engine and the bench's own clients")
            .Row("errors", forms.Errors.ToString(System.Globalization.CultureInfo.InvariantCulture), floor.Errors.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Row("storage requests per registration (app, timed run)", Stats.F((double)during.AppTotal / count, 2), "1", "", string.Join(", ", during.App.Select(k => $"{k.Key} {k.Value:N0}")))
            .Row("  with its confirmation mail (probe): app", Stats.F((double)probeCost.AppTotal / probe, 2), "1")
            .Row("  with its confirmation mail (probe): Durable engine", Stats.F((double)probeCost.EngineTotal / probe, 2), "0", "", string.Join(", ", probeCost.Engine.Select(k => $"{k.Key} {k.Value:N0}")))
            .Row("confirmation-mail orchestration history rows per registration", Stats.F((double)mailHistory.Rows / allRegistrations, 2), "0", "", $"{allRegistrations:N0} registrations in {mailHistory.Instances:N0} orchestrations")
            .Row("confirmation mails delivered", $"{confirmations}/{registered}", "", "", $"drained {Stats.F(drainSeconds)} s after the last post");
        return new BenchResult(json, table);
    }

    private static Task<Run> PostFormsAsync(BenchWorld world, string cycleId, int from, int count, int clients) =>
        PostFormsAsync([world.Host.BaseUrl], world.Id, cycleId, from, count, clients);

    /// <summary>Form posts by <paramref name="clients"/> clients, each with one connection; client k posts to
    /// <c>baseUrls[k % baseUrls.Count]</c> (the scale-out scenario spreads them over its instances).</summary>
    public static async Task<Run> PostFormsAsync(IReadOnlyList<string> baseUrls, string run, string cycleId, int from, int count, int clients)
    {
        var next = from - 1;
        var latencies = new double[count];
        var statuses = new int[count];
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async client =>
        {
            // One client per worker, each with its own connection: C people at C browsers.
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1 }) { BaseAddress = new Uri(baseUrls[client % baseUrls.Count] + "/"), Timeout = TimeSpan.FromSeconds(100) };
            for (var i = Interlocked.Increment(ref next); i < from + count; i = Interlocked.Increment(ref next))
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await http.PostAsync($"api/cycles/{cycleId}/register", new FormUrlEncodedContent(People.RegistrationForm(run, i)));
                    await response.Content.ReadAsStringAsync();
                    statuses[i - from] = (int)response.StatusCode;
                }
                catch (HttpRequestException)
                {
                    statuses[i - from] = -1;
                }

                latencies[i - from] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        }));
        return new Run(count, clock.Elapsed, latencies, statuses.Count(s => s != (int)HttpStatusCode.OK), StatusCounts(statuses));
    }

    /// <summary>The floor: single-entity inserts of a participant-sized row into one partition, same concurrency.</summary>
    public static async Task<Run> InsertFloorAsync(TableClient table, string partition, int from, int count, int clients)
    {
        var next = from - 1;
        var latencies = new double[count];
        var statuses = new int[count];
        var now = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            for (var i = Interlocked.Increment(ref next); i < from + count; i = Interlocked.Increment(ref next))
            {
                var row = ParticipantRow(partition, i, now);
                var started = Stopwatch.GetTimestamp();
                try
                {
                    statuses[i - from] = (await table.AddEntityAsync(row)).Status;
                }
                catch (RequestFailedException e)
                {
                    statuses[i - from] = e.Status;
                }

                latencies[i - from] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        }));
        return new Run(count, clock.Elapsed, latencies, statuses.Count(s => s is < 200 or > 299), StatusCounts(statuses));
    }

    /// <summary>A confirmed participant's row as the registration writes it: the floor inserts rows of this size.</summary>
    private static ParticipantEntity ParticipantRow(string partition, int i, DateTimeOffset now) => new()
    {
        PartitionKey = partition,
        RowKey = Ids.New("p"),
        FullName = People.Name(i),
        Nip = People.Nip(i),
        Email = People.Email("floor", i),
        Phone = "+6281234567890",
        Agency = "Dinas Sosial Kabupaten Kapuas",
        AgencyLevel = "kabupaten",
        Regency = "Kapuas",
        Position = "Pekerja Sosial Ahli Pertama",
        Rank = "Penata Muda, III/a",
        Language = "id",
        Status = ParticipantStatus.Confirmed,
        RegisteredAt = now,
        UpdatedAt = now,
        ConsentAt = now,
        RegistrationNumber = "ABCD-" + i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture),
    };

    private static async Task<int> WaitForConfirmationsAsync(BenchWorld world, int expected, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        var delivered = 0;
        while (deadline.Elapsed < timeout)
        {
            delivered = world.Host.Outbox.Messages.Sum(m => m.Deliveries.Count(d => d.CustomArgs.GetValueOrDefault("k") == Reminders.MailKinds.Confirmation));
            if (delivered >= expected)
            {
                break;
            }

            await Task.Delay(200);
        }

        return delivered;
    }

    private static JsonObject StatusCounts(int[] statuses) =>
        new(statuses.GroupBy(s => s).OrderBy(g => g.Key).Select(g => KeyValuePair.Create(g.Key == -1 ? "network" : g.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), (JsonNode?)g.Count())));

    public sealed record Run(int Count, TimeSpan Elapsed, double[] LatencyMs, int Errors, JsonObject Statuses)
    {
        /// <summary>Successful registrations (or inserts) per second; errors do not count.</summary>
        public double Throughput => Succeeded / Elapsed.TotalSeconds;

        public int Succeeded => Count - Errors;

        public JsonObject ToJson() => new()
        {
            ["seconds"] = Stats.Round(Elapsed.TotalSeconds, 3),
            ["throughputPerSecond"] = Stats.Round(Throughput),
            ["latencyMs"] = Stats.Latency(LatencyMs),
            ["errors"] = Errors,
            ["statuses"] = Statuses.DeepClone(),
        };
    }
}
