using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Pipeline.Cli.IntegrationTests;

/// <summary>
/// The CLI (Pipeline.Cli.dll, built next to these tests) as a separate process with its own state
/// folder, so a test never touches a developer's .pipeline/ and never binds the default ports.
/// </summary>
public sealed partial class CliProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Lock _lock = new();

    private CliProcess(Process process) => _process = process;

    public string Stdout { get { lock (_lock) return _stdout.ToString(); } }
    public string Stderr { get { lock (_lock) return _stderr.ToString(); } }
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    public static CliProcess Start(CliHome home, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Pipeline.Cli.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        // A long-running command (`up`, `devstack`) stops when this test host is gone (killed by a hang timeout):
        // otherwise it keeps its services running beside the test projects that follow. A test may name another.
        start.Environment[Pipeline.ServiceDefaults.SupervisorWatch.EnvironmentVariable] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var (key, value) in home.Environment) start.Environment[key] = value;
        var process = new Process { StartInfo = start };
        var cli = new CliProcess(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (cli._lock) cli._stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (cli._lock) cli._stderr.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return cli;
    }

    /// <summary>Runs a short command to its end.</summary>
    public static async Task<CliProcess> RunAsync(CliHome home, params string[] args)
    {
        var cli = Start(home, args);
        await cli.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return cli;
    }

    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"CLI did not exit within {timeout}. stdout: {Stdout} stderr: {Stderr}");
        }
        _process.WaitForExit(); // drains the redirected output
    }

    public void Signal(int signal)
    {
        // A process started with SIGINT ignored (a background job of a non-interactive shell) passes that on to its
        // children, and .NET then leaves SIGINT ignored: the CLI could not see this Ctrl-C, and the test would time out.
        if (signal == SigInt && SigIntIgnoredHere())
            throw new InvalidOperationException("SIGINT is ignored in this test process (was `./pipeline test` started as a background job, `cmd &`?), " +
                "so the CLI it starts ignores Ctrl-C too. Run the tests in the foreground or with job control (`set -m`).");
        _ = Kill(_process.Id, signal);
    }

    private static bool SigIntIgnoredHere()
    {
        var ignored = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return ignored is not null && (Convert.ToUInt64(ignored["SigIgn:".Length..].Trim(), 16) & (1UL << (SigInt - 1))) != 0;
    }

    public const int SigInt = 2;
    public const int SigTerm = 15;

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Signal(SigTerm);
            try { await WaitForExitAsync(TimeSpan.FromSeconds(15)); } catch (TimeoutException) { }
        }
        _process.Dispose();
    }
}
