using System.Text.Json;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using TrainingCycles.DevHost.MailSink;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.DevHost;

public enum AzuriteMode
{
    /// <summary>Data kept in <c>.azurite/</c> between runs; reuses an Azurite already on ports 10000-10002.</summary>
    Persistent,

    /// <summary>Nothing written to disk.</summary>
    InMemory,
}

public sealed record DevHostOptions
{
    /// <summary>HTTP port; 7071 like Core Tools, 0 for any free port.</summary>
    public int Port { get; init; } = 7071;

    public AzuriteMode Azurite { get; init; } = AzuriteMode.Persistent;

    /// <summary>Start a private Azurite on free ports instead of using/starting one on 10000-10002 (tests).</summary>
    public bool PrivateAzurite { get; init; }

    /// <summary>Folder for a persistent private Azurite (defaults to <c>.azurite/</c> in the repo).</summary>
    public string? AzuriteLocation { get; init; }

    public DurableBackend Backend { get; init; } = DurableBackend.AzureStorage;

    /// <summary>Work-item lock time on the Azure Storage backend (default 5 min, as in DTFx); crash tests shorten it
    /// so that work held by a killed process is picked up again quickly.</summary>
    public TimeSpan? WorkItemVisibilityTimeout { get; init; }

    /// <summary>The Durable worker id partitions are leased under. Default: machine name and HTTP port, so several dev
    /// hosts on one machine and one task hub are several workers and the backend spreads partitions between them.</summary>
    public string? WorkerId { get; init; }

    /// <summary>Overrides the task hub name from host.json (tests: one hub per test).</summary>
    public string? TaskHubName { get; init; }

    /// <summary>Settings layered over local.settings(.sample).json, in <c>A__B</c> or <c>A:B</c> form.</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    /// <summary>Last word on services (tests swap the clock, count requests…).</summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }

    public LogLevel MinimumLogLevel { get; init; } = LogLevel.Information;

    /// <summary>An extra log sink for everything the app and the engine log (tests capture logs with it).</summary>
    public ILoggerProvider? ExtraLoggerProvider { get; init; }

    public string? RepoRoot { get; init; }
}

/// <summary>
/// Hosts the function app the way the Functions host does, from functions.metadata, with Azurite, the Durable
/// engine on Azure Storage (or in memory) behind a gRPC sidecar, and a SendGrid-compatible mail sink.
/// </summary>
public sealed class DevHostApp : IAsyncDisposable
{
    public const string FunctionKeySetting = "DevHost__FunctionKey";
    public const string MasterKeySetting = "DevHost__MasterKey";

    /// <summary>The service identity the dev host's function key maps to.</summary>
    public const string AutomationIdentity = "devhost-automation";

    private readonly WebApplication _app;
    private readonly DurableSidecar _sidecar;
    private readonly Azurite? _azurite;
    private bool _disposed;

    private DevHostApp(WebApplication app, DurableSidecar sidecar, Azurite? azurite, string baseUrl, string functionKey, FunctionCatalog catalog, string settingsSource, string storageConnectionString, DurableHubSettings hub)
    {
        _app = app;
        _sidecar = sidecar;
        _azurite = azurite;
        BaseUrl = baseUrl;
        FunctionKey = functionKey;
        Catalog = catalog;
        SettingsSource = settingsSource;
        StorageConnectionString = storageConnectionString;
        Hub = hub;
    }

    public string BaseUrl { get; }

    public string FunctionKey { get; }

    public FunctionCatalog Catalog { get; }

    public string SettingsSource { get; }

    public string StorageConnectionString { get; }

    /// <summary>CPU time of the private Azurite this host started, null when it uses one it did not start.</summary>
    public TimeSpan? AzuriteProcessorTime => _azurite?.ProcessorTime;

    internal DurableHubSettings Hub { get; }

