using System.Globalization;
using Azure;
using Azure.Data.Tables;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Identity;

/// <summary>A row of the sign-in table: link requests per address, redeemed links, ended sessions. Insert-only.</summary>
public sealed class SignInEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public DateTimeOffset At { get; set; }
}

/// <summary>
/// The sign-in table, where storage decides what memory must not (any instance may serve any request):
/// <list type="bullet">
/// <item><c>addr-{hash}</c> / <c>{ticks}-{random}</c>: one row per link sent to an address (the address only as a hash),
/// counted over a sliding window;</item>
/// <item><c>link-{nonce}</c> / <c>used</c>: a redeemed link — the insert IS the redemption, a second insert conflicts;</item>
/// <item><c>session-{id}</c> / <c>ended</c>: a signed-out session, read on every cookie.</item>
/// </list>
/// </summary>
public sealed class SignInStore(AppTables tables, TimeProvider time)
{
    /// <summary>
    /// True when a link may be sent to <paramref name="email"/> now: fewer than <paramref name="limit"/> links in the
    /// window. Exact across instances: a request first counts (refused at the limit without writing, so a flood does not
    /// extend the block), then inserts its own row and counts the rows before it; two requests racing for the last slot
    /// both insert and the later row key loses (and removes its row).
    /// </summary>
    public async Task<bool> TryTakeLinkSlotAsync(string email, int limit, TimeSpan window, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.SignIn, cancellationToken);
        var pk = "addr-" + Ids.IndexHash("signin", email);
        var now = time.GetUtcNow();
        var from = Ticks(now - window);
        if (await CountAsync(table, pk, from, null, cancellationToken) >= limit)
        {
            return false;
        }

        var rk = Ticks(now) + "-" + Ids.RandomString(8);
        await table.AddEntityAsync(new SignInEntity { PartitionKey = pk, RowKey = rk, At = now }, cancellationToken);
        if (await CountAsync(table, pk, from, rk, cancellationToken) >= limit)
        {
            await table.DeleteEntityAsync(pk, rk, ETag.All, cancellationToken);
            return false;
        }

        return true;
    }

    /// <summary>Redeems a link: true the first time, false for every later attempt (on any instance).</summary>
    public async Task<bool> TryRedeemAsync(string nonce, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.SignIn, cancellationToken);
        try
        {
            await table.AddEntityAsync(new SignInEntity { PartitionKey = "link-" + nonce, RowKey = "used", At = time.GetUtcNow() }, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return false;
        }
    }

    /// <summary>Records a session as ended (idempotent: ending it twice is one row).</summary>
    public async Task EndSessionAsync(string sessionId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.SignIn, cancellationToken);
        try
        {
            await table.AddEntityAsync(new SignInEntity { PartitionKey = "session-" + sessionId, RowKey = "ended", At = time.GetUtcNow() }, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
        }
    }

    /// <summary>One point read.</summary>
    public async Task<bool> IsSessionEndedAsync(string sessionId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.SignIn, cancellationToken);
        var row = await table.GetEntityIfExistsAsync<SignInEntity>("session-" + sessionId, "ended", ["PartitionKey"], cancellationToken);
        return row.HasValue;
    }

    private static async Task<int> CountAsync(TableClient table, string pk, string fromRowKey, string? beforeRowKey, CancellationToken cancellationToken)
    {
        var filter = beforeRowKey is null
            ? TableClient.CreateQueryFilter($"PartitionKey eq {pk} and RowKey ge {fromRowKey}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {pk} and RowKey ge {fromRowKey} and RowKey lt {beforeRowKey}");
        var count = 0;
        await foreach (var _ in table.QueryAsync<SignInEntity>(filter, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            count++;
        }

        return count;
    }

    private static string Ticks(DateTimeOffset at) => at.UtcTicks.ToString("D19", CultureInfo.InvariantCulture);
}
