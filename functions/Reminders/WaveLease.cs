using Azure;
using Azure.Data.Tables;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Reminders;

/// <summary>
/// One sender per wave at a time. Activities run at least once, and a work item whose lock lapses can be handed
/// to a second worker while the first is still sending; both would read the email log before either wrote it.
/// The lease (a row in EmailLog, taken and renewed under ETags) makes the second wait and retry instead.
/// </summary>
public sealed class WaveLease : IAsyncDisposable
{
    public static readonly TimeSpan Duration = TimeSpan.FromSeconds(30);

    private readonly TableClient _table;
    private readonly TimeProvider _time;
    private readonly TableEntity _row;

    private WaveLease(TableClient table, TimeProvider time, TableEntity row)
    {
        _table = table;
        _time = time;
        _row = row;
    }

    public static string Key(string kind, string occurrence) => $"~lease|{kind}|{occurrence}";

    /// <summary>The lease, or null while another execution holds an unexpired one.</summary>
    public static async Task<WaveLease?> TryAcquireAsync(AppTables tables, TimeProvider time, string cycleId, string kind, string occurrence, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AppTables.EmailLog, cancellationToken);
        var now = time.GetUtcNow();
        var row = new TableEntity(cycleId, Key(kind, occurrence)) { ["ExpiresAt"] = now + Duration };
        try
        {
            var added = await table.AddEntityAsync(row, cancellationToken);
            row.ETag = added.Headers.ETag ?? default;
            return new WaveLease(table, time, row);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            var existing = (await table.GetEntityAsync<TableEntity>(cycleId, row.RowKey, cancellationToken: cancellationToken)).Value;
            if (existing.GetDateTimeOffset("ExpiresAt") is { } expires && expires > now)
            {
                return null;
            }

            existing["ExpiresAt"] = now + Duration;
            try
            {
                var taken = await table.UpdateEntityAsync(existing, existing.ETag, TableUpdateMode.Replace, cancellationToken);
                existing.ETag = taken.Headers.ETag ?? default;
                return new WaveLease(table, time, existing);
            }
            catch (RequestFailedException conflict) when (conflict.Status is 404 or 412)
            {
                return null; // someone else took it (or released it) just now
            }
        }
    }

    /// <summary>Extends the lease before the next batch; throws if another execution has taken it over.</summary>
    public async Task RenewAsync(CancellationToken cancellationToken = default)
    {
        _row["ExpiresAt"] = _time.GetUtcNow() + Duration;
        try
        {
            var renewed = await _table.UpdateEntityAsync(_row, _row.ETag, TableUpdateMode.Replace, cancellationToken);
            _row.ETag = renewed.Headers.ETag ?? default;
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            throw new TransientMailException("The wave's lease was taken over by another execution.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _table.DeleteEntityAsync(_row.PartitionKey, _row.RowKey, _row.ETag);
        }
        catch (RequestFailedException)
        {
            // Expired and taken over, or storage is away: the lease simply runs out.
        }
    }
}
