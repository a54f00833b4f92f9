using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SendGrid;
using SendGrid.Helpers.Mail;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Reminders;

public sealed record MailRecipient(string ParticipantId, string Email, string? Name, IReadOnlyDictionary<string, string> Values);

public sealed record MailAttachment(string FileName, string ContentType, byte[] Content);

public sealed record SendOutcome(IReadOnlyList<string> Sent, IReadOnlyList<(string ParticipantId, string Error)> Rejected, int Requests, string? MessageId);

/// <summary>A SendGrid batch a request belongs to, and when SendGrid is to deliver it (null: at once).</summary>
public sealed record MailSchedule(string BatchId, DateTimeOffset? SendAt);

/// <summary>A failure worth retrying (429, 5xx, timeouts): the activity throws it and the retry policy backs off.</summary>
public sealed class TransientMailException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>SendGrid gave no answer (timeout, connection lost): the request may or may not have been accepted.</summary>
    public bool Unanswered { get; init; }
}

/// <summary>
/// Sends one rendered message to up to 1,000 recipients in ONE SendGrid request, each recipient in its own
/// personalization with substitutions. Custom args carry ids only (cycle, participant, kind): never personal data.
/// </summary>
public sealed class Mailer(ISendGridClient client, IOptions<SendGridOptions> options, ILogger<Mailer> logger)
{
    public const int MaxRecipientsPerRequest = 1000;

    /// <summary>The log's error for a personalization SendGrid named in a 400 (organizer-facing, as SendGrid says it).</summary>
    public const string RejectedAddress = "SendGrid rejected the address";

    /// <param name="schedule">Optional: the request's <c>batch_id</c> and <c>send_at</c> (see <see cref="ExactlyOnceSender"/>).</param>
    public async Task<SendOutcome> SendAsync(string cycleId, string kind, RenderedMail mail, IReadOnlyList<MailRecipient> recipients, IReadOnlyList<MailAttachment>? attachments = null, CancellationToken cancellationToken = default, MailSchedule? schedule = null)
    {
        if (recipients.Count is 0 or > MaxRecipientsPerRequest)
        {
            throw new ArgumentOutOfRangeException(nameof(recipients), $"1..{MaxRecipientsPerRequest} recipients per request");
        }

        var rejected = new List<(string, string)>();
        var remaining = recipients.ToList();
        var requests = 0;
        // At most two rounds: a 400 that names bad recipients marks them and the rest go again.
        for (var round = 0; round < 2 && remaining.Count > 0; round++)
        {
            var message = Build(cycleId, kind, mail, remaining, attachments);
            if (schedule is not null)
            {
                message.BatchId = schedule.BatchId;
                message.SendAt = schedule.SendAt?.ToUnixTimeSeconds();
            }

            Response response;
            try
            {
                requests++;
                response = await client.SendEmailAsync(message, cancellationToken);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                throw new TransientMailException("SendGrid did not answer: " + e.GetType().Name, e) { Unanswered = true };
            }

            var status = (int)response.StatusCode;
            if (status is 200 or 202)
            {
                var messageId = response.Headers.TryGetValues("X-Message-Id", out var ids) ? ids.FirstOrDefault() : null;
                return new SendOutcome([.. remaining.Select(r => r.ParticipantId)], rejected, requests, messageId);
            }

            var body = await response.Body.ReadAsStringAsync(cancellationToken);
            if (status == 429 || status >= 500)
            {
                logger.LogWarning("SendGrid answered {Status} for a {Kind} batch of {Count}; will retry", status, kind, remaining.Count);
                throw new TransientMailException($"SendGrid answered {status}");
            }

            if (status is 401 or 403)
            {
                throw new InvalidOperationException($"SendGrid refused the API key ({status}): check the setting 'SendGrid__ApiKey'.");
            }

            // 400: find the personalizations SendGrid named; those recipients are rejected, the rest retried once.
            var bad = BadPersonalizations(body);
            if (bad.Count == 0 || round == 1)
            {
                logger.LogError("SendGrid rejected a {Kind} request ({Status}); recording {Count} recipients as rejected", kind, status, remaining.Count);
                rejected.AddRange(remaining.Select(r => (r.ParticipantId, $"SendGrid {status}: {Shorten(body)}")));
                return new SendOutcome([], rejected, requests, null);
            }

            rejected.AddRange(bad.Where(i => i < remaining.Count).Select(i => (remaining[i].ParticipantId, RejectedAddress)));
            remaining = [.. remaining.Where((_, i) => !bad.Contains(i))];
        }

        return new SendOutcome([], rejected, requests, null);
    }

    /// <summary><c>POST /v3/mail/batch</c>: a new batch id (SendGrid answers 201 with <c>{"batch_id": …}</c>).</summary>
    public async Task<string> CreateBatchAsync(CancellationToken cancellationToken = default)
    {
        var response = await RequestAsync(BaseClient.Method.POST, null, "mail/batch", cancellationToken);
        var body = await response.Body.ReadAsStringAsync(cancellationToken);
        ThrowUnlessSuccess(response, body, "create a batch id");
        using var document = JsonDocument.Parse(body);
        return document.RootElement.GetProperty("batch_id").GetString() ?? throw new TransientMailException("SendGrid answered a batch without an id");
    }

