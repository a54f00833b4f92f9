using System.Net.Http.Headers;
using TrainingCycles.DevHost;

namespace TrainingCycles.Tests.Support;

/// <summary>A dev host of the test's own: own port, tables, container and task hub, over the shared Azurite
/// unless the test asks for its own.</summary>
public sealed class TestWorld : IAsyncDisposable
{
    private TestWorld(DevHostApp host, string id)
    {
        Host = host;
        Id = id;
        Http = new HttpClient { BaseAddress = new Uri(host.BaseUrl + "/"), Timeout = TimeSpan.FromSeconds(100) };
        Organizer = new HttpClient { BaseAddress = new Uri(host.BaseUrl + "/"), Timeout = TimeSpan.FromSeconds(100) };
        Organizer.DefaultRequestHeaders.Add("x-functions-key", host.FunctionKey);
    }

    public DevHostApp Host { get; }

    /// <summary>Unique per world: used for table prefix, container and task hub names.</summary>
    public string Id { get; }

    /// <summary>Anonymous client (a participant, a stranger).</summary>
    public HttpClient Http { get; }

    /// <summary>The audit trail's id for whoever <see cref="Organizer"/> is (the automation key's identity).</summary>
    public const string OrganizerActorId = "service:" + DevHostApp.AutomationIdentity;

    /// <summary>Client that carries the organizer's function key.</summary>
    public HttpClient Organizer { get; }

    public static async Task<TestWorld> StartAsync(
        DurableBackend backend = DurableBackend.AzureStorage,
        IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null,
        bool ownAzurite = false,
        string? reuseId = null,
        ILoggerProvider? logs = null,
        TimeSpan? workItemTimeout = null)
    {
        // reuseId: a second dev host over the same tables, container and task hub (a restart).
        var id = reuseId ?? "t" + Guid.NewGuid().ToString("N")[..12];
        // A free port is only free until someone takes it: under load an outgoing connection can get it as its local
        // port before the dev host binds it. Then the host is started again on another one.
        for (var attempt = 1; ; attempt++)
        {
            var port = Azurite.FreePort();
            var baseUrl = $"http://127.0.0.1:{port}";
            var all = new Dictionary<string, string?>
            {
                ["AzureWebJobsStorage"] = ownAzurite ? "UseDevelopmentStorage=true" : await SharedAzurite.ConnectionStringAsync(),
                ["TrainingCycles__PublicBaseUrl"] = baseUrl,
                ["TrainingCycles__TablePrefix"] = id,
                ["TrainingCycles__CertificatesContainer"] = "certs-" + id,
                ["TrainingCycles__SignIn__KeyContainer"] = "keys-" + id,
                ["SendGrid__HostOverride"] = baseUrl,
            };
            foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            {
                all[key] = value;
            }

            try
            {
                var host = await DevHostApp.StartAsync(new DevHostOptions
                {
                    Port = port,
                    PrivateAzurite = true,
                    Azurite = AzuriteMode.InMemory,
                    Backend = backend,
                    TaskHubName = "hub" + id,
                    Settings = all,
                    ConfigureServices = services,
                    ExtraLoggerProvider = logs,
                    WorkItemVisibilityTimeout = workItemTimeout,
                    MinimumLogLevel = logs is not null || Environment.GetEnvironmentVariable("TEST_HOST_LOG") == "1" ? LogLevel.Information : LogLevel.Warning,
                });
                return new TestWorld(host, id);
            }
            catch (IOException e) when (attempt < 3 && e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
            {
                // taken meanwhile: another port
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        Organizer.Dispose();
        await Host.DisposeAsync();
    }
}
