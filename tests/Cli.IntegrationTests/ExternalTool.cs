using System.Diagnostics;
using Pipeline.TestSupport;

namespace Pipeline.Cli.IntegrationTests;

/// <summary>Third-party command-line clients (mosquitto, curl) as a user runs them.</summary>
internal static class ExternalTool
{
    /// <summary>Starts a long-running client (e.g. mosquitto_sub); the caller kills it.</summary>
    public static Process Start(string tool, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        var process = Process.Start(start)!;
        process.StandardInput.Close();
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Runs a client to completion; fails the test when it exits non-zero.</summary>
    public static async Task<string> RunAsync(string tool, IEnumerable<string> args, string? stdin = null)
    {
        var list = args.ToList();
        var (exit, stdout, stderr) = await TryRunAsync(tool, list, stdin);
        Assert.True(exit == 0, $"{CommandLine.Redacted(tool, list)} exited {exit}: {stderr}");
        return stdout;
    }

    public static async Task<(int Exit, string Stdout, string Stderr)> TryRunAsync(string tool, IEnumerable<string> args, string? stdin = null)
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
}