    /// <summary>
    /// <c>POST /v3/user/scheduled_sends</c> with status <c>cancel</c>: true when SendGrid took the cancellation (the
    /// batch's messages are discarded at their <c>send_at</c>), false when it refused it (400: too close to
    /// <c>send_at</c>, or already past it).
    /// </summary>
    public async Task<bool> CancelBatchAsync(string batchId, CancellationToken cancellationToken = default)
    {
        var response = await RequestAsync(BaseClient.Method.POST, JsonSerializer.Serialize(new { batch_id = batchId, status = "cancel" }), "user/scheduled_sends", cancellationToken);
        var body = await response.Body.ReadAsStringAsync(cancellationToken);
        if ((int)response.StatusCode == 400)
        {
            logger.LogWarning("SendGrid refused to cancel batch {BatchId}: {Body}", batchId, Shorten(body));
            return false;
        }

        ThrowUnlessSuccess(response, body, "cancel a scheduled batch");
        return true;
    }

    /// <summary><c>GET /v3/user/scheduled_sends/{batch_id}</c>: <c>cancel</c>, <c>pause</c>, or null when none was set.</summary>
    public async Task<string?> BatchStatusAsync(string batchId, CancellationToken cancellationToken = default)
    {
        var response = await RequestAsync(BaseClient.Method.GET, null, "user/scheduled_sends/" + Uri.EscapeDataString(batchId), cancellationToken);
        var body = await response.Body.ReadAsStringAsync(cancellationToken);
        if ((int)response.StatusCode == 404)
        {
            return null;
        }

        ThrowUnlessSuccess(response, body, "read a scheduled batch");
        using var document = JsonDocument.Parse(body);
        return document.RootElement.ValueKind == JsonValueKind.Array
            ? document.RootElement.EnumerateArray().Select(e => e.TryGetProperty("status", out var s) ? s.GetString() : null).FirstOrDefault(s => s is not null)
            : null;
    }

    private async Task<Response> RequestAsync(BaseClient.Method method, string? body, string path, CancellationToken cancellationToken)
    {
        try
        {
            return await client.RequestAsync(method, body, null, path, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new TransientMailException("SendGrid did not answer: " + e.GetType().Name, e) { Unanswered = true };
        }
    }

    private static void ThrowUnlessSuccess(Response response, string body, string what)
    {
        var status = (int)response.StatusCode;
        if (status is >= 200 and < 300)
        {
            return;
        }

        if (status is 401 or 403)
        {
            throw new InvalidOperationException($"SendGrid refused the API key ({status}): check the setting 'SendGrid__ApiKey'.");
        }

        throw status == 429 || status >= 500
            ? new TransientMailException($"SendGrid answered {status} to {what}")
            : new InvalidOperationException($"SendGrid answered {status} to {what}: {Shorten(body)}");
    }

    private SendGridMessage Build(string cycleId, string kind, RenderedMail mail, IReadOnlyList<MailRecipient> recipients, IReadOnlyList<MailAttachment>? attachments)
    {
        var settings = options.Value;
        var message = new SendGridMessage
        {
            From = new EmailAddress(settings.FromEmail, settings.FromName),
            Subject = mail.Subject,
            PlainTextContent = mail.Text,
            HtmlContent = mail.Html,
            Personalizations = [],
            Categories = ["training-cycles", kind],
        };
        foreach (var r in recipients)
        {
            message.Personalizations.Add(new Personalization
            {
                Tos = [new EmailAddress(r.Email, string.IsNullOrWhiteSpace(r.Name) ? null : r.Name)],
                Substitutions = MailTemplates.Substitutions(r.Values),
                CustomArgs = new Dictionary<string, string> { ["c"] = cycleId, ["p"] = r.ParticipantId, ["k"] = kind },
            });
        }

        foreach (var a in attachments ?? [])
        {
            message.AddAttachment(a.FileName, Convert.ToBase64String(a.Content), a.ContentType);
        }

        if (settings.SandboxMode)
        {
            message.SetSandBoxMode(true);
        }

        return message;
    }

    private static HashSet<int> BadPersonalizations(string body)
    {
        var result = new HashSet<int>();
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array)
            {
                foreach (var error in errors.EnumerateArray())
                {
                    var field = error.TryGetProperty("field", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString()! : "";
                    var parts = field.Split('.');
                    if (parts.Length >= 2 && parts[0] == "personalizations" && int.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var index))
                    {
                        result.Add(index);
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Not SendGrid's error shape: treat as unidentifiable.
        }

        return result;
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300];

    public static ISendGridClient CreateClient(SendGridOptions settings, HttpClient http)
    {
        var clientOptions = new SendGridClientOptions { ApiKey = settings.ApiKey };
        if (!string.IsNullOrEmpty(settings.HostOverride))
        {
            clientOptions.Host = settings.HostOverride.TrimEnd('/');
        }

        return new SendGridClient(http, clientOptions);
    }

    public static bool IsSuccess(HttpStatusCode status) => status is HttpStatusCode.OK or HttpStatusCode.Accepted;
}
