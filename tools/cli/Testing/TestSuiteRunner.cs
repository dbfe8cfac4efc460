using System.Diagnostics;

namespace Pipeline.Cli.Testing;

/// <summary>
/// Runs `dotnet test` on each test project under tests/ in turn (they share one 2-core
/// machine; one at a time keeps the integration tests' timing honest), reads each TRX
/// report and prints one closing line over all of them: "N passed, N failed[, N skipped]".
/// </summary>
public sealed class TestSuiteRunner(string root, TextWriter output)
{
    public async Task<int> RunAsync(IReadOnlyCollection<string> only, string? filter, CancellationToken ct)
    {
        var projects = Directory.GetDirectories(Path.Combine(root, "tests"))
            .SelectMany(d => Directory.GetFiles(d, "*Tests.csproj"))
            .Where(p => only.Count == 0 || only.Contains(Path.GetFileName(Path.GetDirectoryName(p))!))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (projects.Count == 0)
        {
            await output.WriteLineAsync("No test projects found under tests/ (or none matched --project).");
            return 2;
        }

        var resultsRoot = Path.Combine(root, ".pipeline", "test-results");
        var total = new TrxCounts(0, 0, 0);
        var broken = new List<string>();
        var failures = new List<string>();
        foreach (var project in projects)
        {
            var name = Path.GetFileNameWithoutExtension(project);
            var resultsDir = Path.Combine(resultsRoot, name);
            if (Directory.Exists(resultsDir)) Directory.Delete(resultsDir, recursive: true);
            await output.WriteLineAsync($"==> {name}");
            var watch = Stopwatch.StartNew();
            var exit = await RunDotnetTestAsync(project, resultsDir, filter, ct);
            var counts = TrxCounts.ReadAll(resultsDir);
            if (counts is null)
            {
                broken.Add($"{name} (dotnet test exited {exit} without a test report: build or host failure)");
                counts = new TrxCounts(0, 1, 0);
            }
            failures.AddRange(TrxFailures.ReadAll(resultsDir).Select(f => $"{name}: {f}"));
            await output.WriteLineAsync($"<== {name}: {counts.Passed} passed, {counts.Failed} failed, {counts.Skipped} skipped in {watch.Elapsed.TotalSeconds:0}s");
            total += counts;
        }

        foreach (var f in failures)
            await output.WriteLineAsync($"FAILED: {f}");
        foreach (var b in broken)
            await output.WriteLineAsync($"BROKEN: {b}");
        var summary = $"{total.Passed} passed, {total.Failed} failed";
        if (total.Skipped > 0) summary += $", {total.Skipped} skipped";
        await output.WriteLineAsync(summary);
        return total.Failed == 0 && broken.Count == 0 ? 0 : 1;
    }

    private static async Task<int> RunDotnetTestAsync(string project, string resultsDir, string? filter, CancellationToken ct)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false };
        foreach (var a in new[] { "test", project, "-c", "Release", "--no-build", "--nologo",
                     "--logger", "trx;LogFileName=results.trx", "--logger", "console;verbosity=normal",
                     "--results-directory", resultsDir, "--blame-hang-timeout", "10m" })
            start.ArgumentList.Add(a);
        if (!string.IsNullOrWhiteSpace(filter))
        {
            start.ArgumentList.Add("--filter");
            start.ArgumentList.Add(filter);
        }
        using var process = Process.Start(start)!;
        try
        {
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return process.ExitCode;
    }
}
