using System.Diagnostics;
using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using TrainingCycles.Attendance;
using TrainingCycles.Cycles;
using TrainingCycles.DevHost;
using TrainingCycles.Infrastructure;
using TrainingCycles.Registration;
using TrainingCycles.Reminders;

namespace TrainingCycles.Bench;

/// <summary>
/// A whole cycle on a compressed timeline, from creation to every certificate emailed, on the Durable engine over
/// Azurite: wall time per phase, SendGrid requests per wave, storage requests, Durable history rows and bytes. A
/// smaller cycle runs first in the same dev host so history can be compared across sizes.
/// </summary>
public static class CycleBench
{
    public const int MaxRecipientsPerRequest = 1000;
    public const int CertificateTargetParticipants = 10_000;
    public const double CertificateTargetSeconds = 30; // #24 (was 60 in #10)

    public static async Task<BenchResult> RunAsync(BenchArgs args)
    {
        args.AllowOnly("participants", "compare", "register", "register-clients", "window", "ledger");
        var n = args.Int("participants", 1000);
        var compare = args.Int("compare", n > 100 ? 100 : 0);
        var options = new CycleOptions(args.Text("register", "batch"), args.Int("register-clients", 4), args.Double("window", 0));
        if (options.Register is not ("batch" or "service"))
        {
            throw new ArgumentException("--register is 'batch' (table transactions through the app's tables) or 'service' (RegistrationService.RegisterAsync).");
        }

        // --ledger off: a diagnosis, not the app — the JP ledger (Records/) is told nothing, to show what it costs the
        // certificate phase. The figures of record run with it on.
        var ledger = args.Text("ledger", "on");
        if (ledger is not ("on" or "off"))
        {
            throw new ArgumentException("--ledger is 'on' (the app as deployed) or 'off' (diagnosis: the JP ledger is not written).");
        }

        var machine = Machine.Describe();
        await using var world = await BenchWorld.StartAsync(DurableBackend.AzureStorage, services: ledger == "off" ? s => s.AddSingleton<TrainingCycles.Certificates.ICertificateLedger, NoLedger>() : null);
        world.CountAllRequests();
        var small = compare > 0 ? await CycleRun.RunAsync(world, compare, options) : null;
        var big = await CycleRun.RunAsync(world, n, options);
        var result = Report(n, compare, options, machine, big, small);
        result.Json["ledger"] = ledger == "on" ? "on (as deployed)" : "off: diagnosis, the JP ledger was not written";
        if (ledger == "off")
        {
            result.Json["command"] = (string)result.Json["command"]! + " --ledger off";
            result.Table.Note("--ledger off: the JP ledger (Records/) was not written; a diagnosis of its cost, not the app as deployed.");
        }

        return result;
    }

