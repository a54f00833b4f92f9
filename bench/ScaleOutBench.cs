using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using TrainingCycles.Cycles;
using TrainingCycles.DevHost;
using TrainingCycles.Infrastructure;
using TrainingCycles.Reminders;

namespace TrainingCycles.Bench;

/// <summary>
/// One cycle's registration rush through the form and its certificate phase (render, store, email), on 1 instance and
/// on N instances (dev host processes on one Azurite and one task hub), side by side with floors measured in the same
/// run; then the same cycle again on the N instances with the busiest one SIGKILLed once certificates are being stored:
/// how long until the survivors hold its partitions, and what the kill costs the phase.
/// </summary>
public static class ScaleOutBench
{
    /// <summary>Uploads at once in the store floor: what the certificate phase runs at most (4 batches × 2 per core on 2 cores).</summary>
    private const int StoreFloorParallel = 8;

    public static async Task<BenchResult> RunAsync(BenchArgs args)
    {
        args.AllowOnly("rush", "clients", "warmup", "instances", "work-item-timeout", "kill");
        var clients = args.Int("clients", 32);
        var rush = args.Int("rush", 1000);
        var sizes = new ScaleOutSizes(rush, clients, args.Int("warmup", Math.Clamp(rush / 10, clients, 200)), args.Int("instances", 3), args.Int("work-item-timeout", 15));
        var kill = args.Text("kill", "yes") switch
        {
            "yes" => true,
            "no" => false,
            _ => throw new ArgumentException("--kill is 'yes' (default: a third cycle on the N instances, one killed as its certificate phase starts) or 'no'."),
        };
        if (sizes.Instances < 2)
        {
            throw new ArgumentException("--instances is at least 2 (1 instance is always measured beside it).");
        }

        var machine = Machine.Describe();

        // The bench's own dev host owns the Azurite the instances share and the SendGrid-compatible sink they all send to
        // (in this process, so it outlives a killed instance); its in-memory engine runs nothing of theirs.
        await using var sink = await BenchWorld.StartAsync(DurableBackend.InMemory);
        ScaleOutRun one;
        ScaleOutRun many;
        ScaleOutRun? killed = null;
        await using (var world = await ScaleOutWorld.StartAsync(sink, 1, sizes.WorkItemTimeoutSeconds))
        {
            one = await ScaleOutRun.RunAsync(world, sizes, "a", kill: false);
        }

        await using (var world = await ScaleOutWorld.StartAsync(sink, sizes.Instances, sizes.WorkItemTimeoutSeconds))
        {
            many = await ScaleOutRun.RunAsync(world, sizes, "b", kill: false);
            if (kill)
            {
                killed = await ScaleOutRun.RunAsync(world, sizes, "c", kill: true);
            }
        }

        return Report(sizes, machine, one, many, killed);
    }

