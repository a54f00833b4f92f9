using Azure;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
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
/// <c>POST /api/email/events</c>: SendGrid's signed event webhook. The signature and the timestamp are checked
/// before anything is recorded (<see cref="EmailEventRecorder"/>); the body is read only once the headers are there.
/// </summary>
public sealed class EmailEventFunctions(EmailEventRecorder recorder, ILogger<EmailEventFunctions> logger)
{
    [Function(nameof(EmailEvents))]
    public async Task<IActionResult> EmailEvents([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "email/events")] HttpRequest request)
    {
        var signature = request.Headers[EmailEventRecorder.SignatureHeader].FirstOrDefault();
        var timestamp = request.Headers[EmailEventRecorder.TimestampHeader].FirstOrDefault();
        if (recorder.CheckHeaders(signature, timestamp) is { } refused)
        {
            return refused.ToResult();
        }

        var body = await Http.ReadBodyAsync(request, EmailEventRecorder.MaxBodyBytes, request.HttpContext.RequestAborted);
        if (body is null)
        {
            return Http.TooLarge(EmailEventRecorder.MaxBodyBytes);
        }

        if (recorder.Read(body, signature!, timestamp!, out var events) is { } invalid)
        {
            return invalid.ToResult();
        }

        var (recorded, duplicates, ignored) = await recorder.RecordAsync(events, request.HttpContext.RequestAborted);
        logger.LogInformation("Email events: {Recorded} recorded, {Duplicates} duplicates, {Ignored} ignored", recorded, duplicates, ignored);
        return Http.Ok(new { recorded, duplicates, ignored });
    }
}