    /// <summary>The JP ledger told nothing (<c>--ledger off</c>).</summary>
    private sealed class NoLedger : TrainingCycles.Certificates.ICertificateLedger
    {
        public Task CertificatesChangedAsync(string cycleId, IReadOnlyCollection<string> participantIds, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private static string Key(int participants) => participants.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static BenchResult Report(int n, int compare, CycleOptions options, JsonObject machine, CycleRun big, CycleRun? small)
    {
        var wavesMet = big.Waves.All(w => w.Requests <= w.TargetRequests);
        var certificateMet = n >= CertificateTargetParticipants ? big.CertificatePhaseSeconds < CertificateTargetSeconds : (bool?)null;
        // Tolerance: a few rows either way come from timing (a command or timer racing an activity), not from people.
        bool? historyMet = small is null ? null : big.History.Rows <= (small.History.Rows * 1.25) + 5 && big.HistoryRowsWritten <= (small.HistoryRowsWritten * 1.25) + 5;
        var json = new JsonObject
        {
            ["scenario"] = "cycle",
            ["command"] = $"dotnet run -c Release --project bench -- cycle --participants {n}" + (compare != 100 && n > 100 ? $" --compare {compare}" : ""),
            ["machine"] = machine,
            ["participants"] = n,
            ["registrationPath"] = options.Register == "batch"
                ? "table transactions through the app's AppTables (participant row, NIP index, counters, audit), 49 people per transaction; the registration scenario measures the form"
                : $"RegistrationService.RegisterAsync from the dev host's services, {options.RegisterClients} concurrent; the registration scenario measures the form",
            ["attendancePath"] = "AttendanceStore.UpsertManyAsync: Present for both sessions, written once training starts; then end-training",
            ["cycle"] = big.ToJson(),
            ["comparison"] = small?.ToJson(),
            ["targets"] = new JsonObject
            {
                ["oneSendGridRequestPer1000Recipients"] = new JsonObject { ["met"] = wavesMet, ["waves"] = new JsonArray([.. big.Waves.Select(w => (JsonNode)$"{w.Kind}: {w.Recipients} recipients in {w.Requests} requests (target ≤ {w.TargetRequests})")]) },
                ["certificatePhaseUnder30sAt10000"] = new JsonObject { ["seconds"] = Stats.Round(big.CertificatePhaseSeconds, 1), ["participants"] = n, ["met"] = certificateMet },
                ["historyDoesNotGrowWithParticipants"] = new JsonObject
                {
                    ["rows"] = small is null
                        ? new JsonObject { [Key(n)] = big.History.Rows }
                        : new JsonObject { [Key(small.Participants)] = small.History.Rows, [Key(n)] = big.History.Rows },
                    ["rowsSeenAcrossGenerations"] = small is null
                        ? new JsonObject { [Key(n)] = big.HistoryRowsWritten }
                        : new JsonObject { [Key(small.Participants)] = small.HistoryRowsWritten, [Key(n)] = big.HistoryRowsWritten },
                    ["rowsPerParticipant"] = Stats.Round((double)big.History.Rows / n, 4),
                    ["met"] = historyMet,
                },
            },
            ["loadAverageAfter"] = Machine.LoadAverage(),
        };

        var table = new TextTable($"cycle: {n} participants, creation to every certificate emailed ({Environment.ProcessorCount} cores, load {machine["loadAverage"]})");
        table.Section("phases (wall time; the timeline is compressed, waits on the schedule are idle time)");
        foreach (var p in big.Phases)
        {
            table.Row(p.Phase, Stats.F(p.Seconds) + " s", small?.Phases.FirstOrDefault(s => s.Phase == p.Phase) is { } sp ? $"{Stats.F(sp.Seconds)} s at {small.Participants}" : "");
        }

        table.Row("total", Stats.F(big.TotalSeconds) + " s", small is null ? "" : $"{Stats.F(small.TotalSeconds)} s at {small.Participants}");
        table.Section("bench steps");
        foreach (var s in big.Steps)
        {
            table.Row(s.Name, Stats.F(s.Seconds) + " s");
        }

        table.Section("certificate phase (Completing → Completed: render, store, email)");
        table.Row("certificate phase", Stats.F(big.CertificatePhaseSeconds) + " s", "", "", $"< {CertificateTargetSeconds} s at {CertificateTargetParticipants}: {(certificateMet is null ? "n/a at this size" : certificateMet.Value ? "met" : "NOT met")}");
        foreach (var a in big.CertificateActivities)
        {
            table.Row("  " + a.Name, a.Seconds is { } sec ? Stats.F(sec, 2) + " s" : "?");
        }

        table.Section("SendGrid requests per wave");
        foreach (var w in big.Waves)
        {
            table.Row(w.Kind, $"{w.Requests} requests / {w.Recipients} recipients", $"{w.TargetRequests} (1 per {MaxRecipientsPerRequest})", Stats.F((double)w.Requests / Math.Max(1, w.TargetRequests), 2), w.Requests <= w.TargetRequests ? "met" : "NOT met");
        }

        table.Section("storage requests");
        table.Row("app (its table and blob clients)", big.Storage.AppTotal.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), "", "", Stats.F((double)big.Storage.AppTotal / n, 1) + " per participant");
        table.Row("Durable engine (queues, history, instances)", big.Storage.EngineTotal.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), "", "", string.Join(", ", big.Storage.Engine.Select(e => $"{e.Key} {e.Value:N0}")));
        foreach (var p in big.StorageByPhase)
        {
            table.Row("  during " + p.Phase, $"app {p.Storage.AppTotal:N0}", $"engine {p.Storage.EngineTotal:N0}", "", $"CPU: process {Stats.F(p.Cpu.App, 1)} s, Azurite {Stats.F(p.Cpu.Azurite, 1)} s of {Stats.F(p.WallSeconds, 1)} s");
        }