    private static BenchResult Report(ScaleOutSizes sizes, JsonObject machine, ScaleOutRun one, ScaleOutRun many, ScaleOutRun? killed)
    {
        var n = sizes.Instances;
        var key = n.ToString(CultureInfo.InvariantCulture);
        var json = new JsonObject
        {
            ["scenario"] = "scaleout",
            ["command"] = $"dotnet run -c Release --project bench -- scaleout --rush {sizes.Rush} --clients {sizes.Clients} --instances {n}" + (killed is null ? " --kill no" : ""),
            ["machine"] = machine,
            ["rush"] = sizes.Rush,
            ["clients"] = sizes.Clients,
            ["warmup"] = sizes.Warmup,
            ["participants"] = sizes.Participants,
            ["instances"] = n,
            ["partitions"] = ScaleOutWorld.Partitions,
            ["workItemTimeoutSeconds"] = sizes.WorkItemTimeoutSeconds,
            ["setup"] = "each instance is a dev host process (its own Durable worker id) on the bench's Azurite, one task hub, one table prefix, one mail sink in the bench process; form clients are spread round-robin over the instances; minimum attendance 0 %, so everyone registered is certified",
            ["runs"] = new JsonObject { ["1"] = one.ToJson(), [key] = many.ToJson() },
            ["killed"] = killed?.ToJson(),
            ["note"] = $"{Environment.ProcessorCount} cores shared by every instance, Azurite and the bench: more instances add processes competing for the same cores, so the side by side shows the overhead of scaling out, not its speed-up",
            ["loadAverageAfter"] = Machine.LoadAverage(),
        };

        string Floors(Func<ScaleOutRun, string> figure) => $"{figure(one)} / {figure(many)}";
        var table = new TextTable($"scaleout: a rush of {sizes.Rush} form posts by {sizes.Clients} clients (after {sizes.Warmup} warm-up), then the certificate phase for all {sizes.Participants}, on 1 and on {n} instances ({Environment.ProcessorCount} cores, load {machine["loadAverage"]})")
            .Columns("figure", "1 instance", $"{n} instances", "floor (same run; 1 / " + key + ")", "note");
        table.Section("registration rush through the form");
        table.Row("throughput (registrations/s)", Stats.F(one.Rush.Throughput), Stats.F(many.Rush.Throughput), Floors(r => Stats.F(r.Floor.Throughput)) + " inserts/s", $"{Stats.Pct(one.Ratio)} / {Stats.Pct(many.Ratio)} of the floor");
        table.Row("latency p50 (ms)", Stats.F(one.P(50)), Stats.F(many.P(50)), Floors(r => Stats.F(r.FloorP(50))));
        table.Row("latency p95 (ms)", Stats.F(one.P(95)), Stats.F(many.P(95)), Floors(r => Stats.F(r.FloorP(95))), "target < 100 ms at 32 clients");
        table.Row("errors", one.Rush.Errors.ToString(CultureInfo.InvariantCulture), many.Rush.Errors.ToString(CultureInfo.InvariantCulture));
        table.Row("confirmations delivered after the last post (s)", Stats.F(one.ConfirmationSeconds), Stats.F(many.ConfirmationSeconds), "", $"{one.Confirmations}/{sizes.Participants} and {many.Confirmations}/{sizes.Participants} delivered");
        table.Section($"certificate phase for {sizes.Participants} (Completing → Completed: render, store, email)");
        table.Row("certificate phase (s)", Stats.F(one.CertificateSeconds), Stats.F(many.CertificateSeconds), Floors(r => Stats.F(r.StoreFloorSeconds)) + " s uploads", $"floor: {sizes.Participants} uploads of a stored certificate, {StoreFloorParallel} at once");
        table.Row("certificates per second", Stats.F(sizes.Participants / Math.Max(0.001, one.CertificateSeconds)), Stats.F(sizes.Participants / Math.Max(0.001, many.CertificateSeconds)));
        table.Row("certificate mails (to distinct people)", $"{one.CertificateMails} ({one.CertificateRecipients})", $"{many.CertificateMails} ({many.CertificateRecipients})");
        table.Row("partitions held per instance", string.Join(" ", one.PartitionsPerWorker.Values.Order()), string.Join(" ", many.PartitionsPerWorker.Values.OrderDescending()));
        if (killed is not null)
        {
            table.Section($"takeover: the same cycle again on {n} instances, the busiest SIGKILLed once certificates are being stored ({killed.StoredAtKill} of {sizes.Participants} then)");
            table.Row("partitions held by the survivors again (s after the kill)", "", Stats.F(killed.PartitionTakeoverSeconds ?? 0), "", $"killed instance held {killed.KilledPartitions} of {ScaleOutWorld.Partitions}; its leases lapse, then the others take them");
            table.Row("cycle Completed (s after the kill)", "", Stats.F(killed.CompletedAfterKillSeconds ?? 0), "", $"work items it held wait for their {sizes.WorkItemTimeoutSeconds} s lock");
            table.Row("certificate phase with the kill (s)", "", Stats.F(killed.CertificateSeconds), Stats.F(many.CertificateSeconds) + " s unkilled", $"{(killed.CertificateSeconds >= many.CertificateSeconds ? "+" : "−")}{Stats.F(Math.Abs(killed.CertificateSeconds - many.CertificateSeconds))} s");
            table.Row("certificate mails (to distinct people)", "", $"{killed.CertificateMails} ({killed.CertificateRecipients})", sizes.Participants.ToString(CultureInfo.InvariantCulture), killed.CertificateMails == sizes.Participants && killed.CertificateRecipients == sizes.Participants ? "exactly one each" : "NOT one each");
        }

        table.Note($"{Environment.ProcessorCount} cores shared by every instance, Azurite and the bench: the {n}-instance column shows the overhead of scaling out on one machine, not its speed-up.");
        foreach (var warning in new[] { one, many, killed }.Where(r => r is not null).SelectMany(r => r!.Warnings))
        {
            table.Note("WARNING: " + warning);
        }

        return new BenchResult(json, table);
    }
}

