using System.Diagnostics;
using System.Runtime.InteropServices;
using Pipeline.ServiceDefaults;

namespace Pipeline.Cli.Supervision;

/// <summary>
/// One supervised service: started as its own OS process (as in production), output prefixed
/// with its name, restarted with a growing back-off when it dies, stopped with SIGTERM so it
/// drains, and killed only if it does not stop in time. Its output also goes to its own log file
/// (&lt;state&gt;/logs/&lt;name&gt;.log), so one instance's lines can be read apart from the others'.
/// </summary>
public sealed partial class ServiceProcess(ServiceSpec spec, ConsoleLog log, string? logFile = null) : IAsyncDisposable
{
    /// <summary>Set in every supervised process: which instance it is (tests and tools find a process by it).</summary>
    public const string InstanceVariable = "PIPELINE_INSTANCE";

    private const string TieringDelay = "DOTNET_TC_CallCountingDelayMs";
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource<int> _gaveUp = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly InstanceLogFile? _file = logFile is null ? null : new InstanceLogFile(logFile);
    private Process? _process;
    private Task? _watch;

    public ServiceSpec Spec => spec;
    public int Restarts { get; private set; }

    /// <summary>Completes with the exit code when the service refused its configuration (78): it is not started again.</summary>
    public Task<int> GaveUp => _gaveUp.Task;

    public void Start() => _watch = Task.Run(WatchAsync);

    private async Task WatchAsync()
    {
        var backoff = TimeSpan.FromSeconds(1);
        while (!_stopping.IsCancellationRequested)
        {
            var started = DateTime.UtcNow;
            _process = Launch();
            await _process.WaitForExitAsync();
            if (_stopping.IsCancellationRequested) return;
            if (_process.ExitCode == ServiceRun.ConfigurationErrorExitCode)
            {
                // A refused setting stays refused: restarting would only repeat the message every few seconds.
                Error($"refused its configuration (exit code {_process.ExitCode}, message above); not restarting it");
                _gaveUp.TrySetResult(_process.ExitCode);
                return;
            }
            // A service that ran for a while before dying gets a quick restart; a crash loop backs off.
            if (DateTime.UtcNow - started > TimeSpan.FromMinutes(1)) backoff = TimeSpan.FromSeconds(1);
            Error($"exited with code {_process.ExitCode}; restarting in {backoff.TotalSeconds:0} s");
            Restarts++;
            try { await Task.Delay(backoff, _stopping.Token); } catch (OperationCanceledException) { return; }
            backoff = TimeSpan.FromSeconds(Math.Min(30, backoff.TotalSeconds * 2));
        }
    }

    private Process Launch()
    {
        // setsid: its own session, so the terminal's Ctrl-C reaches only `up`, which stops the
        // services in order; SupervisorWatch stops the service if `up` itself dies.
        var start = new ProcessStartInfo(File.Exists("/usr/bin/setsid") ? "/usr/bin/setsid" : spec.Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (start.FileName != spec.Executable) start.ArgumentList.Add(spec.Executable);
        foreach (var argument in spec.Arguments) start.ArgumentList.Add(argument);
        start.Environment["PIPELINE_SUPERVISOR_PID"] = Environment.ProcessId.ToString();
        start.Environment[InstanceVariable] = spec.Name;
        // The runtime promotes hot methods to optimised code only after 100 ms without new JIT work. A service that
        // starts under load keeps JIT-compiling for seconds, so it ran its hot path unoptimised meanwhile: at 10,000
        // msg/s the first 10 s had p50 ~1.8 s end to end instead of ~1.0 s with no delay (steady state unchanged).
        if (Environment.GetEnvironmentVariable(TieringDelay) is null)
            start.Environment[TieringDelay] = "0";
        foreach (var (key, value) in spec.Environment)
            start.Environment[key] = value;
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => Output(e.Data);
        process.ErrorDataReceived += (_, e) => Output(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private void Error(string line)
    {
        log.Error(spec.Name, line);
        _file?.Write("[up] " + line);
    }

    private void Output(string? line)
    {
        if (line is null) return;
        log.Line(spec.Name, line);
        _file?.Write(line);
    }

    public async Task WaitHealthyAsync(TimeSpan timeout, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            ct.ThrowIfCancellationRequested();
            if (GaveUp.IsCompleted)
                throw new CliException($"{spec.Name} refused its configuration (see its log lines above).", ServiceRun.ConfigurationErrorExitCode);
            try
            {
                using var response = await http.GetAsync(spec.HealthUrl, ct);
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested) { }
            await Task.Delay(250, ct);
        }
        throw new CliException($"{spec.Name} did not become healthy at {spec.HealthUrl} within {timeout.TotalSeconds:0} s (see its log lines above).");
    }

    /// <summary>SIGTERM, then wait for the service's own drain; SIGKILL only after the grace period.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        _stopping.Cancel();
        var process = _process;
        if (process is not null && !process.HasExited)
        {
            _ = Kill(process.Id, SigTerm);
            using var timeout = new CancellationTokenSource(grace);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Error($"did not stop within {grace.TotalSeconds:0} s; killing it");
                process.Kill(entireProcessTree: true);
            }
        }
        if (_watch is not null) await _watch;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(10));
        _process?.Dispose();
        _stopping.Dispose();
        _file?.Dispose();
    }

    private const int SigTerm = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
