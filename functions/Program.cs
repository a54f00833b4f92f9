using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using TrainingCycles;
using TrainingCycles.Identity;
using TrainingCycles.Infrastructure;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.UseMiddleware<DependencyFailureMiddleware>();
builder.UseMiddleware<AccessGateMiddleware>(); // every route with [Requires]: 401/403 before the function runs
builder.Services.AddTrainingCycles(builder.Configuration);

// Traces, metrics and logs through OpenTelemetry (host.json telemetryMode: OpenTelemetry). Exported to
// Application Insights only where the connection string is set (Azure); elsewhere logs stay on the console.
var telemetry = builder.Services.AddOpenTelemetry()
    .UseFunctionsWorkerDefaults()
    .WithTracing(tracing => tracing.AddSource(Telemetry.Name))
    .WithMetrics(metrics => metrics.AddMeter(Telemetry.Name));
if (!string.IsNullOrWhiteSpace(builder.Configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"]))
{
    // Application Insights refuses the connection string alone (DisableLocalAuth in infra/): the exporter signs
    // in as the app's identity, named by the same setting the Functions host reads.
    var clientId = TelemetrySettings.ManagedIdentityClientId(builder.Configuration["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]);
    telemetry.UseAzureMonitorExporter(options =>
    {
        if (clientId is not null)
        {
            options.Credential = new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));
        }
    });
}

builder.Build().Run();
