using System.Globalization;
using System.Text.Json;
using Azure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using SendGrid.Helpers.EventWebhook;
using TrainingCycles.Cycles;
using TrainingCycles.Infrastructure;

namespace TrainingCycles.Reminders;

/// <summary>
/// SendGrid's signed event webhook, behind <see cref="EmailEventFunctions"/>: the ECDSA signature over timestamp +
/// body is checked with the SendGrid package's own validator; stale timestamps are refused; events are deduplicated
/// on <c>sg_event_id</c> (insert-only rows, so a redelivery on another instance is a 409, not a second record).
/// Delivered, bounced, dropped and spam reports are recorded against the participant, found through the ids in our
/// custom args — SendGrid never gets, and we never log, anything personal.
/// </summary>
public sealed class EmailEventRecorder(AppTables tables, ParticipantStore participants, IOptions<SendGridOptions> options, TimeProvider time)
{
    public const string SignatureHeader = "X-Twilio-Email-Event-Webhook-Signature";
    public const string TimestampHeader = "X-Twilio-Email-Event-Webhook-Timestamp";
    public const int MaxBodyBytes = 4 * 1024 * 1024;
    public const int MaxEvents = 5000;
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(10);

    private static readonly HashSet<string> Recorded = new(StringComparer.Ordinal) { "delivered", "bounce", "dropped", "spamreport", "deferred", "blocked" };

    /// <summary>Before the body is read: the webhook is configured, signed and fresh.</summary>
    public Refusal? CheckHeaders(string? signature, string? timestamp)
    {
        if (!options.Value.WebhookConfigured)
        {
            return new Refusal(StatusCodes.Status503ServiceUnavailable, "not_configured", nameof(Texts.Error_Webhook_NotConfigured));
        }

        if (string.IsNullOrEmpty(signature) || string.IsNullOrEmpty(timestamp) || !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var unix))
        {
            return new Refusal(StatusCodes.Status401Unauthorized, "unsigned", nameof(Texts.Error_Webhook_Unsigned));
        }

        return unix > DateTimeOffset.MaxValue.ToUnixTimeSeconds() || (time.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(unix)).Duration() > MaxClockSkew
            ? new Refusal(StatusCodes.Status401Unauthorized, "stale", nameof(Texts.Error_Webhook_Stale))
            : null;
    }

    /// <summary>The signature over the body, then the body as a bounded JSON array of events.</summary>
    public Refusal? Read(string body, string signature, string timestamp, out IReadOnlyList<JsonElement> events)
    {
        events = [];
        bool verified;
        try
        {
            var validator = new RequestValidator();
            verified = validator.VerifySignature(validator.ConvertPublicKeyToECDSA(options.Value.WebhookVerificationKey), body, signature, timestamp);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException or IndexOutOfRangeException or OverflowException)
        {
            verified = false;
        }

        if (!verified)
        {
            return new Refusal(StatusCodes.Status401Unauthorized, "bad_signature", nameof(Texts.Error_Webhook_BadSignature));
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Array || document.RootElement.GetArrayLength() > MaxEvents)
            {
                return new Refusal(StatusCodes.Status400BadRequest, "invalid_payload", nameof(Texts.Error_Webhook_InvalidPayload), [MaxEvents]);
            }

            events = [.. document.RootElement.EnumerateArray().Select(e => e.Clone())];
            return null;
        }
        catch (JsonException)
        {
            return new Refusal(StatusCodes.Status400BadRequest, "invalid_json", nameof(Texts.Error_Webhook_InvalidJson));
        }
    }

    /// <summary>Records each event once; events that are not ours, or of a kind we do not track, are counted as ignored.</summary>
    public async Task<(int Recorded, int Duplicates, int Ignored)> RecordAsync(IReadOnlyList<JsonElement> events, CancellationToken cancellationToken)
    {
        var eventsTable = await tables.GetAsync(AppTables.EmailEvents, cancellationToken);
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
                }, cancellationToken);
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
                duplicates++;
                continue;
            }

            // The superior's follow-up went to the superior's address: its fate says nothing about the participant's.
            if (StatusOf(type) is { } status && Str(e, "k") != MailKinds.FollowUpSuperior)
            {
                // The participant's latest delivery state; a later "delivered" does not hide an earlier bounce of another mail.
                await participants.RecordEmailStatusAsync(cycleId!, participantId!, status, at);
            }

            recorded++;
        }

        return (recorded, duplicates, ignored);
    }

    private static string? StatusOf(string type) => type switch
    {
        "delivered" => "Delivered",
        "bounce" or "blocked" => "Bounced",
        "dropped" => "Dropped",
        "spamreport" => "SpamReport",
        _ => null,
    };

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
