namespace TrainingCycles.Bench;

/// <summary>
/// <c>dotnet run -c Release --project bench -- &lt;registration|cycle|certificates&gt; [--option value …]</c>: starts a dev host
/// with its own Azurite, runs the scenario, prints one JSON object (one line) and then a readable table.
/// </summary>
public static class Program
{
    public const string Usage = """
        usage: dotnet run -c Release --project bench -- <scenario> [options]
          registration  [--count 2000] [--clients 32] [--warmup N]
          cycle         [--participants 1000] [--compare 100] [--register batch|service] [--register-clients 4] [--window SECONDS] [--ledger on|off]
          certificates  [--count 200]
          scaleout      [--rush 1000] [--clients 32] [--warmup N] [--instances 3] [--kill yes|no] [--work-item-timeout 15]
        """;

    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }

        // Everything the dev host, Azurite and the Durable engine log goes to stderr; stdout holds only the figures.
        var figures = Console.Out;
        Console.SetOut(Console.Error);
        try
        {
            var result = await RunAsync(args);
            await figures.WriteLineAsync(result.Json.ToJsonString(Json.Compact));
            await figures.WriteLineAsync();
            await figures.WriteLineAsync(result.Table.ToString());
            await figures.FlushAsync();
            return 0;
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync(e.Message + Environment.NewLine + Usage);
            return 2;
        }
    }

    /// <summary>Runs one scenario in this process (the smoke tests call this with tiny counts).</summary>
    public static Task<BenchResult> RunAsync(IReadOnlyList<string> args)
    {
        var parsed = BenchArgs.Parse(args);
        return parsed.Scenario switch
        {
            "registration" => RegistrationBench.RunAsync(parsed),
            "cycle" => CycleBench.RunAsync(parsed),
            "certificates" => CertificateBench.RunAsync(parsed),
            "scaleout" => ScaleOutBench.RunAsync(parsed),
            _ => throw new ArgumentException($"Unknown scenario '{parsed.Scenario}'."),
        };
    }
}