        table.Section("Durable history");
        table.Row($"cycle orchestration rows (at {n})", $"{big.History.Rows} rows, {big.History.Bytes:N0} bytes", small is null ? "" : $"{small.History.Rows} rows, {small.History.Bytes:N0} bytes at {small.Participants}", "", historyMet is null ? "" : historyMet.Value ? "does not grow: met" : "grows: NOT met");
        table.Row("  rows written over all generations (sampled)", big.HistoryRowsWritten.ToString(System.Globalization.CultureInfo.InvariantCulture), small is null ? "" : $"{small.HistoryRowsWritten} at {small.Participants}");
        table.Row("  most rows stored at once", big.MaxHistoryRows.ToString(System.Globalization.CultureInfo.InvariantCulture), small is null ? "" : $"{small.MaxHistoryRows} at {small.Participants}");
        table.Row("participant-mail orchestrations (mail-*)", $"{big.MailHistory.Instances} instances, {big.MailHistory.Rows} rows, {big.MailHistory.Bytes:N0} bytes");
        foreach (var warning in (small?.Warnings ?? []).Concat(big.Warnings))
        {
            table.Note("WARNING: " + warning);
        }

        return new BenchResult(json, table);
    }
}

public sealed record CycleOptions(string Register, int RegisterClients, double WindowSeconds);

public sealed record Step(string Name, double AtSeconds, double Seconds);

public sealed record PhaseTime(string Phase, double AtSeconds, double Seconds);

public sealed record Wave(string Kind, int Recipients, int Requests, int MaxRecipientsPerRequest, double FirstToLastSeconds)
{
    public int TargetRequests => Math.Max(1, (Recipients + CycleBench.MaxRecipientsPerRequest - 1) / CycleBench.MaxRecipientsPerRequest);
}

/// <summary>What one phase cost: storage requests, and CPU seconds of the bench process (app, engine, bench) and of Azurite, over its wall time.</summary>
public sealed record PhaseStorage(string Phase, StorageSnapshot Storage, Cpu Cpu, double WallSeconds);

/// <summary>CPU seconds used so far by this process (the dev host runs in it) and by its private Azurite (a single-threaded Node process).</summary>
public sealed record Cpu(double App, double Azurite)
{
    public static Cpu Now(BenchWorld world) =>
        new(Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds, world.Host.AzuriteProcessorTime?.TotalSeconds ?? double.NaN);

    public Cpu Minus(Cpu earlier) => new(Stats.Round(App - earlier.App, 2), Stats.Round(Azurite - earlier.Azurite, 2));

    /// <summary>A figure for the JSON: null where Azurite's CPU is unknown (NaN, which JSON cannot hold).</summary>
    public static JsonNode? Json(double value) => double.IsNaN(value) ? null : JsonValue.Create(value);
}

/// <summary>One cycle driven from creation to the last certificate email, and what it cost.</summary>
public sealed class CycleRun
{
    internal static readonly string[] PhaseOrder = ["Inviting", "RegistrationOpen", "AwaitingTraining", "InTraining", "Completing", "Completed"];

    // Training starts 6 s after registration closes; the training reminder goes out 3 s before that.
    private static readonly TimeSpan TrainingGap = TimeSpan.FromSeconds(6);
    private static readonly string[] Reminders = ["PT3S"];