public sealed record ScaleOutSizes(int Rush, int Clients, int Warmup, int Instances, int WorkItemTimeoutSeconds)
{
    public int Participants => Warmup + Rush;
}

/// <summary>One cycle on a <see cref="ScaleOutWorld"/>: warm-up, the floor, the rush, then its certificate phase.</summary>
public sealed class ScaleOutRun
{
    private readonly ScaleOutWorld _world;
    private readonly ScaleOutSizes _sizes;
    private readonly string _run;

    private ScaleOutRun(ScaleOutWorld world, ScaleOutSizes sizes, string run)
    {
        _world = world;
        _sizes = sizes;
        _run = world.Id + run;
    }

    public int Instances { get; private set; }

    public string CycleId { get; private set; } = "";

    public RegistrationBench.Run Rush { get; private set; } = null!;

    public RegistrationBench.Run Floor { get; private set; } = null!;

    public double Ratio => Stats.Ratio(Rush.Throughput, Floor.Throughput);

    public int Confirmations { get; private set; }

    public double ConfirmationSeconds { get; private set; }

    public double CertificateSeconds { get; private set; }

    public int CertificateMails { get; private set; }

    public int CertificateRecipients { get; private set; }

    public double StoreFloorSeconds { get; private set; }

    public long CertificateBytes { get; private set; }

    public IReadOnlyDictionary<string, int> PartitionsPerWorker { get; private set; } = new Dictionary<string, int>();

    public string? KilledWorker { get; private set; }

    public int? KilledPartitions { get; private set; }

    public int? StoredAtKill { get; private set; }

    public double? PartitionTakeoverSeconds { get; private set; }

    public double? CompletedAfterKillSeconds { get; private set; }

    public List<string> Warnings { get; } = [];

    public double P(double percent) => Stats.Percentile([.. Rush.LatencyMs.Order()], percent);

    public double FloorP(double percent) => Stats.Percentile([.. Floor.LatencyMs.Order()], percent);

    public static async Task<ScaleOutRun> RunAsync(ScaleOutWorld world, ScaleOutSizes sizes, string run, bool kill)
    {
        var result = new ScaleOutRun(world, sizes, run);
        await result.DriveAsync(kill);
        return result;
    }

