using System.Diagnostics;
using System.Text;

namespace TrainingCycles.DevHost;

/// <summary>
/// The dev host as a separate OS process (the same TrainingCycles.DevHost.dll a developer runs), configured
/// through environment variables, so a test (or the bench's <c>scaleout</c> scenario) can SIGKILL it mid-work and
/// start it again on the same storage. It runs the TrainingCycles.DevHost.dll beside the calling program.
/// </summary>
public sealed class DevHostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private DevHostProcess(Process process, string baseUrl)
    {
        _process = process;
        BaseUrl = baseUrl;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string BaseUrl { get; }

    /// <summary>The OS process id (a test reads its CPU time to find the instance doing the work).</summary>
    public int ProcessId => _process.Id;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts the process, by default with a 15 s work-item lock, so work a killed process held is retried
    /// within seconds (the activities in the kill tests take well under that).</summary>
    public static async Task<DevHostProcess> StartAsync(int port, string taskHub, IReadOnlyDictionary<string, string> environment, int workItemTimeoutSeconds = 15)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = RepoPaths.FindRoot(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "TrainingCycles.DevHost.dll"), "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--task-hub", taskHub, "--quiet", "--work-item-timeout", workItemTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the dev host process");
        var host = new DevHostProcess(process, $"http://localhost:{port}");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException("dev host process exited:\n" + host.Output);
            }

            try
            {
                if ((await http.GetAsync(host.BaseUrl + "/api/health")).IsSuccessStatusCode)
                {
                    return host;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(250);
        }

        await host.DisposeAsync();
        throw new TimeoutException("dev host process did not become healthy:\n" + host.Output);
    }

    /// <summary>SIGKILL: no shutdown hooks, no flushing — a crash.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
