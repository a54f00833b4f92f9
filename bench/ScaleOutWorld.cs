using System.Diagnostics;
using System.Globalization;
using Azure.Data.Tables;
using TrainingCycles.DevHost;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Bench;

/// <summary>
/// N dev host processes on the Azurite of the bench's own dev host, with one task hub, one table prefix and its mail
/// sink — how Azure runs N instances of the app on one storage account (the bench's counterpart of the tests'
/// MultiInstanceWorld, on the same <see cref="DevHostProcess"/> and <see cref="TaskHubPartitions"/>). Each process
/// has its own Durable worker id, so the task hub's partitions are leased between them; one can be SIGKILLed.
/// </summary>
public sealed class ScaleOutWorld : IAsyncDisposable
{
    /// <summary>host.json: <c>durableTask.storageProvider.partitionCount</c>.</summary>
    public const int Partitions = 4;

    private readonly DevHostProcess?[] _hosts;
    private readonly HttpClient?[] _organizers;

    private ScaleOutWorld(BenchWorld sink, string id, int instances)
    {
        Sink = sink;
        Id = id;
        _hosts = new DevHostProcess?[instances];
        _organizers = new HttpClient?[instances];
    }

    /// <summary>The bench's own dev host (in-memory engine, runs nothing): its Azurite and its mail sink serve every instance.</summary>
    public BenchWorld Sink { get; }

    public string Id { get; }

    public string TaskHub => "scale" + Id;

    public int Count => _hosts.Length;

    public string Storage => Sink.Host.StorageConnectionString;

    public IEnumerable<int> Alive => Enumerable.Range(0, Count).Where(i => _hosts[i] is not null);

    public IReadOnlyList<string> BaseUrls => [.. Alive.Select(i => _hosts[i]!.BaseUrl)];

    public string WorkerId(int instance) => $"{Id}-{instance}";

    /// <summary>The organizer's client on the first instance still alive.</summary>
    public HttpClient Organizer => _organizers[Alive.First()]!;

    /// <summary>One of the instances' app tables, read with the bench's own client.</summary>
    public TableClient Table(string table) => Sink.Tables.GetTableClient(Id + table);

    public string CertificatesContainer => "certs-" + Id;

    public static async Task<ScaleOutWorld> StartAsync(BenchWorld sink, int instances, int workItemTimeoutSeconds)
    {
        var world = new ScaleOutWorld(sink, "so" + Guid.NewGuid().ToString("N")[..8], instances);
        try
        {
            // The first creates the task hub; the rest join it (started together they would race to create it).
            await world.StartHostAsync(0, workItemTimeoutSeconds);
            await Task.WhenAll(Enumerable.Range(1, instances - 1).Select(i => world.StartHostAsync(i, workItemTimeoutSeconds)));
            await TaskHubPartitions.WaitForSpreadAsync(world.Storage, world.TaskHub, workers: instances, Partitions, TimeSpan.FromSeconds(120));
            return world;
        }
        catch
        {
            await world.DisposeAsync();
            throw;
        }
    }

    /// <summary>SIGKILL one instance: no shutdown, its partition leases lapse and the others take them over.</summary>
    public void Kill(int instance)
    {
        _hosts[instance]?.Kill();
        _hosts[instance] = null;
        _organizers[instance]?.Dispose();
        _organizers[instance] = null;
    }

    /// <summary>The live instance whose process used the most CPU over the next <paramref name="window"/>.</summary>
    public async Task<int> BusiestAsync(TimeSpan window)
    {
        var alive = Alive.ToList();
        var before = alive.ToDictionary(i => i, Cpu);
        await Task.Delay(window);
        return alive.OrderByDescending(i => Cpu(i) - before[i]).First();
    }

    /// <summary>Worker id → partitions it holds now.</summary>
    public async Task<IReadOnlyDictionary<string, int>> PartitionsPerWorkerAsync() =>
        (await TaskHubPartitions.OwnersAsync(Storage, TaskHub)).GroupBy(o => o.Value).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    public async ValueTask DisposeAsync()
    {
        foreach (var i in Enumerable.Range(0, Count))
        {
            _organizers[i]?.Dispose();
            if (_hosts[i] is { } host)
            {
                await host.DisposeAsync();
            }
        }
    }

    private TimeSpan Cpu(int instance)
    {
        using var process = Process.GetProcessById(_hosts[instance]!.ProcessId);
        return process.TotalProcessorTime;
    }

    private async Task StartHostAsync(int instance, int workItemTimeoutSeconds)
    {
        var port = BenchWorld.FreePort();
        var environment = new Dictionary<string, string>
        {
            [StorageAccount.SettingName] = Storage,
            ["TrainingCycles__TablePrefix"] = Id,
            ["TrainingCycles__CertificatesContainer"] = CertificatesContainer,
            ["TrainingCycles__SignIn__KeyContainer"] = "keys-" + Id,
            ["TrainingCycles__PublicBaseUrl"] = $"http://localhost:{port.ToString(CultureInfo.InvariantCulture)}",
            // Every bench client shares one address; the limiter guards the form against one address hammering it.
            ["TrainingCycles__FormPostsPerMinute"] = "100000",
            ["SendGrid__HostOverride"] = Sink.Host.BaseUrl,
            ["DevHost__WorkerId"] = WorkerId(instance),
        };
        var host = await DevHostProcess.StartAsync(port, TaskHub, environment, workItemTimeoutSeconds);
        _hosts[instance] = host;
        var organizer = new HttpClient { BaseAddress = new Uri(host.BaseUrl + "/"), Timeout = TimeSpan.FromMinutes(5) };
        organizer.DefaultRequestHeaders.Add("x-functions-key", Sink.Host.FunctionKey);
        _organizers[instance] = organizer;
    }
}
