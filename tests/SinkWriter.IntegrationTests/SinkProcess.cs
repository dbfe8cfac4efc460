using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Pipeline.TestSupport;

namespace Pipeline.SinkWriter.IntegrationTests;

/// <summary>
/// The sink-writer's own build output (services/sink-writer/bin/&lt;configuration&gt;/net10.0) run as a separate
/// OS process, configured by PIPELINE__ environment variables, so it can be killed with SIGKILL or stopped with SIGTERM.
/// </summary>
public sealed partial class SinkProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private SinkProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue("stderr: " + e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output => string.Join('\n', _output);

    /// <summary>The URL of its /healthz and /metrics, once it has logged it.</summary>
    public string? HttpUrl => _output.Select(l => ListeningOn().Match(l)).FirstOrDefault(m => m.Success)?.Groups[1].Value;

    public static SinkProcess Start(IReadOnlyDictionary<string, string> settings)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(ServiceDll)!,
        };
        start.ArgumentList.Add(ServiceDll);
        foreach (var (key, value) in settings)
            start.Environment["PIPELINE__" + key.Replace(":", "__")] = value;
        start.Environment["PIPELINE__Http__Url"] = "http://127.0.0.1:0";
        return new SinkProcess(Process.Start(start)!);
    }

    /// <summary>Waits until the sink serves /healthz (it has migrated and started its consumers).</summary>
    public async Task WaitUntilServingAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await Eventually.HoldsAsync(async () =>
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"The sink exited with code {_process.ExitCode}:\n{Output}");
            if (HttpUrl is not { } url)
                return false;
            try
            {
                return (await http.GetAsync(url + "/healthz")).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, ok => ok, timeout, "the sink serves /healthz");
    }

    public async Task<string> GetAsync(string path)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        return await http.GetStringAsync(HttpUrl + path);
    }

    /// <summary>kill -9: no drain, no commit, no leaving the group.</summary>
    public void Kill9()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>SIGTERM, as a supervisor or Ctrl-C would: the sink drains and exits on its own.</summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        if (!_process.HasExited && Kill(_process.Id, SigTerm) != 0)
            throw new InvalidOperationException($"kill -TERM {_process.Id} failed: errno {Marshal.GetLastPInvokeError()}");
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    private bool _disposed;

    public ValueTask DisposeAsync()
    {
        if (_disposed)
            return ValueTask.CompletedTask;
        _disposed = true;
        if (!_process.HasExited)
            Kill9();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    private static readonly Lazy<string> _serviceDll = new(FindServiceDll);

    private static string ServiceDll => _serviceDll.Value;

    private static string FindServiceDll()
    {
        var configuration = typeof(SinkProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var relative = Path.Combine("services", "sink-writer", "bin", configuration, "net10.0", "Pipeline.SinkWriter.dll");
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(candidate))
                return candidate;
        }
        throw new FileNotFoundException($"{relative} was not found above {AppContext.BaseDirectory}; the test project references the sink so building the tests builds it.");
    }

    private const int SigTerm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningOn();
}
