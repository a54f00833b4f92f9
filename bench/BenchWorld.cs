using System.Net;
using System.Net.Sockets;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TrainingCycles.DevHost;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Bench;

/// <summary>Storage requests so far: the app's (its own clients), the bench's own reads, and every Azure SDK request
/// to this world's Azurite by service (the rest of which is the Durable engine's).</summary>
public sealed record StorageSnapshot(IReadOnlyDictionary<string, long> App, IReadOnlyDictionary<string, long> Bench, IReadOnlyDictionary<string, long> AllByService)
{
    public long AppTotal => App.Values.Sum();

    /// <summary>Requests neither the app's clients nor the bench's made: the Durable engine (queues, history, instances, leases).</summary>
    public IReadOnlyDictionary<string, long> Engine => AllByService.ToDictionary(
        s => s.Key,
        s => s.Value - App.Where(a => a.Key.StartsWith(s.Key + " ", StringComparison.Ordinal)).Sum(a => a.Value) - Bench.Where(b => b.Key.StartsWith(s.Key + " ", StringComparison.Ordinal)).Sum(b => b.Value));

    public long EngineTotal => Engine.Values.Sum();

    public StorageSnapshot Minus(StorageSnapshot before) => new(
        RequestCounter.Difference(App, before.App),
        RequestCounter.Difference(Bench, before.Bench),
        RequestCounter.Difference(AllByService, before.AllByService));
}

/// <summary>
/// A dev host of the bench's own, as the tests build theirs: a private in-memory Azurite on free ports, its own task
/// hub, tables and container, the mail sink, and request counters on the app's storage clients.
/// </summary>
public sealed class BenchWorld : IAsyncDisposable
{
    private readonly Dictionary<int, string> _services;
    private AzureSdkRequestListener? _sdk;

    private BenchWorld(DevHostApp host, string id, string taskHub, RequestCounter app)
    {
        Host = host;
        Id = id;
        TaskHub = taskHub;
        App = app;
        Organizer = new HttpClient { BaseAddress = new Uri(host.BaseUrl + "/"), Timeout = TimeSpan.FromMinutes(10) };
        Organizer.DefaultRequestHeaders.Add("x-functions-key", host.FunctionKey);

        // The bench's own reads (phase polling, history rows) go through clients of its own, counted apart.
        var tableOptions = new TableClientOptions();
        tableOptions.AddPolicy(Bench.PolicyFor("table"), Azure.Core.HttpPipelinePosition.PerRetry);
        var blobOptions = new BlobClientOptions();
        blobOptions.AddPolicy(Bench.PolicyFor("blob"), Azure.Core.HttpPipelinePosition.PerRetry);
        Tables = new TableServiceClient(host.StorageConnectionString, tableOptions);
        Blobs = new BlobServiceClient(host.StorageConnectionString, blobOptions);
        _services = ServicePorts(host.StorageConnectionString);
    }

    public DevHostApp Host { get; }

    public string Id { get; }

    public string TaskHub { get; }

    public IServiceProvider Services => Host.Services;

    /// <summary>Client with the organizer's function key.</summary>
    public HttpClient Organizer { get; }

    /// <summary>Requests made by the app's own storage clients (every table and blob call the functions make).</summary>
    public RequestCounter App { get; }

    public RequestCounter Bench { get; } = new();

    /// <summary>The bench's own storage clients (not the app's): for reading what the app and the engine wrote.</summary>
    public TableServiceClient Tables { get; }

    public BlobServiceClient Blobs { get; }

    public string AppTable(string table) => Services.GetRequiredService<AppTables>().PhysicalName(table);

    public static async Task<BenchWorld> StartAsync(DurableBackend backend, IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var id = "b" + Guid.NewGuid().ToString("N")[..10];
        var taskHub = "bench" + id;
        var port = FreePort();
        var baseUrl = $"http://127.0.0.1:{port}";
        var all = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            ["TrainingCycles__PublicBaseUrl"] = baseUrl,
            ["TrainingCycles__TablePrefix"] = id,
            ["TrainingCycles__CertificatesContainer"] = "certs-" + id,
            ["SendGrid__HostOverride"] = baseUrl,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var app = new RequestCounter();
        var host = await DevHostApp.StartAsync(new DevHostOptions
        {
            Port = port,
            PrivateAzurite = true,
            Azurite = AzuriteMode.InMemory,
            Backend = backend,
            TaskHubName = taskHub,
            // The sidecar does not renew work-item locks (Azure's host does); a certificate activity for 10,000
            // people on a busy machine can outlast the default 5 minutes and would then run a second time.
            WorkItemVisibilityTimeout = TimeSpan.FromMinutes(30),
            Settings = all,
            MinimumLogLevel = LogLevel.Warning,
            ConfigureServices = collection =>
            {
                // Same clients the app builds, plus a counting policy; the last registration wins.
                collection.AddSingleton(sp =>
                {
                    var tableOptions = new TableClientOptions();
                    tableOptions.AddPolicy(app.PolicyFor("table"), Azure.Core.HttpPipelinePosition.PerRetry);
                    var blobOptions = new BlobClientOptions();
                    blobOptions.AddPolicy(app.PolicyFor("blob"), Azure.Core.HttpPipelinePosition.PerRetry);
                    return StorageAccount.FromConfiguration(sp.GetRequiredService<IConfiguration>(), tableOptions, blobOptions);
                });
                services?.Invoke(collection);
            },
        });
        return new BenchWorld(host, id, taskHub, app);
    }

    /// <summary>
    /// From now on, also count every Azure SDK request to this world's Azurite (the Durable engine's included). Off by
    /// default: the event source formats each request, which costs CPU that timed runs should not pay.
    /// </summary>
    public void CountAllRequests() => _sdk ??= new AzureSdkRequestListener();

    public StorageSnapshot Storage()
    {
        var byService = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (port, count) in _sdk?.Snapshot() ?? new Dictionary<int, long>())
        {
            if (_services.TryGetValue(port, out var service))
            {
                byService[service] = byService.GetValueOrDefault(service) + count;
            }
        }

        return new StorageSnapshot(App.Snapshot(), Bench.Snapshot(), byService);
    }

    public async ValueTask DisposeAsync()
    {
        Organizer.Dispose();
        await Host.DisposeAsync();
        _sdk?.Dispose();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static Dictionary<int, string> ServicePorts(string connectionString)
    {
        var ports = new Dictionary<int, string>();
        foreach (var part in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var (name, value) = (part[..part.IndexOf('=', StringComparison.Ordinal)], part[(part.IndexOf('=', StringComparison.Ordinal) + 1)..]);
            var service = name switch { "BlobEndpoint" => "blob", "QueueEndpoint" => "queue", "TableEndpoint" => "table", _ => null };
            if (service is not null && Uri.TryCreate(value, UriKind.Absolute, out var uri))
            {
                ports[uri.Port] = service;
            }
        }

        return ports;
    }
}
