using TrainingCycles.Tests.Support;

namespace TrainingCycles.Tests.ScaleOut;

/// <summary>Three dev hosts on one task hub are three Durable workers: the backend divides the partitions.</summary>
public sealed class PartitionSpreadTests
{
    [Fact]
    public async Task ThreeDevHostsOnOneTaskHubEachLeaseSomeOfItsPartitions()
    {
        await using var world = await MultiInstanceWorld.StartAsync(3);
        var owners = await world.WaitForPartitionSpreadAsync(workers: 3, partitions: 4, TimeSpan.FromSeconds(90));
        Assert.Equal(
            Enumerable.Range(0, 3).Select(world.WorkerId).Order(StringComparer.Ordinal),
            owners.Values.Distinct().Order(StringComparer.Ordinal));
    }
}
