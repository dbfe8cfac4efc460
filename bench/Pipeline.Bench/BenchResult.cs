using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Pipeline.Bench;

/// <summary>One line of the table: our figure, its reference from the same run, and the goal.</summary>
internal sealed record BenchResult(string Benchmark, string Ours, string Reference, double? Ratio, string Goal, string Notes)
{
    public static BenchResult Failed(string benchmark, string goal, string why) => new(benchmark, "failed", "-", null, goal, why);

    public string RatioText => Ratio is { } r ? r.ToString("0.00", CultureInfo.InvariantCulture) + "x" : "-";
}

internal static class ResultReport
{
    private static readonly string[] Header = ["benchmark", "ours", "reference", "ratio", "goal"];

    public static string Table(IReadOnlyList<BenchResult> results)
    {
        var rows = results.Select(r => new[] { r.Benchmark, r.Ours, r.Reference, r.RatioText, r.Goal }).ToList();
        var widths = Header.Select((h, i) => Math.Max(h.Length, rows.Select(r => r[i].Length).DefaultIfEmpty(0).Max())).ToArray();
        var text = new StringBuilder();
        text.AppendLine(string.Join("  ", Header.Select((h, i) => h.PadRight(widths[i]))));
        text.AppendLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var row in rows)
            text.AppendLine(string.Join("  ", row.Select((c, i) => c.PadRight(widths[i]))));
        // A failure's reason is otherwise only in latest.md, which the next run overwrites.
        foreach (var failed in results.Where(r => r.Ours == "failed"))
            text.AppendLine($"failed: {failed.Benchmark}: {failed.Notes}");
        return text.ToString();
    }

    public static string Markdown(IReadOnlyList<BenchResult> results, RunInfo run)
    {
        var md = new StringBuilder();
        md.AppendLine($"# Benchmark results ({(run.Quick ? "quick" : "full")} run)");
        md.AppendLine();
        md.AppendLine($"{run.StartedAt:yyyy-MM-dd HH:mm} UTC, {run.Machine}. Rerun: `./pipeline bench{(run.Arguments.Length > 0 ? " " + run.Arguments : "")}`.");
        md.AppendLine();
        md.AppendLine("| benchmark | ours | reference | ratio | goal |");
        md.AppendLine("|---|---|---|---|---|");
        foreach (var r in results)
            md.AppendLine($"| {r.Benchmark} | {r.Ours} | {r.Reference} | {r.RatioText} | {r.Goal} |");
        md.AppendLine();
        foreach (var r in results.Where(r => r.Notes.Length > 0))
            md.AppendLine($"- **{r.Benchmark}**: {r.Notes}");
        return md.ToString();
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static string Json(IReadOnlyList<BenchResult> results, RunInfo run) =>
        JsonSerializer.Serialize(new { run.StartedAt, run.Quick, run.Machine, results }, Indented);
}

internal sealed record RunInfo(DateTime StartedAt, bool Quick, string Machine, string Arguments = "")
{
    public static RunInfo Now(bool quick, IEnumerable<string>? arguments = null)
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        var memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024);
        return new RunInfo(DateTime.UtcNow, quick,
            $"{Environment.ProcessorCount} cores{(cpu is null ? "" : $" ({cpu})")}, {memory:0.#} GiB, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, everything (stack included) on this machine",
            string.Join(' ', arguments ?? []));
    }
}