    /// <summary>The Durable worker id this host leases task hub partitions under.</summary>
    public string WorkerId => Hub.WorkerId ?? Environment.MachineName;

    public IServiceProvider Services => _app.Services;

    public MailSinkStore Outbox => _app.Services.GetRequiredService<MailSinkStore>();

    public DurableTaskClient DurableClient => _app.Services.GetRequiredService<DurableTaskClient>();

    public int? AzuriteProcessId => _azurite?.ProcessId;

    /// <summary>Orchestrator and activity names registered with the Durable worker.</summary>
    public IReadOnlyList<string> RegisteredDurableFunctions { get; private init; } = [];

    public IReadOnlyList<string> RouteTable => [.. _app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().Select(e => e.RoutePattern.RawText ?? "")];

    public static async Task<DevHostApp> StartAsync(DevHostOptions options, CancellationToken cancellationToken = default)
    {
        var repoRoot = options.RepoRoot ?? RepoPaths.FindRoot();
        var local = LocalSettings.Load(repoRoot);
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in local.AsConfiguration())
        {
            settings[key] = value;
        }

        // Like Core Tools: a variable already in the environment wins over the file; the app's own sections may
        // also come from the environment alone (how the crash tests and benchmarks configure a dev host process).
        foreach (System.Collections.DictionaryEntry variable in Environment.GetEnvironmentVariables())
        {
            var name = (string)variable.Key;
            if (local.Values.ContainsKey(name) || name.StartsWith("TrainingCycles__", StringComparison.Ordinal) || name.StartsWith("SendGrid__", StringComparison.Ordinal) ||
                name.StartsWith("DevHost__", StringComparison.Ordinal) || name.StartsWith("AzureWebJobsStorage", StringComparison.Ordinal))
            {
                settings[name.Replace("__", ":", StringComparison.Ordinal)] = (string?)variable.Value;
            }
        }

        foreach (var (key, value) in options.Settings)
        {
            settings[key.Replace("__", ":", StringComparison.Ordinal)] = value;
        }

        // Locally, waves are delivered at once unless told otherwise (SendGrid__ScheduleAheadSeconds, as on Azure:
        // 900): the sink would hold scheduled mail until its clock reaches send_at (docs/email.md).
        settings.TryAdd("SendGrid:ScheduleAheadSeconds", "0");

