using System.Diagnostics;
using System.Text.Json;

namespace Pipeline.Cli.Supervision;

/// <summary>
/// Asks a service which topics it needs (`--list-topics`), so the embedded Kafka, which cannot
/// create topics on demand, has every one of them (Streamiz changelogs included) before it starts.
/// </summary>
public static class ServiceTopics
{
    public static async Task<IReadOnlyList<string>> ListAsync(string assembly, CancellationToken ct)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(assembly);
        start.ArgumentList.Add("--list-topics");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
            throw new CliException($"{Path.GetFileName(assembly)} --list-topics failed ({process.ExitCode}): {(await stderr).Trim()}");
        return JsonSerializer.Deserialize<string[]>(await stdout)
            ?? throw new CliException($"{Path.GetFileName(assembly)} --list-topics printed no topic list.");
    }
}
