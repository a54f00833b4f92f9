using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace TrainingCycles.DevHost;

/// <summary>
/// Azurite started from the repo's node_modules (installed with <c>npm ci</c> when missing), stopped with us.
/// </summary>
internal sealed partial class Azurite : IAsyncDisposable
{
    // Azurite's well-known development account; public by design (documented by Microsoft).
    public const string AccountName = "devstoreaccount1";
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly Process? _process;

    private Azurite(Process? process, int blobPort, int queuePort, int tablePort)
    {
        _process = process;
        BlobPort = blobPort;
        QueuePort = queuePort;
        TablePort = tablePort;
    }

    public int BlobPort { get; }
    public int QueuePort { get; }
    public int TablePort { get; }
    public bool StartedByUs => _process is not null;

    /// <summary>The CPU time the Azurite process this host started has used so far (the bench reports it per phase); null when it reuses one.</summary>
    public TimeSpan? ProcessorTime
    {
        get
        {
            if (_process is null)
            {
                return null;
            }

            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }
    public int? ProcessId => _process?.Id;

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{BlobPort}/{AccountName};QueueEndpoint=http://127.0.0.1:{QueuePort}/{AccountName};TableEndpoint=http://127.0.0.1:{TablePort}/{AccountName};";

    public static bool IsListening(int port)
    {
        try
        {
            using var client = new TcpClient();
            var connect = client.ConnectAsync(IPAddress.Loopback, port);
            return connect.Wait(TimeSpan.FromMilliseconds(300)) && client.Connected;
        }
        catch (AggregateException)
        {
            return false;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Uses an Azurite already listening on the default ports, or starts one.</summary>
    public static async Task<Azurite> UseDefaultPortsAsync(string repoRoot, bool inMemory, ILogger logger, CancellationToken cancellationToken)
    {
        if (IsListening(10000) && IsListening(10001) && IsListening(10002))
        {
            logger.LogInformation("Using the Azurite already listening on ports 10000-10002");
            return new Azurite(null, 10000, 10001, 10002);
        }

        return await StartAsync(repoRoot, inMemory, 10000, 10001, 10002, logger, cancellationToken);
    }

    /// <summary>Starts a private Azurite on free ports (tests: each gets its own world).</summary>
    public static Task<Azurite> StartOnFreePortsAsync(string repoRoot, bool inMemory, ILogger logger, CancellationToken cancellationToken, string? location = null) =>
        StartAsync(repoRoot, inMemory, FreePort(), FreePort(), FreePort(), logger, cancellationToken, location);

    public static async Task<Azurite> StartAsync(string repoRoot, bool inMemory, int blobPort, int queuePort, int tablePort, ILogger logger, CancellationToken cancellationToken, string? location = null)
    {
        var entry = Path.Combine(repoRoot, "node_modules", "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(entry))
        {
            await NpmCiAsync(repoRoot, logger, cancellationToken);
        }

        location ??= Path.Combine(repoRoot, ".azurite");
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = repoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // --max-semi-space-size: Azurite allocates per request and keeps blobs in its heap; V8's default young
        // generation made it collect constantly. At 64 MB the 10,000-person certificate phase took 52 s instead of
        // 71 s with Azurite's CPU 48.6 s instead of 67.0 s (#24; 128 MB measured the same as 64).
        foreach (var arg in new[]
                 {
                     "--max-semi-space-size=64", entry, "--silent", "--skipApiVersionCheck", "--loose", "--disableTelemetry",
                     "--blobHost", "127.0.0.1", "--blobPort", blobPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--queueHost", "127.0.0.1", "--queuePort", queuePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--tableHost", "127.0.0.1", "--tablePort", tablePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                 })
        {
            start.ArgumentList.Add(arg);
        }

        if (inMemory)
        {
            start.ArgumentList.Add("--inMemoryPersistence");
        }
        else
        {
            Directory.CreateDirectory(location);
            start.ArgumentList.Add("--location");
            start.ArgumentList.Add(location);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node to run Azurite. Is Node.js 20+ installed?");
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var azurite = new Azurite(process, blobPort, queuePort, tablePort);
        var deadline = Stopwatch.StartNew();
        while (!(IsListening(blobPort) && IsListening(queuePort) && IsListening(tablePort)))
        {
            if (process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                await azurite.DisposeAsync();
                string log;
                lock (output)
                {
                    log = output.ToString();
                }

                throw new InvalidOperationException($"Azurite did not start on ports {blobPort}/{queuePort}/{tablePort}:{Environment.NewLine}{log}");
            }

            await Task.Delay(100, cancellationToken);
        }

        logger.LogInformation("Started Azurite (pid {Pid}) on ports {BlobPort}/{QueuePort}/{TablePort}, {Persistence}",
            process.Id, blobPort, queuePort, tablePort, inMemory ? "in memory" : "data in " + location);
        return azurite;
    }

    private static async Task NpmCiAsync(string repoRoot, ILogger logger, CancellationToken cancellationToken)
    {
        logger.LogInformation("Azurite is not installed yet: running 'npm ci' in {RepoRoot}", repoRoot);
        var npm = new ProcessStartInfo("npm") { WorkingDirectory = repoRoot, UseShellExecute = false };
        npm.ArgumentList.Add("ci");
        npm.ArgumentList.Add("--no-audit");
        npm.ArgumentList.Add("--no-fund");
        using var process = Process.Start(npm) ?? throw new InvalidOperationException("Could not run npm. Is Node.js 20+ installed?");
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"'npm ci' failed with exit code {process.ExitCode}.");
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Stops the process we started: SIGTERM first so that Azurite flushes its metadata database to
    /// disk, then a kill if it has not exited within 10 seconds.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_process is null)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                if (OperatingSystem.IsWindows() || NativeMethods.Kill(_process.Id, NativeMethods.SigTerm) != 0)
                {
                    _process.Kill(entireProcessTree: true);
                }

                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                try
                {
                    await _process.WaitForExitAsync(timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    _process.Kill(entireProcessTree: true);
                    await _process.WaitForExitAsync();
                }
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
    }

    private static partial class NativeMethods
    {
        public const int SigTerm = 15;

        [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
        public static partial int Kill(int pid, int signal);
    }
}
