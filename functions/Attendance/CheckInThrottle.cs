using Azure;
using Azure.Data.Tables;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Attendance;

/// <summary>
/// Table <c>Attendance</c>, PK = <c>{cycleId}~limits</c> (a partition of its own, so roster queries never see it),
/// RK = participant id: wrong session codes counted in a fixed window that starts with the first wrong code.
/// </summary>
public sealed class CheckInLimitEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public DateTimeOffset WindowStart { get; set; }
    public int Failures { get; set; }
}

/// <summary>
/// At most <see cref="MaxFailures"/> wrong codes per participant per <see cref="Window"/>; after that every attempt,
/// right or wrong, is refused until the window ends, so the lock is no oracle. Kept in a table row rather than in
/// memory: Flex Consumption runs many instances and starts new ones at will, and an in-memory count would be
/// per instance and forgotten on every cold start. With 2 valid codes among 10⁶ and a personal link required,
/// 10 tries per 10 minutes leave a guesser about 1 chance in 5,500 over a 90-minute window.
/// </summary>
public sealed class CheckInThrottle(AppTables tables, TimeProvider time)
{
    public const int MaxFailures = 10;

    public static readonly TimeSpan Window = TimeSpan.FromMinutes(10);

    public static string Partition(string cycleId) => cycleId + "~limits";

    /// <summary>When the participant is locked out, the moment the lock ends; otherwise null.</summary>
    public async Task<DateTimeOffset?> LockedUntilAsync(string cycleId, string participantId, CancellationToken cancellationToken = default)
    {
        var row = await GetAsync(await tables.GetAsync(AppTables.Attendance, cancellationToken), cycleId, participantId, cancellationToken);
        var now = time.GetUtcNow();
        return row is not null && row.Failures >= MaxFailures && row.WindowStart + Window > now ? row.WindowStart + Window : null;
    }

    /// <summary>Counts one wrong code; returns how many tries are left in the window (0 = now locked).</summary>
    public async Task<int> RecordFailureAsync(string cycleId, string participantId, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.Attendance, cancellationToken);
        for (var attempt = 0; ; attempt++)
        {
            var now = time.GetUtcNow();
            var row = await GetAsync(table, cycleId, participantId, cancellationToken);
            try
            {
                if (row is null)
                {
                    row = new CheckInLimitEntity { PartitionKey = Partition(cycleId), RowKey = participantId, WindowStart = now, Failures = 1 };
                    await table.AddEntityAsync(row, cancellationToken);
                }
                else
                {
                    if (row.WindowStart + Window <= now)
                    {
                        row.WindowStart = now;
                        row.Failures = 0;
                    }

                    row.Failures++;
                    await table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, cancellationToken);
                }

                return Math.Max(0, MaxFailures - row.Failures);
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412 && attempt < 10)
            {
                // Two wrong codes at once from the same person: read again and count both.
            }
        }
    }

    private static async Task<CheckInLimitEntity?> GetAsync(TableClient table, string cycleId, string participantId, CancellationToken cancellationToken)
    {
        var response = await table.GetEntityIfExistsAsync<CheckInLimitEntity>(Partition(cycleId), participantId, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }
}