    private readonly BenchWorld _world;
    private readonly DurableHistory _history;
    private readonly Stopwatch _clock = new();
    private readonly List<(string Phase, double At, StorageSnapshot Storage, Cpu Cpu)> _marks = [];
    private readonly Dictionary<string, TableEntity> _historySeen = new(StringComparer.Ordinal);
    private string _phase = "";

    private CycleRun(BenchWorld world, int participants)
    {
        _world = world;
        _history = new DurableHistory(world);
        Participants = participants;
    }

    public int Participants { get; }

    public string CycleId { get; private set; } = "";

    public List<Step> Steps { get; } = [];

    public List<PhaseTime> Phases { get; private set; } = [];

    public double TotalSeconds { get; private set; }

    public double CertificatePhaseSeconds { get; private set; }

    public List<ActivityCall> CertificateActivities { get; private set; } = [];

    public List<Wave> Waves { get; private set; } = [];

    public StorageSnapshot Storage { get; private set; } = new(new Dictionary<string, long>(), new Dictionary<string, long>(), new Dictionary<string, long>());

    public List<PhaseStorage> StorageByPhase { get; } = [];

    public HistoryFigures History { get; private set; } = new(0, 0, 0, 0);

    public int MaxHistoryRows { get; private set; }

    public int HistoryRowsWritten => _historySeen.Count;

    public HistoryFigures MailHistory { get; private set; } = new(0, 0, 0, 0);

    public List<ActivityCall> AllActivities { get; private set; } = [];

    public double WindowSeconds { get; private set; }

    public List<string> Warnings { get; } = [];

    public static async Task<CycleRun> RunAsync(BenchWorld world, int participants, CycleOptions options)
    {
        var run = new CycleRun(world, participants);
        await run.DriveAsync(options);
        return run;
    }

    private async Task DriveAsync(CycleOptions options)
    {
        var n = Participants;
        // Invitees are imported while registration is still weeks away, as an organizer would; then the organizer
        // moves the opening to now. The registration window must hold the invitation wave and everyone registering
        // (the bench then closes registration by command; what is left of the window is idle).
        WindowSeconds = options.WindowSeconds > 0 ? options.WindowSeconds : 10 + (n * 0.004);
        var storageAtStart = _world.Storage();
        var created = DateTimeOffset.UtcNow;
        _clock.Start();
        var definition = BenchCycles.Definition(created.AddDays(7), created.AddDays(14), capacity: n, TrainingGap, Reminders);
        CycleId = await StepAsync("create cycle (POST /api/cycles)", () => BenchCycles.CreateAsync(_world, definition));
        using var stop = new CancellationTokenSource();
        var watch = WatchAsync(stop.Token);
        try
        {
            await StepAsync("import invitees (CSV, ≤ 20,000 rows per request)", async () =>
            {
                for (var from = 0; from < n; from += 20_000)
                {
                    await BenchCycles.ImportAsync(_world, CycleId, People.InviteesCsv(_world.Id, from, Math.Min(20_000, n - from)));
                }
            });
            await StepAsync("open registration now (reschedule)", async () =>
            {
                var now = DateTimeOffset.UtcNow;
                await BenchCycles.CommandAsync(_world, CycleId, "reschedule", BenchCycles.Timeline(now.AddMinutes(-1), now.AddSeconds(WindowSeconds), TrainingGap, Reminders));
                await WaitForPhaseAsync("RegistrationOpen", TimeSpan.FromSeconds(60));
            });
            await StepAsync("invitation wave delivered", () => WaitForDeliveriesAsync(MailKinds.Invitation, n, TimeSpan.FromSeconds(120 + (n * 0.05))));
            var confirmed = await StepAsync($"register everyone ({options.Register})", () => options.Register == "batch" ? RegisterInBatchesAsync() : RegisterThroughServiceAsync(options.RegisterClients));
            if (_phase != "RegistrationOpen")
            {
                Warnings.Add($"registration closed by the schedule before the bench finished registering (window {WindowSeconds:F0} s): rerun with a larger --window");
            }
            else
            {
                await StepAsync("close registration (command)", () => BenchCycles.CommandAsync(_world, CycleId, "close-registration"));
            }

            await StepAsync("wait for training to start (schedule)", () => WaitForPhaseAsync("InTraining", TimeSpan.FromSeconds(WindowSeconds + 300)));
            await StepAsync("mark attendance (2 sessions)", () => MarkAttendanceAsync(confirmed));
            await StepAsync("end training (command)", () => BenchCycles.CommandAsync(_world, CycleId, "end-training"));
            await StepAsync("certificates issued and emailed", async () =>
            {
                await WaitForPhaseAsync("Completed", TimeSpan.FromSeconds(300 + (n * 0.1)));
                await WaitForDeliveriesAsync(MailKinds.CertificateIssued, n, TimeSpan.FromSeconds(60));
            });
        }
        finally
        {
            await stop.CancelAsync();
            await watch;
        }

        TotalSeconds = _clock.Elapsed.TotalSeconds;
        Storage = _world.Storage().Minus(storageAtStart);
        await CollectAsync(created);
    }

