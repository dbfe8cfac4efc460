using System.Diagnostics;
using Pipeline.TestSupport;

namespace Pipeline.Cli.IntegrationTests;

/// <summary>Runs a third-party client (curl, kcat) as a user would, with a bounded wait.</summary>
public static class ExternalTool
{
    public static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(string tool, IEnumerable<string> args, string? stdin = null)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        if (stdin is not null)
            await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Stdout of a run that must succeed.</summary>
    public static async Task<string> OutputAsync(string tool, IEnumerable<string> args, string? stdin = null)
    {
        var (exit, stdout, stderr) = await RunAsync(tool, args, stdin);
        Assert.True(exit == 0, $"{CommandLine.Redacted(tool, args)} exited {exit}: {stderr}");
        return stdout;
    }
}
