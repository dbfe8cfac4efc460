using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Pipeline.Cli.Supervision.Balancer;

/// <summary>
/// Finds HAProxy, or installs Debian's package with apt-get (its output shown as it runs) when it is missing and this
/// user may; otherwise refuses with what to do. Only `up` with more than one bridge needs it.
/// </summary>
public static partial class HaproxyInstaller
{
    /// <summary>Exit code when the balancer cannot be had (EX_UNAVAILABLE).</summary>
    public const int UnavailableExitCode = 69;

    private const string Source = "balancer";

    public static async Task<string> EnsureAsync(ConsoleLog log, CancellationToken ct)
    {
        if (Find() is { } found) return found;
        if (!File.Exists("/usr/bin/apt-get") || GetEffectiveUserId() != 0)
            throw new CliException("More than one bridge needs HAProxy as the load balancer in front of them, and it is not installed " +
                "(no haproxy on PATH). Install it (Debian/Ubuntu: sudo apt-get install haproxy) and run up again, or run one bridge.", UnavailableExitCode);
        log.Line(Source, "HAProxy is not installed: installing Debian's package haproxy with apt-get");
        await RunAsync(log, ["update"], ct);
        await RunAsync(log, ["install", "-y", "--no-install-recommends", "haproxy"], ct);
        return Find() ?? throw new CliException("apt-get installed haproxy but no haproxy is on PATH or in /usr/sbin.", UnavailableExitCode);
    }

    private static string? Find()
    {
        var directories = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Append("/usr/sbin");
        return directories.Select(d => Path.Combine(d, "haproxy")).FirstOrDefault(File.Exists);
    }

    private static async Task RunAsync(ConsoleLog log, string[] arguments, CancellationToken ct)
    {
        var start = new ProcessStartInfo("/usr/bin/apt-get") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (!string.IsNullOrWhiteSpace(e.Data)) log.Line(Source, "apt-get: " + e.Data); };
        process.ErrorDataReceived += (_, e) => { if (!string.IsNullOrWhiteSpace(e.Data)) log.Line(Source, "apt-get: " + e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
            throw new CliException($"apt-get {string.Join(' ', arguments)} failed with exit code {process.ExitCode} (its output is above); " +
                "install HAProxy yourself (apt-get install haproxy) and run up again, or run one bridge.", UnavailableExitCode);
    }

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();

    /// <summary>Checks the generated configuration with haproxy -c, so a mistake is refused before anything listens (not -q: it would hide the reason).</summary>
    public static async Task CheckConfigurationAsync(string haproxy, string configPath, CancellationToken ct)
    {
        var start = new ProcessStartInfo(haproxy) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-c", "-f", configPath }) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var errors = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
            throw new CliException($"HAProxy refused the generated {configPath}: {(await errors + await output).Trim()}", 78);
    }
}
