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
/// <item><c>addr-{hash}</c> / <c>slot-{n}</c>: the links an address may receive per window, one row per slot (the address
/// only as a hash);</item>
/// <item><c>link-{nonce}</c> / <c>used</c>: a redeemed link — the insert IS the redemption, a second insert conflicts;</item>
/// <item><c>session-{id}</c> / <c>ended</c>: a signed-out session, read on every cookie.</item>
/// </list>
/// </summary>
public sealed class SignInStore(AppTables tables, TimeProvider time)
{
    /// <summary>
    /// True when a link may be sent to <paramref name="email"/> now. The address has <paramref name="limit"/> slot rows;
    /// a request takes a slot that is missing (insert) or older than the window (replace with If-Match on its ETag). Each
    /// slot can be taken at most once per window, whichever instance asks, so no window ever holds more than
    /// <paramref name="limit"/> links: two requests racing for a slot get one 409/412 and the loser tries the next.
    /// </summary>
    public async Task<bool> TryTakeLinkSlotAsync(string email, int limit, TimeSpan window, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.SignIn, cancellationToken);
        var pk = "addr-" + Ids.IndexHash("signin", email);
        var now = time.GetUtcNow();
        for (var slot = 0; slot < limit; slot++)
        {
            var rk = "slot-" + slot.ToString(CultureInfo.InvariantCulture);
            var existing = await table.GetEntityIfExistsAsync<SignInEntity>(pk, rk, cancellationToken: cancellationToken);
            try
            {
                if (!existing.HasValue)
                {
                    await table.AddEntityAsync(new SignInEntity { PartitionKey = pk, RowKey = rk, At = now }, cancellationToken);
                    return true;
                }

                if (existing.Value!.At <= now - window)
                {
                    await table.UpdateEntityAsync(new SignInEntity { PartitionKey = pk, RowKey = rk, At = now }, existing.Value.ETag, TableUpdateMode.Replace, cancellationToken);
                    return true;
                }
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412)
            {
                // Another request took this slot first: try the next one.
            }
        }

        return false;
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

}
