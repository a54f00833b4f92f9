using Microsoft.Extensions.Logging.Abstractions;
using TrainingCycles.DevHost;

namespace TrainingCycles.Tests.Support;

/// <summary>
/// One in-memory Azurite per test run, on free ports. Tests still build their own world inside it: their own
/// tables (prefix), blob container, task hub and HTTP port. Tests that need Azurite's lifecycle start their own.
/// </summary>
public static class SharedAzurite
{
    private static readonly Lazy<Task<Azurite>> Instance = new(StartAsync);

    public static async Task<string> ConnectionStringAsync() => (await Instance.Value).ConnectionString;

    private static async Task<Azurite> StartAsync()
    {
        var azurite = await Azurite.StartOnFreePortsAsync(RepoPaths.FindRoot(), inMemory: true, NullLogger.Instance, CancellationToken.None);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => azurite.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return azurite;
    }
}
