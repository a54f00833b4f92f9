using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SendGrid.Helpers.EventWebhook;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Reminders;

/// <summary>Table <c>EmailEvents</c>: one row per SendGrid event, PK = cycle, RK = sg_event_id (the dedupe key).</summary>
public sealed class EmailEventEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string ParticipantId { get; set; } = "";
    public string Kind { get; set; } = "";
    public string Event { get; set; } = "";
    public DateTimeOffset At { get; set; }
    public string? Reason { get; set; }
}

/// <summary>
/// <c>POST /api/email/events</c>: SendGrid's signed event webhook. The ECDSA signature over timestamp + body is
/// checked with the SendGrid package's own validator; stale timestamps are refused; events are deduplicated on
/// <c>sg_event_id</c>. Delivered, bounced, dropped and spam reports are recorded against the participant (found
/// through the ids in our custom args — SendGrid never gets, and we never log, anything personal).
/// </summary>
public sealed class EmailEventFunctions(AppTables tables, ParticipantStore participants, IOptions<SendGridOptions> options, TimeProvider time, ILogger<EmailEventFunctions> logger)
{
    public const string SignatureHeader = "X-Twilio-Email-Event-Webhook-Signature";
    public const string TimestampHeader = "X-Twilio-Email-Event-Webhook-Timestamp";
    public const int MaxBodyBytes = 4 * 1024 * 1024;
    public const int MaxEvents = 5000;
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(10);

    private static readonly HashSet<string> Recorded = new(StringComparer.Ordinal) { "delivered", "bounce", "dropped", "spamreport", "deferred", "blocked" };

    [Function(nameof(EmailEvents))]
    public async Task<IActionResult> EmailEvents([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "email/events")] HttpRequest request)
    {
        var settings = options.Value;
        if (!settings.WebhookConfigured)
        {
            return Http.Error(StatusCodes.Status503ServiceUnavailable, "not_configured", nameof(Texts.Error_Webhook_NotConfigured));
        }

        var signature = request.Headers[SignatureHeader].FirstOrDefault();
        var timestamp = request.Headers[TimestampHeader].FirstOrDefault();
        if (string.IsNullOrEmpty(signature) || string.IsNullOrEmpty(timestamp) || !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var unix))
        {
            return Http.Error(StatusCodes.Status401Unauthorized, "unsigned", nameof(Texts.Error_Webhook_Unsigned));
        }

        if (unix > DateTimeOffset.MaxValue.ToUnixTimeSeconds() || (time.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(unix)).Duration() > MaxClockSkew)
        {
            return Http.Error(StatusCodes.Status401Unauthorized, "stale", nameof(Texts.Error_Webhook_Stale));
        }

        var body = await Http.ReadBodyAsync(request, MaxBodyBytes, request.HttpContext.RequestAborted);
        if (body is null)
        {
            return Http.TooLarge(MaxBodyBytes);
        }

        bool verified;
        try
        {
            var validator = new RequestValidator();
            verified = validator.VerifySignature(validator.ConvertPublicKeyToECDSA(settings.WebhookVerificationKey), body, signature, timestamp);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException or IndexOutOfRangeException or OverflowException)
        {
            verified = false;
        }

        if (!verified)
        {
            return Http.Error(StatusCodes.Status401Unauthorized, "bad_signature", nameof(Texts.Error_Webhook_BadSignature));
        }

        List<JsonElement> events;
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Array || document.RootElement.GetArrayLength() > MaxEvents)
            {
                return Http.Error(StatusCodes.Status400BadRequest, "invalid_payload", nameof(Texts.Error_Webhook_InvalidPayload), [MaxEvents]);
            }

            events = [.. document.RootElement.EnumerateArray().Select(e => e.Clone())];
        }
        catch (JsonException)
        {
            return Http.Error(StatusCodes.Status400BadRequest, "invalid_json", nameof(Texts.Error_Webhook_InvalidJson));
        }

        var eventsTable = await tables.GetAsync(AppTables.EmailEvents);
        int recorded = 0, duplicates = 0, ignored = 0;
        foreach (var e in events)
        {
            var eventId = Str(e, "sg_event_id");
            var type = Str(e, "event");
            var cycleId = Str(e, "c");
            var participantId = Str(e, "p");
            if (eventId is null || type is null || !Recorded.Contains(type) || !Ids.LooksValid(cycleId, "c", 12) || !Ids.LooksValid(participantId, "p") || eventId.Length > 200 || eventId.Any(c => c is '/' or '\\' or '#' or '?' || char.IsControl(c)))
            {
                ignored++;
                continue;
            }

            var at = e.TryGetProperty("timestamp", out var ts) && ts.ValueKind == JsonValueKind.Number && ts.TryGetInt64(out var seconds) ? DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(seconds, 0, 253402300799)) : time.GetUtcNow();
            try
            {
                await eventsTable.AddEntityAsync(new EmailEventEntity
                {
                    PartitionKey = cycleId!,
                    RowKey = eventId,
                    ParticipantId = participantId!,
                    Kind = Shorten(Str(e, "k")) ?? "",
                    Event = type,
                    At = at,
                    Reason = Shorten(Str(e, "reason") ?? Str(e, "type")),
                });
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
                duplicates++;
                continue;
            }

            if (type is not "deferred")
            {
                await RecordParticipantStatusAsync(cycleId!, participantId!, type, at);
            }

            recorded++;
        }

        logger.LogInformation("Email events: {Recorded} recorded, {Duplicates} duplicates, {Ignored} ignored", recorded, duplicates, ignored);
        return Http.Ok(new { recorded, duplicates, ignored });
    }

    /// <summary>The participant's latest delivery state; a later "delivered" does not hide an earlier bounce of another mail.</summary>
    private async Task RecordParticipantStatusAsync(string cycleId, string participantId, string type, DateTimeOffset at)
    {
        var status = type switch
        {
            "delivered" => "Delivered",
            "bounce" or "blocked" => "Bounced",
            "dropped" => "Dropped",
            "spamreport" => "SpamReport",
            _ => null,
        };
        if (status is null)
        {
            return;
        }

        await participants.RecordEmailStatusAsync(cycleId, participantId, status, at);
    }

    private static string? Str(JsonElement e, string name)
    {
        if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(name, out var v) || v.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        try
        {
            return v.GetString();
        }
        catch (InvalidOperationException)
        {
            return null; // a lone surrogate escape: not text we can store
        }
    }

    private static string? Shorten(string? text) => text is { Length: > 300 } ? text[..300] : text;
}
