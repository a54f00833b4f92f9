using Azure.Data.Tables;

namespace TrainingCycles.DevHost;

/// <summary>
/// Who holds which partition (control queue) of a task hub on the Azure Storage backend, as its table partition
/// manager stores the leases (table <c>{hub}Partitions</c>: CurrentOwner, ExpiresAt). Shared by the multi-instance
/// tests and the bench's <c>scaleout</c> scenario.
/// </summary>
public static class TaskHubPartitions
{
    /// <summary>Partition → the worker id holding its unexpired lease (empty while the hub does not exist yet).</summary>
    public static async Task<IReadOnlyDictionary<string, string>> OwnersAsync(string storageConnectionString, string taskHub, CancellationToken cancellationToken = default)
    {
        var table = new TableClient(storageConnectionString, taskHub + "Partitions");
        var owners = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            await foreach (var row in table.QueryAsync<TableEntity>(cancellationToken: cancellationToken))
            {
                if (row.GetString("CurrentOwner") is { Length: > 0 } owner && row.GetDateTimeOffset("ExpiresAt") is { } expires && expires > DateTimeOffset.UtcNow)
                {
                    owners[row.RowKey] = owner;
                }
            }
        }
        catch (Azure.RequestFailedException e) when (e.Status == 404)
        {
        }

        return owners;
    }

    /// <summary>Waits until all <paramref name="partitions"/> are leased, by at least <paramref name="workers"/> distinct
    /// workers and by none of <paramref name="excluded"/> (a killed instance whose leases must lapse first).</summary>
    public static async Task<IReadOnlyDictionary<string, string>> WaitForSpreadAsync(string storageConnectionString, string taskHub, int workers, int partitions, TimeSpan timeout, IReadOnlyCollection<string>? excluded = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        IReadOnlyDictionary<string, string> owners = new Dictionary<string, string>();
        while (DateTime.UtcNow < deadline)
        {
            owners = await OwnersAsync(storageConnectionString, taskHub);
            if (owners.Count == partitions && owners.Values.Distinct().Count() >= workers && !owners.Values.Any(o => excluded?.Contains(o) == true))
            {
                return owners;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"partitions of {taskHub} not spread over {workers} workers: {string.Join(", ", owners.Select(o => o.Key + "=" + o.Value))}");
    }
}
