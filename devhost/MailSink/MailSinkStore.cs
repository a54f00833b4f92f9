using System.Text.Json;
using System.Text.Json.Nodes;

namespace TrainingCycles.DevHost.MailSink;

/// <summary>One recipient's copy of a message, with that personalization's substitutions applied, as SendGrid would deliver it.</summary>
public sealed record Delivery(string To, string? ToName, string Subject, string? Text, string? Html, IReadOnlyDictionary<string, string> CustomArgs, IReadOnlyList<string> Categories, IReadOnlyList<string> AttachmentNames);

/// <summary>An accepted request; with <see cref="SendAt"/> it is held until then (SendGrid's scheduled send), and dropped
/// if its <see cref="BatchId"/> was cancelled.</summary>
public sealed record ReceivedMessage(string Id, DateTimeOffset ReceivedAt, bool Sandbox, int PersonalizationCount, IReadOnlyList<Delivery> Deliveries, JsonNode Request, string? BatchId = null, DateTimeOffset? SendAt = null);

/// <summary>Injected failures: a share of requests (or the next N) answered with 429/5xx before anything is stored.</summary>
public sealed record MailFaults(double FailureRate = 0, int FailNext = 0, int[]? StatusCodes = null, int? Seed = null, int SucceedFirst = 0);

public sealed class MailSinkStore
{
    private readonly object _gate = new();
    private readonly List<ReceivedMessage> _messages = [];
    private readonly HashSet<string> _batches = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _batchStatus = new(StringComparer.Ordinal);
    private TimeSpan _clockOffset;
    private MailFaults _faults = new();
    private Random _random = new();
    private int _rejectedRequests;
    private int _failedRequests;

