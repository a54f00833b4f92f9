using System.Net;
using DurableTask.AzureStorage;
using DurableTask.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.DurableTask.Testing.Sidecar;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace TrainingCycles.DevHost;

public enum DurableBackend
{
    /// <summary>The Durable Functions Azure Storage provider on Azurite: the same engine Azure runs.</summary>
    AzureStorage,

    /// <summary>In memory: fast, nothing survives a restart.</summary>
    InMemory,
}

/// <summary>
/// The Durable Task gRPC sidecar (what the Functions host provides in Azure): a <see cref="TaskHubGrpcServer"/>
/// over an orchestration service, on its own HTTP/2 loopback port. The worker and client connect over gRPC.
/// </summary>
internal sealed class DurableSidecar : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly EngineLifetime _engineLifetime;
    private readonly ILogger _logger;
    private bool _engineStopped;

    private DurableSidecar(WebApplication app, EngineLifetime engineLifetime, ILogger logger, GrpcChannel channel, IOrchestrationService service, string address)
    {
        _app = app;
        _engineLifetime = engineLifetime;
        _logger = logger;
        Channel = channel;
        Service = service;
        Address = address;
    }

    public GrpcChannel Channel { get; }

    public IOrchestrationService Service { get; }

    public string Address { get; }

    public static async Task<DurableSidecar> StartAsync(DurableBackend backend, string? storageConnectionString, DurableHubSettings hub, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        IOrchestrationService service;
        if (backend == DurableBackend.AzureStorage)
        {
            var settings = new AzureStorageOrchestrationServiceSettings
            {
                TaskHubName = hub.HubName,
                // Partitions are leased per worker id. DTFx defaults it to the machine name, so N dev hosts on one
                // machine would all be one "worker" (one of them owns every partition); each gets its own.
                WorkerId = hub.WorkerId ?? Environment.MachineName,
                StorageAccountClientProvider = new StorageAccountClientProvider(storageConnectionString ?? throw new InvalidOperationException("The Azure Storage backend needs a storage connection string.")),
                PartitionCount = hub.PartitionCount,
                // Locally there is no scale controller and no cost to polling; a short interval keeps
                // starts, events and timers prompt instead of up to 30 s late.
                MaxQueuePollingInterval = hub.LocalMaxQueuePollingInterval,
                MaxConcurrentTaskActivityWorkItems = hub.MaxConcurrentActivities,
                MaxConcurrentTaskOrchestrationWorkItems = hub.MaxConcurrentOrchestrations,
                // How long a dequeued work item stays invisible. The sidecar does not renew these locks, so this
                // must exceed the longest activity; after a crash, it is also how long the unfinished work waits.
                WorkItemQueueVisibilityTimeout = hub.WorkItemVisibilityTimeout,
                ControlQueueVisibilityTimeout = hub.WorkItemVisibilityTimeout,
                LoggerFactory = loggerFactory,
            };
            var azureStorage = new AzureStorageOrchestrationService(settings);
            await azureStorage.CreateIfNotExistsAsync();
            service = azureStorage;
        }
        else
        {
            service = new InMemoryOrchestrationService(loggerFactory);
        }

        var port = Azurite.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, port, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(service);
        builder.Services.AddSingleton((IOrchestrationServiceClient)service);
        // The engine's start and stop follow a lifetime of our own, not the web app's: see StopEngineAsync.
        var engineLifetime = new EngineLifetime();
        builder.Services.AddSingleton(sp => new TaskHubGrpcServer(engineLifetime, loggerFactory, service, (IOrchestrationServiceClient)service, sp.GetRequiredService<IOptions<TaskHubGrpcServerOptions>>()));
        var app = builder.Build();
        app.MapGrpcService<TaskHubGrpcServer>();
        await app.StartAsync(cancellationToken);
        engineLifetime.Started();

        var address = $"http://127.0.0.1:{port}";
        return new DurableSidecar(app, engineLifetime, loggerFactory.CreateLogger("TrainingCycles.DevHost.DurableSidecar"), GrpcChannel.ForAddress(address), service, address);
    }

    /// <summary>
    /// Stops the engine while the worker is still connected, so the work items it holds complete and the partitions
    /// are released at once for another host to take. Call it before the worker stops. Why not just stop the web app:
    /// the Azure Storage provider drains its partitions before it lets go of them, waiting for every orchestration
    /// work item it handed out. Once the worker has gone, those never come back; the provider then keeps renewing its
    /// leases for ten minutes (no other host can take over) and throws from the gRPC server's fire-and-forget stop
    /// handler, which ends the process. Bounded: if the drain does not finish in <paramref name="timeout"/>, the
    /// engine is left to finish (or time out) on its own, its exception observed here, and this host is abandoned
    /// the way a crashed one is; its leases expire as a dead host's do once its renewals fail.
    /// </summary>
    public async Task StopEngineAsync(TimeSpan timeout)
    {
        if (_engineStopped)
        {
            return;
        }

        _engineStopped = true;
        if (Service is not AzureStorageOrchestrationService azureStorage)
        {
            _engineLifetime.Stopping(); // in memory: the dispatcher's stop is immediate
            return;
        }

        var stop = azureStorage.StopAsync(isForced: true);
        if (await Task.WhenAny(stop, Task.Delay(timeout)) == stop && stop.IsCompletedSuccessfully)
        {
            _engineLifetime.Stopping(); // the dispatcher's own stop now finds the service stopped and returns at once
            return;
        }

        _ = stop.ContinueWith(t => _logger.LogWarning(t.Exception, "The Durable engine of a disposed dev host did not stop cleanly"), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        _logger.LogWarning("The Durable engine did not release its partitions within {Timeout}; the host is abandoned like a crashed one", timeout);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopEngineAsync(TimeSpan.FromSeconds(30));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await _app.StopAsync(timeout.Token);
        }
        finally
        {
            await _app.DisposeAsync();
            Channel.Dispose();
        }
    }
}

