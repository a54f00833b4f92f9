using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace TrainingCycles.Infrastructure;

/// <summary>
/// Per-client sliding-window limit on form posts (BCL System.Threading.RateLimiting). It is per instance: with
/// N instances a client may get N × the limit, which still stops a script hammering the form from one address.
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
        using var lease = _limiter.AttemptAcquire(purpose + "|" + ClientAddress(request));
        return lease.IsAcquired;
    }

    /// <summary>The caller's address: the LAST X-Forwarded-For hop — the one Azure's front end appends; earlier hops are
    /// whatever the client wrote — else the socket's.</summary>
    public static string ClientAddress(HttpRequest request)
    {
        var forwarded = request.Headers["X-Forwarded-For"].FirstOrDefault();
        if (!string.IsNullOrEmpty(forwarded))
        {
            var first = forwarded.Split(',')[^1].Trim();
            var colon = first.LastIndexOf(':');
            // "1.2.3.4:5678" from the Functions front end: drop the port.
            return colon > 0 && first.Count(c => c == ':') == 1 ? first[..colon] : first;
        }

        return request.HttpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown";
    }

    public void Dispose() => _limiter.Dispose();
}
