using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace TrainingCycles.Infrastructure;

/// <summary>
/// Per-client sliding-window limit on accepted form posts (BCL System.Threading.RateLimiting). Callers ask only once a
/// post has passed field validation: a person fixing typos is never counted, so the limit can be sized for a whole
/// office behind one NAT address (60 colleagues registering in the same minute) and still stop a script. It is per
/// instance: with N instances a client may get N × the limit — a brake on floods, never what decides a seat.
/// </summary>
public sealed class FormRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;

    public FormRateLimiter(IOptions<TrainingCyclesOptions> options)
    {
        var perMinute = options.Value.FormPostsPerMinute;
        _limiter = PartitionedRateLimiter.Create<string, string>(client => RateLimitPartition.GetSlidingWindowLimiter(client, _ => new SlidingWindowRateLimiterOptions
        {
            PermitLimit = perMinute,
            Window = TimeSpan.FromMinutes(1),
            SegmentsPerWindow = 6,
            QueueLimit = 0,
        }));
    }

    /// <summary>True if this client may post now.</summary>
    public bool TryAcquire(HttpRequest request, string purpose)
    {
        using var lease = _limiter.AttemptAcquire(purpose + "|" + ClientKey(request.HttpContext.Connection.RemoteIpAddress));
        return lease.IsAcquired;
    }

    /// <summary>
    /// The client as the host presents it: the connection's remote address. On Azure the worker's forwarded-headers
    /// processing has already put the front end's hop there (and the dev host does the same), so no header a client
    /// writes is read here. IPv6 clients are grouped by /64 — one subscriber's prefix — so rotating the interface
    /// half of the address does not buy a fresh allowance.
    /// </summary>
    public static string ClientKey(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    public void Dispose() => _limiter.Dispose();
}