    private async Task DriveAsync(bool kill)
    {
        Instances = _world.Alive.Count();
        PartitionsPerWorker = await _world.PartitionsPerWorkerAsync();
        var total = _sizes.Participants;
        var now = DateTimeOffset.UtcNow;
        // Minimum attendance 0 %: everyone registered is certified, without marking attendance (as the kill tests do).
        var definition = BenchCycles.Definition(now.AddMinutes(-1), now.AddHours(1), capacity: total, TimeSpan.FromMinutes(5), remindersBeforeTraining: [], minimumAttendancePercent: 0);
        CycleId = await BenchCycles.CreateAsync(_world.Organizer, definition);
        var floorTable = _world.Sink.Tables.GetTableClient("benchfloor" + _world.Id);
        await floorTable.CreateIfNotExistsAsync();

        // Warm-up of both paths on every instance (JIT, pools, tables), then the floor on quiet hosts, then the rush.
        var warm = await RegistrationBench.PostFormsAsync(_world.BaseUrls, _run, CycleId, from: 0, _sizes.Warmup, _sizes.Clients);
        // The floor's warm-up is as long as the floor itself: the first run of a fresh Azurite is slower than the rest.
        await RegistrationBench.InsertFloorAsync(floorTable, CycleId + "w", from: 0, _sizes.Rush, _sizes.Clients);
        await WaitForMailsAsync(MailKinds.Confirmation, warm.Succeeded, TimeSpan.FromMinutes(2));
        Floor = await RegistrationBench.InsertFloorAsync(floorTable, CycleId, from: _sizes.Warmup, _sizes.Rush, _sizes.Clients);
        Rush = await RegistrationBench.PostFormsAsync(_world.BaseUrls, _run, CycleId, from: _sizes.Warmup, _sizes.Rush, _sizes.Clients);
        var afterRush = Stopwatch.StartNew();
        var registered = warm.Succeeded + Rush.Succeeded;
        Confirmations = await WaitForMailsAsync(MailKinds.Confirmation, registered, TimeSpan.FromMinutes(5));
        ConfirmationSeconds = afterRush.Elapsed.TotalSeconds;
        if (registered != total)
        {
            Warnings.Add($"cycle {CycleId}: {total - registered} of {total} form posts failed");
        }

        // To the certificate phase: close, training starts in a few seconds (reschedule), then the organizer ends it.
        await BenchCycles.CommandAsync(_world.Organizer, CycleId, "close-registration");
        await WaitForPhaseAsync("AwaitingTraining", TimeSpan.FromSeconds(60));
        var start = DateTimeOffset.UtcNow.AddSeconds(5);
        await BenchCycles.CommandAsync(_world.Organizer, CycleId, "reschedule", new JsonObject { ["sessions"] = BenchCycles.Timeline(start.AddHours(-1), start, TimeSpan.Zero, [])["sessions"]!.DeepClone() });
        await WaitForPhaseAsync("InTraining", TimeSpan.FromSeconds(60));
        await BenchCycles.CommandAsync(_world.Organizer, CycleId, "end-training");
        Stopwatch? sinceKill = null;
        if (kill)
        {
            // Killed once certificates are being stored, so it holds batch work items the others must take over.
            await WaitForPhaseAsync("Completing", TimeSpan.FromSeconds(60));
            StoredAtKill = await WaitForCertificatesAsync(TimeSpan.FromSeconds(120));
            var victim = await _world.BusiestAsync(TimeSpan.FromMilliseconds(300));
            KilledWorker = _world.WorkerId(victim);
            KilledPartitions = (await _world.PartitionsPerWorkerAsync()).GetValueOrDefault(KilledWorker);
            _world.Kill(victim);
            sinceKill = Stopwatch.StartNew();
            var takeover = WaitForTakeoverAsync(sinceKill);
            await WaitForPhaseAsync("Completed", TimeSpan.FromSeconds(300 + (total * 0.1)));
            CompletedAfterKillSeconds = sinceKill.Elapsed.TotalSeconds;
            await takeover;
            PartitionsPerWorker = await _world.PartitionsPerWorkerAsync();
        }
        else
        {
            await WaitForPhaseAsync("Completed", TimeSpan.FromSeconds(300 + (total * 0.1)));
        }

        CertificateMails = await WaitForMailsAsync(MailKinds.CertificateIssued, registered, TimeSpan.FromSeconds(60));
        CertificateRecipients = Deliveries(MailKinds.CertificateIssued).Select(d => d.To).Distinct(StringComparer.OrdinalIgnoreCase).Count();
        var phases = await BenchCycles.PhaseTimesAsync(_world.Table(AppTables.AuditLog), CycleId);
        CertificateSeconds = (phases.FirstOrDefault(p => p.Phase == "Completed").At - phases.FirstOrDefault(p => p.Phase == "Completing").At).TotalSeconds;
        StoreFloorSeconds = await StoreFloorAsync(registered);
    }

    /// <summary>Waits until the cycle has stored at least one certificate row; returns how many it has then.</summary>
    private async Task<int> WaitForCertificatesAsync(TimeSpan timeout)
    {
        var table = _world.Table(AppTables.Certificates);
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            var stored = 0;
            await foreach (var _ in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {CycleId}"), select: ["RowKey"]))
            {
                stored++;
            }

            if (stored > 0)
            {
                return stored;
            }

            await Task.Delay(100);
        }

        Warnings.Add($"cycle {CycleId}: no certificate stored within {timeout.TotalSeconds:F0} s of Completing; killed anyway");
        return 0;
    }

    /// <summary>Time from the kill until every partition is leased again, none by the killed worker.</summary>
    private async Task WaitForTakeoverAsync(Stopwatch sinceKill)
    {
        try
        {
            await TaskHubPartitions.WaitForSpreadAsync(_world.Storage, _world.TaskHub, workers: 1, ScaleOutWorld.Partitions, TimeSpan.FromSeconds(180), excluded: [KilledWorker!]);
            PartitionTakeoverSeconds = sinceKill.Elapsed.TotalSeconds;
        }
        catch (TimeoutException e)
        {
            Warnings.Add(e.Message);
        }
    }

