using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;

namespace TrainingCycles.DevHost.MailSink;

/// <summary>
/// A SendGrid-compatible <c>POST /v3/mail/send</c> (with <c>batch_id</c> and <c>send_at</c>), the Cancel Scheduled
/// Sends endpoints the app uses (<c>POST /v3/mail/batch</c>, <c>GET /v3/mail/batch/{id}</c>,
/// <c>POST /v3/user/scheduled_sends</c>, <c>GET /v3/user/scheduled_sends/{batch_id}</c>) as SendGrid documents
/// them, and a local outbox at <c>/_dev/outbox</c>.
/// Only mapped by the dev host; never part of the function app.
/// </summary>
internal static class MailSinkEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/v3/mail/send", SendAsync);
        endpoints.MapPost("/v3/mail/batch", (HttpContext context, MailSinkStore store) =>
            Authorized(context, store) ?? Results.Json(new { batch_id = store.CreateBatch() }, statusCode: StatusCodes.Status201Created));
        endpoints.MapGet("/v3/mail/batch/{batchId}", (string batchId, HttpContext context, MailSinkStore store) =>
            Authorized(context, store) ?? (store.BatchExists(batchId) ? Results.Ok(new { batch_id = batchId }) : Errors(StatusCodes.Status400BadRequest, new SendGridRequestValidator.Error("invalid batch id", "batch_id"))));
        endpoints.MapPost("/v3/user/scheduled_sends", ScheduledSendAsync);
        endpoints.MapGet("/v3/user/scheduled_sends/{batchId}", (string batchId, HttpContext context, MailSinkStore store) =>
            Authorized(context, store) ?? (store.BatchStatus(batchId) is { } status ? Results.Ok(new[] { new { batch_id = batchId, status } }) : Results.Ok(Array.Empty<object>())));
        endpoints.MapPut("/_dev/mail/clock", (ClockAdvance advance, MailSinkStore store) =>
        {
            if (advance.AdvanceSeconds is < 0 or > 7 * 24 * 3600)
            {
                return Results.BadRequest(new { error = "advanceSeconds must be 0..604800" });
            }

            store.AdvanceClock(TimeSpan.FromSeconds(advance.AdvanceSeconds));
            return Results.Ok(new { now = store.Now });
        });
        endpoints.MapGet("/_dev/outbox", Outbox);
        endpoints.MapDelete("/_dev/outbox", (MailSinkStore store) =>
        {
            store.Clear();
            return Results.NoContent();
        });
        endpoints.MapGet("/_dev/outbox/{id}/html", (string id, int? recipient, MailSinkStore store) =>
        {
            var message = store.Messages.FirstOrDefault(m => m.Id == id);
            var delivery = message?.Deliveries.ElementAtOrDefault(recipient ?? 0);
            return delivery is null ? Results.NotFound() : Results.Content(delivery.Html ?? WebUtility.HtmlEncode(delivery.Text ?? ""), "text/html; charset=utf-8");
        });
        endpoints.MapPut("/_dev/mail/faults", (MailFaults faults, MailSinkStore store) =>
        {
            if (faults.FailureRate is < 0 or > 1 || faults.FailNext < 0 || faults.StatusCodes?.Any(c => c is < 400 or > 599) == true)
            {
                return Results.BadRequest(new { error = "failureRate must be 0..1, failNext >= 0, statusCodes 4xx/5xx" });
            }

            store.SetFaults(faults);
            return Results.NoContent();
        });
        endpoints.MapDelete("/_dev/mail/faults", (MailSinkStore store) =>
        {
            store.SetFaults(new MailFaults());
            return Results.NoContent();
        });
    }

    public sealed record ClockAdvance(int AdvanceSeconds);

    private static IResult? Authorized(HttpContext context, MailSinkStore store)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        if (!authorization.StartsWith("Bearer ", StringComparison.Ordinal) || authorization.Length <= "Bearer ".Length)
        {
            store.CountRejected();
            return Errors(StatusCodes.Status401Unauthorized, new SendGridRequestValidator.Error("The provided authorization grant is invalid, expired, or revoked", null));
        }

        return null;
    }

    private static async Task<IResult> ScheduledSendAsync(HttpContext context, MailSinkStore store)
    {
        if (Authorized(context, store) is { } refused)
        {
            return refused;
        }

        string? batchId = null, status = null;
        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            batchId = document.RootElement.TryGetProperty("batch_id", out var b) && b.ValueKind == JsonValueKind.String ? b.GetString() : null;
            status = document.RootElement.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
        }
        catch (JsonException)
        {
        }

        if (batchId is null || status is not ("cancel" or "pause"))
        {
            return Errors(StatusCodes.Status400BadRequest, new SendGridRequestValidator.Error("batch_id and status (cancel or pause) are required", batchId is null ? "batch_id" : "status"));
        }

        return store.SetBatchStatus(batchId, status) is { } refusal
            ? Errors(StatusCodes.Status400BadRequest, new SendGridRequestValidator.Error(refusal, "batch_id"))
            : Results.Json(new { batch_id = batchId, status }, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> SendAsync(HttpContext context, MailSinkStore store, TimeProvider time)
    {
        if (Authorized(context, store) is { } refused)
        {
            return refused;
        }

        if (store.NextInjectedFailure() is int failure)
        {
            context.Response.Headers["X-Injected-Failure"] = "true";
            if (failure == StatusCodes.Status429TooManyRequests)
            {
                context.Response.Headers.RetryAfter = "1";
            }

            return Errors(failure, new SendGridRequestValidator.Error(failure == 429 ? "too many requests" : "internal error (injected by the dev host)", null));
        }

        var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false })
        {
            sizeFeature.MaxRequestBodySize = SendGridRequestValidator.MaxRequestBytes;
        }

        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        }
        catch (Exception e) when (e is JsonException or BadHttpRequestException)
        {
            store.CountRejected();
            return Errors(e is BadHttpRequestException ? StatusCodes.Status413PayloadTooLarge : StatusCodes.Status400BadRequest, new SendGridRequestValidator.Error("Bad Request", null));
        }

        using (document)
        {
            var errors = SendGridRequestValidator.Validate(document.RootElement);
            if (errors.Count > 0)
            {
                store.CountRejected();
                return Errors(StatusCodes.Status400BadRequest, [.. errors]);
            }

            var root = document.RootElement;
            if (root.TryGetProperty("batch_id", out var batch) && (batch.ValueKind != JsonValueKind.String || !store.BatchExists(batch.GetString()!)))
            {
                store.CountRejected();
                return Errors(StatusCodes.Status400BadRequest, new SendGridRequestValidator.Error("The batch ID is not valid.", "batch_id"));
            }

            if (root.TryGetProperty("send_at", out var sendAt) && (!sendAt.TryGetInt64(out var unix) || DateTimeOffset.FromUnixTimeSeconds(unix) > store.Now.AddHours(72)))
            {
                store.CountRejected();
                return Errors(StatusCodes.Status400BadRequest, new SendGridRequestValidator.Error("The send_at parameter must be a UNIX timestamp no more than 72 hours in the future.", "send_at"));
            }

            var message = store.Add(root, time.GetUtcNow());
            context.Response.Headers["X-Message-Id"] = message.Id;
            if (store.AfterAccept is { } hook)
            {
                await hook(message, context.Request.Headers["X-DevHost-Worker"].FirstOrDefault());
            }

            return message.Sandbox ? Results.Ok() : Results.StatusCode(StatusCodes.Status202Accepted);
        }
    }

    private static IResult Errors(int status, params SendGridRequestValidator.Error[] errors) =>
        Results.Json(new { errors = errors.Select(e => new { message = e.Message, field = e.Field, help = (string?)null }) }, statusCode: status);

    private static IResult Outbox(HttpContext context, MailSinkStore store)
    {
        var messages = store.Messages;
        var wantsJson = context.Request.Query["format"] == "json" || context.Request.GetTypedHeaders().Accept.Any(a => a.MediaType.Value?.Contains("json", StringComparison.OrdinalIgnoreCase) == true);
        if (wantsJson)
        {
            return Results.Json(new
            {
                acceptedRequests = messages.Count,
                failedRequests = store.FailedRequests,
                rejectedRequests = store.RejectedRequests,
                messages = messages.Select(m => new { m.Id, m.ReceivedAt, m.Sandbox, m.PersonalizationCount, m.Deliveries }),
            });
        }

        var html = new StringBuilder();
        html.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        html.Append("<title>Outbox (dev host)</title><style>body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}</style></head><body>");
        html.Append("<h1>Outbox</h1><p>Mail the app sent through the dev host's SendGrid-compatible sink. ");
        html.Append(FormattableString.Invariant($"{messages.Count} requests accepted, {store.FailedRequests} failed by injection, {store.RejectedRequests} rejected. <a href=\"?format=json\">JSON</a></p>"));
        html.Append("<table><thead><tr><th scope=\"col\">Received (UTC)</th><th scope=\"col\">To</th><th scope=\"col\">Subject</th><th scope=\"col\">Body</th></tr></thead><tbody>");
        foreach (var message in messages.AsEnumerable().Reverse().Take(500))
        {
            for (var i = 0; i < message.Deliveries.Count && i < 50; i++)
            {
                var d = message.Deliveries[i];
                html.Append(FormattableString.Invariant($"<tr><td>{message.ReceivedAt:yyyy-MM-dd HH:mm:ss}</td><td>{WebUtility.HtmlEncode(d.To)}</td><td>{WebUtility.HtmlEncode(d.Subject)}</td>"));
                html.Append(FormattableString.Invariant($"<td><a href=\"/_dev/outbox/{message.Id}/html?recipient={i}\">view</a></td></tr>"));
            }
        }

        html.Append("</tbody></table></body></html>");
        return Results.Content(html.ToString(), "text/html; charset=utf-8");
    }
}
