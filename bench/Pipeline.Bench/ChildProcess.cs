using System.Diagnostics;
using System.Text;

namespace Pipeline.Bench;

/// <summary>
/// A program the runner starts (a benchmark, `up`, `simulate`, mosquitto): its output is kept and
/// echoed with a prefix so the user sees progress, and it is killed with its children when disposed.
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly Lock _lock = new();

    private ChildProcess(Process process) => _process = process;

    public string Stdout { get { lock (_lock) return _stdout.ToString(); } }
    public int ExitCode => _process.ExitCode;
    public bool HasExited => _process.HasExited;
    public int Id => _process.Id;

    public static ChildProcess Start(string prefix, string file, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, bool echo = true)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;
        var process = new Process { StartInfo = start };
        var child = new ChildProcess(process);
        void Line(string? line)
        {
            if (line is null) return;
            lock (child._lock) child._stdout.AppendLine(line);
            // Progress lines of the children often redraw with '\r': show only the last state.
            if (echo) Console.Error.WriteLine($"  [{prefix}] {line.Split('\r', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()}");
        }
        process.OutputDataReceived += (_, e) => Line(e.Data);
        process.ErrorDataReceived += (_, e) => Line(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    public static ChildProcess Dotnet(string prefix, string dll, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, bool echo = true) =>
        Start(prefix, "dotnet", new[] { dll }.Concat(args), environment, echo);

    public async Task<int> WaitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{_process.StartInfo.FileName} {string.Join(' ', _process.StartInfo.ArgumentList)} did not finish within {timeout}.");
        }
        return _process.ExitCode;
    }

    /// <summary>SIGTERM (a clean stop for `up`), then a kill if it does not stop in time.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited) return;
        _ = Posix.Kill(_process.Id, Posix.SigTerm);
        try
        {
            await WaitAsync(grace);
        }
        catch (TimeoutException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}

internal static partial class Posix
{
    public const int SigTerm = 15;

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill")]
    public static partial int Kill(int pid, int signal);
}
