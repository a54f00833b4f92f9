namespace TrainingCycles.DevHost;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Contains("--help") || args.Contains("-h"))
        {
            Console.WriteLine("""
                Runs the training-cycle function app locally, without Azure Functions Core Tools.

                Usage: dotnet run --project devhost [-- options]
                  --port N               HTTP port (default 7071, like Core Tools)
                  --in-memory            keep Azurite's data in memory instead of .azurite/
                  --durable-in-memory    run orchestrations on the in-memory engine instead of Azure Storage
                  --quiet                only warnings and errors in the log
                  --task-hub NAME        task hub name (default: host.json's hubName)
                  --worker-id ID         Durable worker id partitions are leased under (default: machine name and
                                         port, so several dev hosts on one task hub divide its partitions)
                  --work-item-timeout S  seconds a dequeued work item stays locked (default 300); after a crash,
                                         unfinished work resumes after this long

                Settings: environment variables win over the settings file, as with Core Tools.

                Settings: functions/local.settings.json if present, else local.settings.sample.json.
                """);
            return 0;
        }

        var options = new DevHostOptions
        {
            Port = ArgValue(args, "--port") is { } port ? int.Parse(port, System.Globalization.CultureInfo.InvariantCulture) : 7071,
            Azurite = args.Contains("--in-memory") ? AzuriteMode.InMemory : AzuriteMode.Persistent,
            Backend = args.Contains("--durable-in-memory") ? DurableBackend.InMemory : DurableBackend.AzureStorage,
            MinimumLogLevel = args.Contains("--quiet") ? LogLevel.Warning : LogLevel.Information,
            TaskHubName = ArgValue(args, "--task-hub"),
            WorkerId = ArgValue(args, "--worker-id") ?? Environment.GetEnvironmentVariable("DevHost__WorkerId"),
            WorkItemVisibilityTimeout = ArgValue(args, "--work-item-timeout") is { } seconds ? TimeSpan.FromSeconds(int.Parse(seconds, System.Globalization.CultureInfo.InvariantCulture)) : null,
        };

        using var stopping = new CancellationTokenSource();
        DevHostApp host;
        try
        {
            host = await DevHostApp.StartAsync(options, stopping.Token);
        }
        catch (Exception e) when (e is InvalidOperationException or UnsupportedFunctionException or Microsoft.Extensions.Options.OptionsValidationException or IOException)
        {
            Console.Error.WriteLine("The dev host could not start:");
            Console.Error.WriteLine(e is Microsoft.Extensions.Options.OptionsValidationException v ? string.Join(Environment.NewLine, v.Failures) : e.Message);
            return 1;
        }

        await using (host)
        {
            PrintBanner(host);
            await host.WaitForShutdownAsync();
            Console.WriteLine("Stopping: workflow worker, Durable sidecar, Azurite…");
        }

        return 0;
    }

    private static string AccessLabel(FunctionDescriptor f) =>
        TrainingCycles.Identity.AccessGate.RequirementOf(f.Method) is { } r ? $"   [{r.Permission}{(r.Scope == TrainingCycles.Identity.AccessScope.AllCycles ? "" : " · " + r.Scope)}]" : f.IsAnonymous ? "" : "   [key]";

    private static string? ArgValue(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    private static void PrintBanner(DevHostApp host)
    {
        var http = host.Catalog.Functions.Where(f => f.Kind == FunctionKind.Http).ToList();
        Console.WriteLine();
        Console.WriteLine($"Training cycles dev host is running on {host.BaseUrl}   (settings: {Path.GetFileName(host.SettingsSource)}, task hub: {host.Hub.HubName}, worker: {host.WorkerId})");
        Console.WriteLine();
        Console.WriteLine($"  Health        {host.BaseUrl}/api/health");
        foreach (var page in new[] { ("Dashboard", "dashboard"), ("Register", "cycles/{cycleId}/register") })
        {
            if (http.FirstOrDefault(f => f.Route == page.Item2) is { } f)
            {
                Console.WriteLine($"  {page.Item1,-13} {host.BaseUrl}/api/{f.Route}");
            }
        }

        Console.WriteLine($"  Outbox        {host.BaseUrl}/_dev/outbox   (mail sent through the SendGrid-compatible sink)");
        Console.WriteLine($"  Sign in       {host.BaseUrl}/.auth/login   (local Easy Auth emulator; first administrators: TrainingCycles__Access__FirstAdministrators)");
        Console.WriteLine($"  Automation    x-functions-key: {host.FunctionKey}   (DevHost__FunctionKey = service identity '{DevHostApp.AutomationIdentity}', administrator; scripts only, never in a page)");
        Console.WriteLine();
        Console.WriteLine($"  {http.Count} HTTP functions:");
        foreach (var f in http.OrderBy(f => f.Route, StringComparer.Ordinal))
        {
            Console.WriteLine($"    {string.Join(',', f.HttpMethods),-12} /api/{f.Route}{AccessLabel(f)}");
        }

        var durable = host.Catalog.Functions.Count(f => f.Kind != FunctionKind.Http);
        Console.WriteLine($"  {durable} orchestrator/activity functions registered with the Durable worker.");
        Console.WriteLine();
        Console.WriteLine("Press Ctrl+C to stop.");
    }
}
