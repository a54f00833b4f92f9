using System.Net;
using DurableTask.AzureStorage;
using DurableTask.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.DurableTask.Testing.Sidecar;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;

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

    private DurableSidecar(WebApplication app, GrpcChannel channel, IOrchestrationService service, string address)
    {
        _app = app;
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
        builder.Services.AddSingleton<TaskHubGrpcServer>();
        var app = builder.Build();
        app.MapGrpcService<TaskHubGrpcServer>();
        await app.StartAsync(cancellationToken);

        var address = $"http://127.0.0.1:{port}";
        return new DurableSidecar(app, GrpcChannel.ForAddress(address), service, address);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
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
