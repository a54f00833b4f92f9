using System.Text.Json;
using TrainingCycles.DevHost;
using TrainingCycles.DevHost.MailSink;

namespace TrainingCycles.Tests.Support;

/// <summary>
/// N dev host processes on one Azurite, one task hub, one table prefix and one mail sink — how Azure runs N
/// instances of the app on one storage account. Each process has its own Durable worker id (machine name and
/// port), so the Azure Storage backend leases the task hub's partitions between them; <see cref="PartitionOwnersAsync"/>
/// reads who holds which. The mail sink lives in this (test) process, so it outlives a killed instance.
/// </summary>
public sealed class MultiInstanceWorld : IAsyncDisposable
{
    public const string FunctionKey = "local-organizer-key-change-me";

    private readonly DevHostProcess?[] _hosts;
    private readonly int[] _ports;
    private readonly HttpClient[] _organizers;
    private readonly HttpClient[] _participants;

    private MultiInstanceWorld(TestWorld sink, string id, string storage, DevHostProcess?[] hosts, int[] ports)
    {
        Sink = sink;
        Id = id;
        Storage = storage;
        _hosts = hosts;
        _ports = ports;
        _organizers = [.. ports.Select(p => Client(p, organizer: true))];
        _participants = [.. ports.Select(p => Client(p, organizer: false))];
    }

    /// <summary>An in-process world of which only the SendGrid-compatible sink is used.</summary>
    public TestWorld Sink { get; }

    public MailSinkStore Outbox => Sink.Host.Outbox;

    public string Id { get; }

    public string Storage { get; }

    public string TaskHub => "hub" + Id;

    public int Count => _hosts.Length;

    public string WorkerId(int instance) => $"{System.Environment.MachineName}-{_ports[instance]}";

    public HttpClient Organizer(int instance) => _organizers[instance];

    public HttpClient Participant(int instance) => _participants[instance];

    public DevHostProcess? Host(int instance) => _hosts[instance];

    public static async Task<MultiInstanceWorld> StartAsync(int instances, IReadOnlyDictionary<string, string>? settings = null)
    {
        var sink = await TestWorld.StartAsync(DurableBackend.InMemory);
        var storage = await SharedAzurite.ConnectionStringAsync();
        var id = "mi" + Guid.NewGuid().ToString("N")[..10];
        var ports = Enumerable.Range(0, instances).Select(_ => Azurite.FreePort()).ToArray();
        var world = new MultiInstanceWorld(sink, id, storage, new DevHostProcess?[instances], ports) { _settings = settings };
        try
        {
            // The first creates the task hub; the rest join it (started together they would race to create it).
            world._hosts[0] = await DevHostProcess.StartAsync(ports[0], world.TaskHub, world.Environment(0));
            var rest = await Task.WhenAll(Enumerable.Range(1, instances - 1).Select(i => DevHostProcess.StartAsync(ports[i], world.TaskHub, world.Environment(i))));
            for (var i = 1; i < instances; i++)
            {
                world._hosts[i] = rest[i - 1];
            }

            return world;
        }
        catch
        {
            await world.DisposeAsync();
            throw;
        }
    }

    private IReadOnlyDictionary<string, string>? _settings;

    private Dictionary<string, string> Environment(int instance)
    {
        var environment = new Dictionary<string, string>
        {
            ["AzureWebJobsStorage"] = Storage,
            ["TrainingCycles__TablePrefix"] = Id,
            ["TrainingCycles__CertificatesContainer"] = "certs-" + Id,
            ["TrainingCycles__SignIn__KeyContainer"] = "keys-" + Id,
            ["TrainingCycles__PublicBaseUrl"] = $"http://localhost:{_ports[instance]}",
            ["TrainingCycles__FormPostsPerMinute"] = "100000",
            ["SendGrid__HostOverride"] = Sink.Host.BaseUrl,
        };
        foreach (var (key, value) in _settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        return environment;
    }

    /// <summary>SIGKILL one instance: its partition leases lapse and the others take them over.</summary>
    public void Kill(int instance)
    {
        _hosts[instance]?.Kill();
    }

    /// <summary>Partition (control queue) → the worker id holding its unexpired lease (<see cref="TaskHubPartitions"/>).</summary>
    public Task<IReadOnlyDictionary<string, string>> PartitionOwnersAsync() => TaskHubPartitions.OwnersAsync(Storage, TaskHub);

    /// <summary>Waits until every partition is leased and at least <paramref name="workers"/> workers hold some.</summary>
    public Task<IReadOnlyDictionary<string, string>> WaitForPartitionSpreadAsync(int workers, int partitions, TimeSpan timeout) =>
        TaskHubPartitions.WaitForSpreadAsync(Storage, TaskHub, workers, partitions, timeout);

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _organizers.Concat(_participants))
        {
            client.Dispose();
        }

        foreach (var host in _hosts)
        {
            if (host is not null)
            {
                await host.DisposeAsync();
            }
        }

        await Sink.DisposeAsync();
    }

    private static HttpClient Client(int port, bool organizer)
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://localhost:{port}/"), Timeout = TimeSpan.FromSeconds(100) };
        if (organizer)
        {
            client.DefaultRequestHeaders.Add("x-functions-key", FunctionKey);
        }

        return client;
    }
}
