using System.Diagnostics;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TrainingCycles.Infrastructure;
using TrainingCycles.Identity;

namespace TrainingCycles.Health;

public sealed class HealthFunctions(AppTables tables, StorageAccount storage, IOptions<TrainingCyclesOptions> options, ILogger<HealthFunctions> logger)
{
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Liveness plus dependency checks. Anonymous, so it says only up/down and timings — no names, no secrets.</summary>
    [Function(nameof(Health))]
    public async Task<IActionResult> Health(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request,
        [DurableClient] DurableTaskClient durable)
    {
        var storageCheck = await CheckAsync("storage", async ct =>
        {
            var cycles = await tables.GetAsync(AppTables.Cycles, ct);
            await foreach (var _ in cycles.QueryAsync<TableEntity>(maxPerPage: 1, select: ["PartitionKey"], cancellationToken: ct).AsPages(pageSizeHint: 1))
            {
                break;
            }

            await storage.Blobs.GetBlobContainerClient(options.Value.CertificatesContainer).CreateIfNotExistsAsync(cancellationToken: ct);
        });

        var workflowCheck = await CheckAsync("workflow", async ct =>
        {
            await foreach (var _ in durable.GetAllInstancesAsync(new OrchestrationQuery { PageSize = 1 }).AsPages(pageSizeHint: 1).WithCancellation(ct))
            {
                break;
            }
        });

        var healthy = storageCheck.Status == "ok" && workflowCheck.Status == "ok";
        var body = new HealthReport(healthy ? "healthy" : "unhealthy", new Dictionary<string, HealthCheck>
        {
            ["storage"] = storageCheck,
            ["workflow"] = workflowCheck,
        });

        request.HttpContext.Response.Headers.CacheControl = "no-store";
        return new ObjectResult(body) { StatusCode = healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable };
    }

    /// <summary>
    /// Runs a tiny orchestration end to end (schedule → activity → completion) and reports the round trip:
    /// proves that the workflow engine is not just reachable but actually dispatching work. Organizer-only
    /// because it writes to the task hub.
    /// </summary>
    [Function(nameof(WorkflowProbe))]
    [Requires(Permission.Operate)]
    public async Task<IActionResult> WorkflowProbe(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "health/workflow-probe")] HttpRequest request,
        [DurableClient] DurableTaskClient durable)
    {
        var stopwatch = Stopwatch.StartNew();
        var instanceId = "health-probe-" + Guid.NewGuid().ToString("N");
        await durable.ScheduleNewOrchestrationInstanceAsync(nameof(HealthProbeOrchestrator), new HealthProbeInput(DateTimeOffset.UtcNow), new StartOrchestrationOptions(instanceId));

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(request.HttpContext.RequestAborted);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            var state = await durable.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, timeout.Token);
            await durable.PurgeInstanceAsync(instanceId);
            var ok = state.RuntimeStatus == OrchestrationRuntimeStatus.Completed;
            return new ObjectResult(new WorkflowProbeResult(ok ? "ok" : "failed", state.RuntimeStatus.ToString(), stopwatch.ElapsedMilliseconds, state.FailureDetails?.ErrorMessage))
            {
                StatusCode = ok ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable,
            };
        }
        catch (OperationCanceledException)
        {
            logger.LogWarning("Workflow probe {InstanceId} did not complete within 60 s", instanceId);
            return new ObjectResult(new WorkflowProbeResult("timeout", "Pending", stopwatch.ElapsedMilliseconds, null)) { StatusCode = StatusCodes.Status503ServiceUnavailable };
        }
    }

    [Function(nameof(HealthProbeOrchestrator))]
    public static async Task<HealthProbeOutput> HealthProbeOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context, HealthProbeInput input)
    {
        var echoed = await context.CallActivityAsync<HealthProbeInput>(nameof(HealthProbeActivity), input);
        return new HealthProbeOutput(echoed.RequestedAt, context.InstanceId);
    }

    [Function(nameof(HealthProbeActivity))]
    public static HealthProbeInput HealthProbeActivity([ActivityTrigger] HealthProbeInput input) => input;

    private async Task<HealthCheck> CheckAsync(string name, Func<CancellationToken, Task> check)
    {
        var stopwatch = Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(CheckTimeout);
        try
        {
            await check(timeout.Token);
            return new HealthCheck("ok", stopwatch.ElapsedMilliseconds);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogWarning(e, "Health check {Check} failed after {ElapsedMs} ms", name, stopwatch.ElapsedMilliseconds);
            return new HealthCheck(timeout.IsCancellationRequested ? "timeout" : "failing", stopwatch.ElapsedMilliseconds);
        }
    }
}

public sealed record HealthReport(string Status, IReadOnlyDictionary<string, HealthCheck> Checks);

public sealed record HealthCheck(string Status, long ElapsedMs);

public sealed record HealthProbeInput(DateTimeOffset RequestedAt);

public sealed record HealthProbeOutput(DateTimeOffset RequestedAt, string InstanceId);

public sealed record WorkflowProbeResult(string Status, string RuntimeStatus, long ElapsedMs, string? Failure);
