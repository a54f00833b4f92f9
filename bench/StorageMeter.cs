using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using Azure.Core;
using Azure.Core.Pipeline;

namespace TrainingCycles.Bench;

/// <summary>Requests counted by kind ("table batch", "blob PUT"…); a snapshot is a plain dictionary.</summary>
public sealed class RequestCounter
{
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);

    public long Total => _counts.Values.Sum();

    public void Add(string kind) => _counts.AddOrUpdate(kind, 1, (_, n) => n + 1);

    public IReadOnlyDictionary<string, long> Snapshot() => new SortedDictionary<string, long>(_counts, StringComparer.Ordinal);

    /// <summary>A pipeline policy for the clients of one service ("table" or "blob") that counts into this counter.</summary>
    public HttpPipelinePolicy PolicyFor(string service) => new CountingPolicy(this, service);

    public static IReadOnlyDictionary<string, long> Difference(IReadOnlyDictionary<string, long> after, IReadOnlyDictionary<string, long> before) =>
        after.Select(kv => (kv.Key, Value: kv.Value - before.GetValueOrDefault(kv.Key))).Where(x => x.Value != 0).ToDictionary(x => x.Key, x => x.Value);

    private sealed class CountingPolicy(RequestCounter counter, string service) : HttpPipelineSynchronousPolicy
    {
        public override void OnSendingRequest(HttpMessage message)
        {
            var verb = message.Request.Uri.Path.EndsWith("$batch", StringComparison.Ordinal) ? "batch" : message.Request.Method.Method;
            counter.Add(service + " " + verb);
        }
    }
}

/// <summary>
/// Every request that any Azure SDK client in this process sends, from the Azure-Core event source, by port. That
/// includes the Durable engine's table, queue and blob traffic, which no policy of ours can reach (the dev host builds
/// the engine's clients itself).
/// </summary>
public sealed class AzureSdkRequestListener : EventListener
{
    // Field initializers run before the base constructor, which already calls OnEventSourceCreated.
    private readonly ConcurrentDictionary<int, long> _byPort = new();

    public IReadOnlyDictionary<int, long> Snapshot() => new Dictionary<int, long>(_byPort);

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Azure-Core")
        {
            EnableEvents(eventSource, EventLevel.Informational);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventName != "Request" || eventData.Payload is null || eventData.PayloadNames is null)
        {
            return;
        }

        var index = eventData.PayloadNames.IndexOf("uri");
        if (index >= 0 && eventData.Payload[index] is string uri && Uri.TryCreate(uri, UriKind.Absolute, out var parsed))
        {
            _byPort.AddOrUpdate(parsed.Port, 1, (_, n) => n + 1);
        }
    }
}