    /// <summary>Polls the cycle's phase; at each change notes the time and the storage counters, and samples history.</summary>
    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        var lastSample = TimeSpan.Zero;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var phase = await BenchCycles.PhaseAsync(_world, CycleId);
                var changed = phase != _phase;
                if (changed)
                {
                    _marks.Add((phase, _clock.Elapsed.TotalSeconds, _world.Storage(), Cpu.Now(_world)));
                    _phase = phase;
                }

                if (changed || _clock.Elapsed - lastSample > TimeSpan.FromMilliseconds(250))
                {
                    await SampleHistoryAsync();
                    lastSample = _clock.Elapsed;
                }

                if (phase is "Completed" or "Cancelled")
                {
                    return;
                }

                await Task.Delay(100, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task SampleHistoryAsync()
    {
        var rows = await _history.RowsAsync(CycleId);
        MaxHistoryRows = Math.Max(MaxHistoryRows, rows.Count);
        foreach (var row in rows)
        {
            _historySeen[(row.GetString("ExecutionId") ?? "") + "/" + row.RowKey] = row;
        }
    }

    private async Task WaitForPhaseAsync(string phase, TimeSpan timeout)
    {
        var target = Array.IndexOf(PhaseOrder, phase);
        var deadline = Stopwatch.StartNew();
        while (Array.IndexOf(PhaseOrder, _phase) < target)
        {
            if (_phase == "Cancelled" || deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"cycle {CycleId} ({Participants} participants) did not reach {phase} within {timeout.TotalSeconds:F0} s; it is in {_phase}");
            }

            await Task.Delay(50);
        }
    }

    private int Deliveries(string kind) => _world.Host.Outbox.Messages
        .Where(m => m.Deliveries.Count > 0 && m.Deliveries[0].CustomArgs.GetValueOrDefault("c") == CycleId && m.Deliveries[0].CustomArgs.GetValueOrDefault("k") == kind)
        .Sum(m => m.Deliveries.Count);