        using var bootLoggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(options.MinimumLogLevel));
        var bootLog = bootLoggers.CreateLogger("DevHost");

        var hostJson = Path.Combine(repoRoot, "host.json");
        var hub = DurableHubSettings.FromHostJson(hostJson);
        if (options.TaskHubName is { } hubName)
        {
            hub = hub.WithHubName(hubName);
        }

        if (options.WorkItemVisibilityTimeout is { } visibility)
        {
            hub = hub with { WorkItemVisibilityTimeout = visibility };
        }

        hub = hub with { WorkerId = DefaultWorkerId(options) };

        var routePrefix = ReadRoutePrefix(hostJson);

        Azurite? azurite = null;
        DurableSidecar? sidecar = null;
        try
        {
            var storage = settings.GetValueOrDefault(StorageAccount.SettingName);
            if (string.Equals(storage?.Trim(), "UseDevelopmentStorage=true", StringComparison.OrdinalIgnoreCase))
            {
                azurite = options.PrivateAzurite
                    ? await Azurite.StartOnFreePortsAsync(repoRoot, options.Azurite == AzuriteMode.InMemory, bootLog, cancellationToken, options.AzuriteLocation)
                    : await Azurite.UseDefaultPortsAsync(repoRoot, options.Azurite == AzuriteMode.InMemory, bootLog, cancellationToken);
                storage = azurite.ConnectionString;
                settings[StorageAccount.SettingName] = storage;
                if (!azurite.StartedByUs)
                {
                    azurite = null;
                }
            }

            if (string.IsNullOrWhiteSpace(storage))
            {
                throw new InvalidOperationException($"Setting '{StorageAccount.SettingName}' is missing from {local.SourcePath}.");
            }

            var catalog = FunctionCatalog.Load();

            var functionKey = settings.GetValueOrDefault(FunctionKeySetting.Replace("__", ":", StringComparison.Ordinal)) ?? "";
            var masterKey = settings.GetValueOrDefault(MasterKeySetting.Replace("__", ":", StringComparison.Ordinal)) ?? "";
            if (functionKey.Length < 16)
            {
                throw new InvalidOperationException($"Setting '{FunctionKeySetting}' must hold a function key of at least 16 characters (it is the local automation key).");
            }

            // The dev host's key is an automation key like any other: the administrator service identity
            // "devhost-automation" (scripts and the test suite use it; the audit trail names it).
            settings["TrainingCycles:ServiceIdentities:devhost:Name"] = AutomationIdentity;
            settings["TrainingCycles:ServiceIdentities:devhost:KeyHash"] = TrainingCycles.Identity.ServiceKeySource.HashOf(functionKey);
            settings["TrainingCycles:ServiceIdentities:devhost:Role"] = TrainingCycles.Identity.Roles.Administrator;
            settings["TrainingCycles:ServiceIdentities:devhost:Scope"] = "";

            // The dev host plays the platform's Easy Auth (EasyAuthEmulator): it strips client-sent principal headers
            // and sets its own, so the app may trust them here, as it does on Azure with authentication on.
            settings[TrainingCycles.Identity.EasyAuthPrincipalSource.EnabledSetting] = "True";

            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = repoRoot, EnvironmentName = Environments.Development });
            builder.Configuration.AddInMemoryCollection(settings);
            builder.Logging.ClearProviders();
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
            builder.Logging.SetMinimumLevel(options.MinimumLogLevel);
            if (options.ExtraLoggerProvider is { } extra)
            {
                builder.Logging.AddProvider(extra);
            }

            builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
            builder.Logging.AddFilter("Microsoft.DurableTask", LogLevel.Warning);
            builder.Logging.AddFilter("DurableTask", LogLevel.Warning);
            builder.Logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);
            builder.WebHost.UseUrls(options.Port == 0 ? "http://127.0.0.1:0" : $"http://localhost:{options.Port}");

            var loggerFactory = LoggerFactory.Create(b =>
            {
                b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
                if (options.ExtraLoggerProvider is { } extra)
                {
                    b.AddProvider(extra);
                }
            });
            sidecar = await DurableSidecar.StartAsync(options.Backend, storage, hub, loggerFactory, cancellationToken);

            builder.Services.AddTrainingCycles(builder.Configuration);
            // Names this host on its SendGrid requests, so a multi-instance test can tell which instance sent what
            // (the mail sink's AfterAccept hook). Only the dev host adds it.
            var workerId = hub.WorkerId ?? Environment.MachineName;
            builder.Services.AddHttpClient(nameof(TrainingCycles.Reminders.Mailer), http => http.DefaultRequestHeaders.Add("X-DevHost-Worker", workerId));
            builder.Services.AddMvcCore();
            builder.Services.AddRouting();
            builder.Services.AddSingleton<MailSinkStore>();
            builder.Services.AddSingleton<TrainingCycles.Privacy.IPersonalDataHolder, MailSinkHolder>();
            builder.Services.AddSingleton(new FunctionKeys(functionKey, masterKey));

            IServiceProvider? root = null;
            var registered = new List<string>();
            var channel = sidecar.Channel;
            builder.Services.AddDurableTaskWorker(worker =>
            {
                worker.UseGrpc(channel);
                worker.AddTasks(registry =>
                {
                    DurableFunctionAdapters.Register(registry, catalog, () => root!);
                    registered.AddRange(registry.GetOrchestrators().Select(o => o.Key.Name).Concat(registry.GetActivities().Select(a => a.Key.Name)));
                });
            });
            builder.Services.AddDurableTaskClient(client =>
            {
                client.UseGrpc(channel);
                client.RegisterDirectly();
            });
            options.ConfigureServices?.Invoke(builder.Services);

            var app = builder.Build();
            root = app.Services;
            // Like the Functions worker behind Azure's front end (ConfigureFunctionsWebApplication): forwarded-headers
            // processing puts the trusted hop into Connection.RemoteIpAddress. Only a loopback peer (a local proxy or
            // a test standing in for the front end) is trusted, and only its last X-Forwarded-For entry is taken;
            // what a client wrote before it is never used.
            app.UseForwardedHeaders(new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor, ForwardLimit = 1 });
            // host.json's extensions.http.customHeaders on every answer, as the Functions host adds them (HSTS, #23).
            var customHeaders = ReadCustomHeaders(hostJson);
            app.Use((context, next) =>
            {
                context.Response.OnStarting(() =>
                {
                    foreach (var (name, value) in customHeaders)
                    {
                        context.Response.Headers[name] = value;
                    }

                    return Task.CompletedTask;
                });
                return next(context);
            });
            var emulator = new Microsoft.AspNetCore.DataProtection.EphemeralDataProtectionProvider().CreateProtector("TrainingCycles.DevHost.EasyAuthEmulator");
            EasyAuthEmulator.UseHeaders(app, emulator);
            app.UseRouting();
            HttpFunctionEndpoints.Map(app, catalog, routePrefix, app.Services.GetRequiredService<FunctionKeys>());
            EasyAuthEmulator.Map(app, emulator);
            MailSinkEndpoints.Map(app);
            await app.StartAsync(cancellationToken);

            var address = app.Urls.First();
            var baseUrl = options.Port == 0 ? address : $"http://localhost:{options.Port}";
            return new DevHostApp(app, sidecar, azurite, baseUrl.TrimEnd('/'), functionKey, catalog, local.SourcePath, storage, hub)
            {
                RegisteredDurableFunctions = [.. registered],
            };
        }
        catch
        {
            if (sidecar is not null)
            {
                await sidecar.DisposeAsync();
            }

            if (azurite is not null)
            {
                await azurite.DisposeAsync();
            }

            throw;
        }
    }

    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            // The engine first, while this host's worker can still finish what the engine handed it (see StopEngineAsync).
            await _sidecar.StopEngineAsync(TimeSpan.FromSeconds(30));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await _app.StopAsync(timeout.Token);
            await _app.DisposeAsync();
        }
        finally
        {
            await _sidecar.DisposeAsync();
            if (_azurite is not null)
            {
                await _azurite.DisposeAsync();
            }
        }
    }

    /// <summary>host.json's <c>extensions.http.customHeaders</c>: headers the Functions host adds to every HTTP answer.</summary>
    public static IReadOnlyDictionary<string, string> ReadCustomHeaders(string hostJson)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(hostJson));
        return document.RootElement.TryGetProperty("extensions", out var ext) && ext.TryGetProperty("http", out var http) && http.TryGetProperty("customHeaders", out var headers)
            ? headers.EnumerateObject().ToDictionary(h => h.Name, h => h.Value.GetString() ?? "", StringComparer.OrdinalIgnoreCase)
            : new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The option, else <c>{machine}-{port}</c> (with port 0, the process id stands in for the port).</summary>
    internal static string DefaultWorkerId(DevHostOptions options) =>
        options.WorkerId is { Length: > 0 } id ? id : FormattableString.Invariant($"{Environment.MachineName}-{(options.Port != 0 ? options.Port : Environment.ProcessId)}");

    private static string ReadRoutePrefix(string hostJson)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(hostJson));
        return document.RootElement.TryGetProperty("extensions", out var ext) && ext.TryGetProperty("http", out var http) && http.TryGetProperty("routePrefix", out var prefix)
            ? prefix.GetString() ?? "api"
            : "api";
    }
}