    /// <summary>The store floor of the phase: one stored certificate's bytes uploaded once per participant, a few at once.</summary>
    private async Task<double> StoreFloorAsync(int count)
    {
        var certificates = _world.Sink.Blobs.GetBlobContainerClient(_world.CertificatesContainer);
        string? first = null;
        await foreach (var blob in certificates.GetBlobsAsync())
        {
            first = blob.Name;
            break;
        }

        var bytes = (await certificates.GetBlobClient(first ?? throw new InvalidOperationException($"no certificate stored in {_world.CertificatesContainer}")).DownloadContentAsync()).Value.Content;
        CertificateBytes = bytes.ToMemory().Length;
        var floor = _world.Sink.Blobs.GetBlobContainerClient("floor-" + _run);
        await floor.CreateIfNotExistsAsync();
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
            await floor.GetBlobClient($"c{i.ToString(CultureInfo.InvariantCulture)}.pdf").UploadAsync(bytes, overwrite: true, ct));
        return clock.Elapsed.TotalSeconds;
    }

    private IEnumerable<DevHost.MailSink.Delivery> Deliveries(string kind) => _world.Sink.Host.Outbox.Messages
        .Where(m => m.Deliveries.Count > 0 && m.Deliveries[0].CustomArgs.GetValueOrDefault("c") == CycleId && m.Deliveries[0].CustomArgs.GetValueOrDefault("k") == kind)
        .SelectMany(m => m.Deliveries);

    private async Task<int> WaitForMailsAsync(string kind, int expected, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        var delivered = Deliveries(kind).Count();
        while (delivered < expected && deadline.Elapsed < timeout)
        {
            await Task.Delay(100);
            delivered = Deliveries(kind).Count();
        }

        if (delivered < expected)
        {
            Warnings.Add($"only {delivered} of {expected} '{kind}' mails for cycle {CycleId} arrived within {timeout.TotalSeconds:F0} s");
        }

        return delivered;
    }

    private async Task WaitForPhaseAsync(string phase, TimeSpan timeout)
    {
        var cycles = _world.Table(AppTables.Cycles);
        var target = Array.IndexOf(CycleRun.PhaseOrder, phase);
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var now = await BenchCycles.PhaseAsync(cycles, CycleId);
            if (Array.IndexOf(CycleRun.PhaseOrder, now) >= target)
            {
                return;
            }

            if (now == "Cancelled" || deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"cycle {CycleId} on {Instances} instance(s) did not reach {phase} within {timeout.TotalSeconds:F0} s; it is in {now}");
            }

            await Task.Delay(100);
        }
    }

    public JsonObject ToJson() => new()
    {
        ["instances"] = Instances,
        ["cycleId"] = CycleId,
        ["partitionsPerWorker"] = new JsonObject(PartitionsPerWorker.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))),
        ["rush"] = Rush.ToJson(),
        ["floor"] = Floor.ToJson(),
        ["floorDescription"] = "Azure.Data.Tables AddEntityAsync of one participant-sized row (same partition), same Azurite, same concurrency, on quiet hosts just before the rush",
        ["ratio"] = Ratio,
        ["confirmationMails"] = new JsonObject { ["delivered"] = Confirmations, ["secondsAfterLastPost"] = Stats.Round(ConfirmationSeconds) },
        ["certificatePhase"] = new JsonObject
        {
            ["seconds"] = Stats.Round(CertificateSeconds),
            ["certificatesPerSecond"] = Stats.Round(CertificateMails / Math.Max(0.001, CertificateSeconds)),
            ["certificateMails"] = CertificateMails,
            ["distinctRecipients"] = CertificateRecipients,
            ["storeFloorSeconds"] = Stats.Round(StoreFloorSeconds),
            ["storeFloorDescription"] = "one stored certificate's bytes uploaded once per participant, 8 at once, same Azurite",
            ["bytesEach"] = CertificateBytes,
        },
        ["kill"] = KilledWorker is null ? null : new JsonObject
        {
            ["worker"] = KilledWorker,
            ["partitionsHeld"] = KilledPartitions,
            ["certificatesStoredAtKill"] = StoredAtKill,
            ["partitionTakeoverSeconds"] = PartitionTakeoverSeconds is { } t ? Stats.Round(t) : null,
            ["completedAfterKillSeconds"] = CompletedAfterKillSeconds is { } c ? Stats.Round(c) : null,
            ["when"] = "once the cycle (in Completing) had stored its first certificates; the instance that used the most CPU over 300 ms",
        },
        ["warnings"] = new JsonArray([.. Warnings.Select(w => (JsonNode)w)]),
    };
}