    /// <summary>SendGrid refuses to cancel or pause a batch later than this before its send_at (10 minutes).</summary>
    public TimeSpan CancelCutoff { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The most batches that may be cancelled or paused at one time (SendGrid: 10).</summary>
    public int MaxStatusBatches { get; set; } = 10;

    /// <summary>
    /// Called after a mail/send request is accepted and before it is answered, with the sending dev host's worker id
    /// (header <c>X-DevHost-Worker</c>): lets a test kill the sender while SendGrid "has" the request.
    /// </summary>
    public Func<ReceivedMessage, string?, Task>? AfterAccept { get; set; }

    /// <summary>The sink's clock: real time plus what <see cref="AdvanceClock"/> added (scheduled sends fall due by it).</summary>
    public DateTimeOffset Now
    {
        get
        {
            lock (_gate)
            {
                return DateTimeOffset.UtcNow + _clockOffset;
            }
        }
    }

    public void AdvanceClock(TimeSpan by)
    {
        lock (_gate)
        {
            _clockOffset += by;
        }
    }

    /// <summary>What SendGrid has delivered by <see cref="Now"/>: sent at once, or due and not cancelled.</summary>
    public IReadOnlyList<ReceivedMessage> Messages
    {
        get
        {
            lock (_gate)
            {
                var now = DateTimeOffset.UtcNow + _clockOffset;
                return [.. _messages.Where(m => m.SendAt is not { } at || (at <= now && !IsCancelled(m.BatchId)))];
            }
        }
    }

    /// <summary>Accepted, held until their send_at (not yet due).</summary>
    public IReadOnlyList<ReceivedMessage> Scheduled
    {
        get
        {
            lock (_gate)
            {
                var now = DateTimeOffset.UtcNow + _clockOffset;
                return [.. _messages.Where(m => m.SendAt is { } at && at > now)];
            }
        }
    }

    /// <summary>Accepted, then discarded at their send_at because their batch was cancelled.</summary>
    public IReadOnlyList<ReceivedMessage> Discarded
    {
        get
        {
            lock (_gate)
            {
                var now = DateTimeOffset.UtcNow + _clockOffset;
                return [.. _messages.Where(m => m.SendAt is { } at && at <= now && IsCancelled(m.BatchId))];
            }
        }
    }

    private bool IsCancelled(string? batchId) => batchId is not null && _batchStatus.GetValueOrDefault(batchId) == "cancel";

    public string CreateBatch()
    {
        var id = Guid.NewGuid().ToString("N");
        lock (_gate)
        {
            _batches.Add(id);
        }

        return id;
    }

    public bool BatchExists(string batchId)
    {
        lock (_gate)
        {
            return _batches.Contains(batchId);
        }
    }

    public string? BatchStatus(string batchId)
    {
        lock (_gate)
        {
            return _batchStatus.GetValueOrDefault(batchId);
        }
    }

    /// <summary>
    /// <c>POST /v3/user/scheduled_sends</c>: sets cancel or pause on a batch, under SendGrid's documented conditions.
    /// Returns the refusal, or null when the status was set.
    /// </summary>
    public string? SetBatchStatus(string batchId, string status)
    {
        lock (_gate)
        {
            var now = DateTimeOffset.UtcNow + _clockOffset;
            if (!_batches.Contains(batchId))
            {
                return "invalid batch id";
            }

            if (_batchStatus.ContainsKey(batchId))
            {
                return "batch id already has a status; update it with PATCH";
            }

            // "You can't pause or cancel a batch later than 10 minutes before the scheduled send_at time."
            if (_messages.Any(m => m.BatchId == batchId && (m.SendAt is not { } at || at - now < CancelCutoff)))
            {
                return "cannot cancel or pause a batch later than 10 minutes before its send_at";
            }

            // "You can't pause or cancel more than 10 different batches at one time."
            var held = _batchStatus.Keys.Count(b => _messages.Any(m => m.BatchId == b && m.SendAt is { } at && at > now));
            if (held >= MaxStatusBatches)
            {
                return $"you cannot have more than {MaxStatusBatches} batches cancelled or paused at one time";
            }

            _batchStatus[batchId] = status;
            return null;
        }
    }

    /// <summary>Requests accepted, whether delivered, held or discarded.</summary>
    public int AcceptedRequests
    {
        get
        {
            lock (_gate)
            {
                return _messages.Count;
            }
        }
    }

    public int FailedRequests => Volatile.Read(ref _failedRequests);

    public int RejectedRequests => Volatile.Read(ref _rejectedRequests);

    public IReadOnlyList<Delivery> Deliveries => [.. Messages.SelectMany(m => m.Deliveries)];

    public void SetFaults(MailFaults faults)
    {
        lock (_gate)
        {
            _faults = faults;
            _random = faults.Seed is int seed ? new Random(seed) : new Random();
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _messages.Clear();
            _batches.Clear();
            _batchStatus.Clear();
            _clockOffset = TimeSpan.Zero;
            _faults = new MailFaults();
            _rejectedRequests = 0;
            _failedRequests = 0;
        }
    }

    /// <summary>Returns a status code to fail this request with, or null to accept it.</summary>
    public int? NextInjectedFailure()
    {
        lock (_gate)
        {
            var codes = _faults.StatusCodes is { Length: > 0 } c ? c : [429, 500];
            int? failWith = null;
            if (_faults.SucceedFirst > 0)
            {
                _faults = _faults with { SucceedFirst = _faults.SucceedFirst - 1 };
            }
            else if (_faults.FailNext > 0)
            {
                _faults = _faults with { FailNext = _faults.FailNext - 1 };
                failWith = codes[_random.Next(codes.Length)];
            }
            else if (_faults.FailureRate > 0 && _random.NextDouble() < _faults.FailureRate)
            {
                failWith = codes[_random.Next(codes.Length)];
            }

            if (failWith is not null)
            {
                _failedRequests++;
            }

            return failWith;
        }
    }

    public void CountRejected() => Interlocked.Increment(ref _rejectedRequests);

    /// <summary>
    /// Forgets every copy sent to <paramref name="email"/>, and every copy about the participation
    /// <paramref name="cycleId"/>/<paramref name="participantId"/> sent to someone else (custom args <c>c</c> and <c>p</c>:
    /// the superior's follow-up survey names the alumnus) — an erasure, docs/privacy.md: those deliveries and their
    /// personalizations in the stored requests; a message left with nobody is dropped. Returns how many copies went.
    /// </summary>
    public int Forget(string? email, string? cycleId = null, string? participantId = null)
    {
        bool Same(string? a) => email is { Length: > 0 } && string.Equals(a?.Trim(), email.Trim(), StringComparison.OrdinalIgnoreCase);
        bool About(IReadOnlyDictionary<string, string> args) => cycleId is { Length: > 0 } && participantId is { Length: > 0 }
            && args.GetValueOrDefault("c") == cycleId && args.GetValueOrDefault("p") == participantId;
        var forgotten = 0;
        lock (_gate)
        {
            for (var i = _messages.Count - 1; i >= 0; i--)
            {
                var message = _messages[i];
                var keep = message.Deliveries.Where(d => !Same(d.To) && !About(d.CustomArgs)).ToList();
                if (keep.Count == message.Deliveries.Count)
                {
                    continue;
                }

                forgotten += message.Deliveries.Count - keep.Count;
                if (keep.Count == 0)
                {
                    _messages.RemoveAt(i);
                    continue;
                }

                var request = message.Request.DeepClone();
                var globalArgs = Strings(request["custom_args"]);
                if (request["personalizations"] is JsonArray personalizations)
                {
                    foreach (var personalization in personalizations.ToList())
                    {
                        var args = new Dictionary<string, string>(globalArgs);
                        foreach (var (key, value) in Strings(personalization?["custom_args"]))
                        {
                            args[key] = value;
                        }

                        if ((personalization?["to"] is JsonArray to && to.Any(t => Same(t?["email"]?.GetValue<string>()))) || About(args))
                        {
                            personalizations.Remove(personalization);
                        }
                    }
                }

                _messages[i] = message with { Deliveries = keep, PersonalizationCount = keep.Count, Request = request };
            }
        }

        return forgotten;
    }

    /// <summary>Deliveries to <paramref name="email"/> or about the participation (see <see cref="Forget"/>).</summary>
    public IReadOnlyList<Delivery> Of(string? email, string cycleId, string participantId) =>
        [.. Deliveries.Where(d => (email is { Length: > 0 } && string.Equals(d.To, email, StringComparison.OrdinalIgnoreCase))
            || (d.CustomArgs.GetValueOrDefault("c") == cycleId && d.CustomArgs.GetValueOrDefault("p") == participantId))];

    private static Dictionary<string, string> Strings(JsonNode? map) =>
        map is JsonObject o
            ? o.Where(p => p.Value is JsonValue v && v.GetValueKind() == JsonValueKind.String).ToDictionary(p => p.Key, p => p.Value!.GetValue<string>())
            : [];

    public ReceivedMessage Add(JsonElement request, DateTimeOffset now)
    {
        var message = Expand(request, now);
        lock (_gate)
        {
            _messages.Add(message);
        }

        return message;
    }

    private static ReceivedMessage Expand(JsonElement root, DateTimeOffset now)
    {
        string? Content(string type) => root.TryGetProperty("content", out var content)
            ? content.EnumerateArray().Where(c => string.Equals(c.GetProperty("type").GetString(), type, StringComparison.OrdinalIgnoreCase)).Select(c => c.GetProperty("value").GetString()).FirstOrDefault()
            : null;

        var globalSubject = root.TryGetProperty("subject", out var s) ? s.GetString() : null;
        var text = Content("text/plain");
        var html = Content("text/html");
        var globalArgs = StringMap(root, "custom_args");
        var categories = root.TryGetProperty("categories", out var cats) ? cats.EnumerateArray().Select(c => c.GetString()!).ToList() : [];
        var attachments = root.TryGetProperty("attachments", out var atts) ? atts.EnumerateArray().Select(a => a.GetProperty("filename").GetString()!).ToList() : [];
        var sandbox = root.TryGetProperty("mail_settings", out var ms) && ms.TryGetProperty("sandbox_mode", out var sb) && sb.TryGetProperty("enable", out var en) && en.ValueKind == JsonValueKind.True;

        var deliveries = new List<Delivery>();
        var personalizations = root.GetProperty("personalizations");
        foreach (var personalization in personalizations.EnumerateArray())
        {
            var substitutions = StringMap(personalization, "substitutions");
            string? Apply(string? value)
            {
                if (value is null)
                {
                    return null;
                }

                foreach (var (key, replacement) in substitutions)
                {
                    value = value.Replace(key, replacement, StringComparison.Ordinal);
                }

                return value;
            }

            var subject = Apply(personalization.TryGetProperty("subject", out var ps) ? ps.GetString() : globalSubject) ?? "";
            var args = new Dictionary<string, string>(globalArgs);
            foreach (var (key, value) in StringMap(personalization, "custom_args"))
            {
                args[key] = value;
            }

            foreach (var to in personalization.GetProperty("to").EnumerateArray())
            {
                deliveries.Add(new Delivery(
                    to.GetProperty("email").GetString()!,
                    to.TryGetProperty("name", out var name) ? name.GetString() : null,
                    subject, Apply(text), Apply(html), args, categories, attachments));
            }
        }

        var batchId = root.TryGetProperty("batch_id", out var b) && b.ValueKind == JsonValueKind.String ? b.GetString() : null;
        DateTimeOffset? sendAt = root.TryGetProperty("send_at", out var at) && at.TryGetInt64(out var unix) ? DateTimeOffset.FromUnixTimeSeconds(unix) : null;
        return new ReceivedMessage(Guid.NewGuid().ToString("N"), now, sandbox, personalizations.GetArrayLength(), deliveries, JsonNode.Parse(root.GetRawText())!, batchId, sendAt);
    }

    private static Dictionary<string, string> StringMap(JsonElement parent, string property) =>
        parent.TryGetProperty(property, out var map) && map.ValueKind == JsonValueKind.Object
            ? map.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String).ToDictionary(p => p.Name, p => p.Value.GetString()!)
            : [];
}