/// <summary>The start and stop signals the gRPC server's engine follows; the sidecar raises them itself.</summary>
internal sealed class EngineLifetime : IHostApplicationLifetime
{
    private readonly CancellationTokenSource _started = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _stopped = new();

    public CancellationToken ApplicationStarted => _started.Token;

    public CancellationToken ApplicationStopping => _stopping.Token;

    public CancellationToken ApplicationStopped => _stopped.Token;

    public void Started() => _started.Cancel();

    public void Stopping() => _stopping.Cancel();

    public void StopApplication() => Stopping();
}

/// <summary>The Durable settings from host.json that the local engine honours.</summary>
internal sealed record DurableHubSettings(string HubName, int PartitionCount, int MaxConcurrentActivities, int MaxConcurrentOrchestrations)
{
    public TimeSpan LocalMaxQueuePollingInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The Durable worker id this host leases partitions under (default: machine name and HTTP port).</summary>
    public string? WorkerId { get; init; }

    /// <summary>DTFx's default (5 minutes) unless the dev host is told otherwise (crash tests use seconds).</summary>
    public TimeSpan WorkItemVisibilityTimeout { get; init; } = TimeSpan.FromMinutes(5);

    public static DurableHubSettings FromHostJson(string hostJsonPath)
    {
        using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllText(hostJsonPath));
        var durable = document.RootElement.TryGetProperty("extensions", out var ext) && ext.TryGetProperty("durableTask", out var d) ? d : default;
        string hub = durable.ValueKind == System.Text.Json.JsonValueKind.Object && durable.TryGetProperty("hubName", out var h) ? h.GetString() ?? "TrainingCycles" : "TrainingCycles";
        int Int(System.Text.Json.JsonElement parent, string name, int fallback) =>
            parent.ValueKind == System.Text.Json.JsonValueKind.Object && parent.TryGetProperty(name, out var v) && v.TryGetInt32(out var i) ? i : fallback;
        var provider = durable.ValueKind == System.Text.Json.JsonValueKind.Object && durable.TryGetProperty("storageProvider", out var sp) ? sp : default;
        return new DurableHubSettings(hub, Int(provider, "partitionCount", 4), Int(durable, "maxConcurrentActivityFunctions", 10), Int(durable, "maxConcurrentOrchestratorFunctions", 10));
    }

    /// <summary>Task hub names must be 3-45 letters and digits; tests derive unique ones.</summary>
    public DurableHubSettings WithHubName(string hubName) => this with { HubName = hubName };
}
