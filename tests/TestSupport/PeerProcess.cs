using System.Diagnostics;

namespace Pipeline.TestSupport;

/// <summary>Runs Pipeline.TestPeer (built next to the tests) as a separate OS process.</summary>
public static class PeerProcess
{
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(TimeSpan timeout, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Pipeline.TestPeer.dll");
        if (!File.Exists(dll))
            throw new FileNotFoundException("Pipeline.TestPeer.dll is not next to the test assembly; reference tests/TestPeer from the test project.", dll);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"Peer process '{CommandLine.Redacted("dotnet", args)}' did not finish within {timeout}. stderr: {await stderr}");
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