    private async Task WaitForDeliveriesAsync(string kind, int expected, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (Deliveries(kind) < expected)
        {
            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"only {Deliveries(kind)} of {expected} '{kind}' mails for cycle {CycleId} arrived within {timeout.TotalSeconds:F0} s");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>What a registration writes, in entity-group transactions: participant row, NIP index row, counters, audit.</summary>
    private async Task<List<string>> RegisterInBatchesAsync()
    {
        var services = _world.Services;
        var table = await services.GetRequiredService<AppTables>().GetAsync(AppTables.Participants);
        var audit = services.GetRequiredService<AuditLog>();
        var invited = (await services.GetRequiredService<ParticipantStore>().ListAsync(CycleId)).Where(p => p.Status == ParticipantStatus.Invited).ToList();
        var index = Enumerable.Range(0, Participants).ToDictionary(i => People.Email(_world.Id, i), StringComparer.OrdinalIgnoreCase);
        var confirmed = new List<string>();
        foreach (var batch in invited.Chunk(49)) // 2 rows per person + the counters row ≤ 100 operations
        {
            var counters = (await table.GetEntityAsync<CountersEntity>(CycleId, CountersEntity.Key)).Value;
            var now = DateTimeOffset.UtcNow;
            var actions = new List<TableTransactionAction>();
            foreach (var p in batch)
            {
                var i = index[p.Email];
                actions.Add(new(TableTransactionActionType.UpdateMerge, new TableEntity(CycleId, p.RowKey)
                {
                    [nameof(ParticipantEntity.FullName)] = People.Name(i),
                    [nameof(ParticipantEntity.Nip)] = People.Nip(i),
                    [nameof(ParticipantEntity.Phone)] = "+6281234567890",
                    [nameof(ParticipantEntity.Agency)] = "Dinas Sosial Kabupaten Kapuas",
                    [nameof(ParticipantEntity.AgencyLevel)] = "kabupaten",
                    [nameof(ParticipantEntity.Regency)] = "Kapuas",
                    [nameof(ParticipantEntity.Position)] = "Pekerja Sosial Ahli Pertama",
                    [nameof(ParticipantEntity.Rank)] = "Penata Muda, III/a",
                    [nameof(ParticipantEntity.Language)] = "id",
                    [nameof(ParticipantEntity.Status)] = ParticipantStatus.Confirmed,
                    [nameof(ParticipantEntity.RegistrationNumber)] = ParticipantStore.RegistrationNumber(CycleId, counters.NextRegistrationSeq++),
                    [nameof(ParticipantEntity.RegisteredAt)] = now,
                    [nameof(ParticipantEntity.ConsentAt)] = now,
                    [nameof(ParticipantEntity.UpdatedAt)] = now,
                }, ETag.All));
                actions.Add(new(TableTransactionActionType.Add, new IndexEntity { PartitionKey = CycleId, RowKey = ParticipantStore.NipIndexKey(CycleId, People.Nip(i)), ParticipantId = p.RowKey }));
                counters.Confirmed++;
            }

            actions.Add(new(TableTransactionActionType.UpdateReplace, counters, counters.ETag));
            await table.SubmitTransactionAsync(actions);
            await audit.WriteManyAsync(CycleId, [.. batch.Select(p => new AuditEntry(now, "participant", "registration.confirmed", p.RowKey, null))]);
            confirmed.AddRange(batch.Select(p => p.RowKey));
        }

        return confirmed;
    }

    private async Task<List<string>> RegisterThroughServiceAsync(int clients)
    {
        var services = _world.Services;
        var registrations = services.GetRequiredService<RegistrationService>();
        var cycle = (await services.GetRequiredService<CycleStore>().GetAsync(CycleId))!;
        var invited = (await services.GetRequiredService<ParticipantStore>().ListAsync(CycleId)).Where(p => p.Status == ParticipantStatus.Invited).ToList();
        var index = Enumerable.Range(0, Participants).ToDictionary(i => People.Email(_world.Id, i), StringComparer.OrdinalIgnoreCase);
        var confirmed = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(invited, new ParallelOptions { MaxDegreeOfParallelism = clients }, async (p, ct) =>
        {
            var i = index[p.Email];
            var form = new ValidatedRegistration(People.Name(i), People.Nip(i), p.Email, "+6281234567890", "Dinas Sosial Kabupaten Kapuas", "kabupaten", "Kapuas", "Pekerja Sosial Ahli Pertama", "Penata Muda, III/a", "id");
            var result = await registrations.RegisterAsync(cycle, form, p.RowKey, ct);
            if (result.Outcome == RegistrationOutcome.Confirmed)
            {
                confirmed.Add(p.RowKey);
            }
        });
        return [.. confirmed];
    }

    private async Task MarkAttendanceAsync(IReadOnlyList<string> participants)
    {
        var now = DateTimeOffset.UtcNow;
        var rows = (from session in new[] { "s1", "s2" }
                    from id in participants
                    select new AttendanceEntity
                    {
                        PartitionKey = CycleId,
                        RowKey = AttendanceStore.Key(session, id),
                        SessionId = session,
                        ParticipantId = id,
                        Status = AttendanceStatus.Present,
                        CheckedInAt = now,
                        Source = AttendanceSource.Roster,
                        MarkedBy = "bench",
                        MarkedAt = now,
                    }).ToList();
        await _world.Services.GetRequiredService<AttendanceStore>().UpsertManyAsync(CycleId, rows);
    }

    private async Task<T> StepAsync<T>(string name, Func<Task<T>> step)
    {
        var at = _clock.Elapsed.TotalSeconds;
        var result = await step();
        Steps.Add(new Step(name, Stats.Round(at), Stats.Round(_clock.Elapsed.TotalSeconds - at)));
        return result;
    }

    private Task StepAsync(string name, Func<Task> step) => StepAsync(name, async () =>
    {
        await step();
        return true;
    });

    /// <summary>After the run: phase times from the audit log, waves from the outbox, history from the engine's table.</summary>
    private async Task CollectAsync(DateTimeOffset created)
    {
        // The cycle is created in Inviting (no audit entry for that); every later phase is audited when entered.
        var phases = await BenchCycles.PhaseTimesAsync(_world, CycleId);
        phases.Insert(0, ("Inviting", created));
        var ends = phases.Skip(1).Select(p => p.At).ToList();
        Phases = [.. phases.Select((p, i) => new PhaseTime(p.Phase, Stats.Round((p.At - created).TotalSeconds), Stats.Round(((i < ends.Count ? ends[i] : p.At) - p.At).TotalSeconds)))];
        var completing = phases.FirstOrDefault(p => p.Phase == "Completing").At;
        var completed = phases.FirstOrDefault(p => p.Phase == "Completed").At;
        CertificatePhaseSeconds = (completed - completing).TotalSeconds;

        for (var i = 0; i < _marks.Count; i++)
        {
            var end = i + 1 < _marks.Count ? _marks[i + 1].Storage : _world.Storage();
            var cpuEnd = i + 1 < _marks.Count ? _marks[i + 1].Cpu : Cpu.Now(_world);
            var wall = (i + 1 < _marks.Count ? _marks[i + 1].At : _clock.Elapsed.TotalSeconds) - _marks[i].At;
            StorageByPhase.Add(new PhaseStorage(_marks[i].Phase, end.Minus(_marks[i].Storage), cpuEnd.Minus(_marks[i].Cpu), wall));
        }

        Waves = [.. _world.Host.Outbox.Messages
            .Where(m => m.Deliveries.Count > 0 && m.Deliveries[0].CustomArgs.GetValueOrDefault("c") == CycleId)
            .GroupBy(m => m.Deliveries[0].CustomArgs.GetValueOrDefault("k") ?? "?")
            .Select(g => new Wave(g.Key, g.Sum(m => m.Deliveries.Count), g.Count(), g.Max(m => m.Deliveries.Count), Stats.Round((g.Max(m => m.ReceivedAt) - g.Min(m => m.ReceivedAt)).TotalSeconds)))
            .OrderBy(w => w.Kind, StringComparer.Ordinal)];

        await SampleHistoryAsync();
        var rows = await _history.RowsAsync(CycleId);
        History = DurableHistory.Figures(rows);
        MailHistory = DurableHistory.Figures([.. await _history.RowsWithPrefixAsync($"mail-{CycleId}-"), .. await _history.RowsWithPrefixAsync($"outbox-{CycleId}")]); // #24: the outbox drain
        AllActivities = [.. DurableHistory.Activities(_historySeen.Values).OrderBy(a => a.ScheduledAt)];
        CertificateActivities = [.. AllActivities.Where(a => a.ScheduledAt >= completing && a.Name is nameof(AttendanceActivities.FinalizeAttendance) or nameof(AttendanceActivities.EvaluateCompletion) or nameof(TrainingCycles.Certificates.CertificateActivities.IssueCertificates) or nameof(TrainingCycles.Certificates.CertificateActivities.PrepareCertificates) or nameof(TrainingCycles.Certificates.CertificateActivities.IssueCertificateBatch) or nameof(MailWaveActivity.SendMailWave))];
    }

    public JsonObject ToJson() => new()
    {
        ["participants"] = Participants,
        ["cycleId"] = CycleId,
        ["registrationWindowSeconds"] = Stats.Round(WindowSeconds, 1),
        ["totalSeconds"] = Stats.Round(TotalSeconds),
        ["phases"] = new JsonArray([.. Phases.Select(p => (JsonNode)new JsonObject { ["phase"] = p.Phase, ["atSeconds"] = p.AtSeconds, ["seconds"] = p.Seconds })]),
        ["steps"] = new JsonArray([.. Steps.Select(s => (JsonNode)new JsonObject { ["step"] = s.Name, ["atSeconds"] = s.AtSeconds, ["seconds"] = s.Seconds })]),
        ["certificatePhase"] = new JsonObject
        {
            ["seconds"] = Stats.Round(CertificatePhaseSeconds),
            ["certificatesPerSecond"] = Stats.Round(Participants / Math.Max(0.001, CertificatePhaseSeconds)),
            ["activities"] = new JsonArray([.. CertificateActivities.Select(a => (JsonNode)new JsonObject { ["name"] = a.Name, ["seconds"] = a.Seconds is { } s ? Stats.Round(s, 3) : null })]),
        },
        ["waves"] = new JsonArray([.. Waves.Select(w => (JsonNode)new JsonObject
        {
            ["kind"] = w.Kind,
            ["recipients"] = w.Recipients,
            ["requests"] = w.Requests,
            ["maxRecipientsPerRequest"] = w.MaxRecipientsPerRequest,
            ["targetRequests"] = w.TargetRequests,
            ["met"] = w.Requests <= w.TargetRequests,
            ["firstToLastRequestSeconds"] = w.FirstToLastSeconds,
        })]),
        ["storage"] = new JsonObject
        {
            ["app"] = new JsonObject { ["total"] = Storage.AppTotal, ["perParticipant"] = Stats.Round((double)Storage.AppTotal / Participants, 2), ["byKind"] = Json.Counts(Storage.App) },
            ["engine"] = new JsonObject { ["total"] = Storage.EngineTotal, ["byService"] = Json.Counts(Storage.Engine) },
            ["benchOwnReads"] = Storage.Bench.Values.Sum(),
            ["byPhase"] = new JsonArray([.. StorageByPhase.Select(p => (JsonNode)new JsonObject { ["phase"] = p.Phase, ["app"] = p.Storage.AppTotal, ["engine"] = p.Storage.EngineTotal, ["wallSeconds"] = Stats.Round(p.WallSeconds, 2), ["cpuSecondsBenchProcess"] = p.Cpu.App, ["cpuSecondsAzurite"] = Cpu.Json(p.Cpu.Azurite) })]),
            ["note"] = "app = the app's own table/blob clients (pipeline policy); engine = every other Azure SDK request to this Azurite (Azure-Core event source) minus the bench's own reads",
        },
        ["history"] = new JsonObject
        {
            ["cycle"] = History.ToJson(),
            ["mostRowsSeenAtOnce"] = MaxHistoryRows,
            ["rowsSeenAcrossGenerations"] = HistoryRowsWritten,
            ["note"] = "ContinueAsNew keeps the instance id and the engine overwrites the previous generation's rows, so the table holds about one generation at a time; rowsSeenAcrossGenerations is the union of samples taken every 0.25 s and at each phase change (a lower bound on rows written)",
            ["participantMailOrchestrations"] = MailHistory.ToJson(),
            ["activities"] = new JsonArray([.. AllActivities.GroupBy(a => a.Name).Select(g => (JsonNode)new JsonObject { ["name"] = g.Key, ["calls"] = g.Count(), ["seconds"] = Stats.Round(g.Sum(a => a.Seconds ?? 0), 3) })]),
        },
        ["warnings"] = new JsonArray([.. Warnings.Select(w => (JsonNode)w)]),
    };
}
