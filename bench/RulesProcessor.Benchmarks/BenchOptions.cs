using Pipeline.RulesProcessor;

namespace Pipeline.RulesProcessor.Benchmarks;

/// <summary>Command line: --records N --devices D --partitions P --commit-ms C --poll-ms M --variants a,b,...</summary>
internal sealed record BenchOptions(int Records, int Devices, int Partitions, IReadOnlyList<string> Variants, TimeSpan CommitInterval, TimeSpan PollInterval)
{
    public static readonly IReadOnlyList<string> AllVariants =
    [
        "passthrough", "source-only/at-least-once", "source-only/exactly-once",
        "+validate", "+dedupe", "+enrich", "+window", "+threshold-alert",
        "all/at-least-once", "rules-0", "rules-1", "rules-10",
    ];

    public static BenchOptions Parse(string[] args)
    {
        int Int(string name, int fallback)
        {
            var i = Array.IndexOf(args, name);
            if (i < 0)
                return fallback;
            if (i + 1 >= args.Length || !int.TryParse(args[i + 1], out var value) || value < 1)
                throw new ArgumentException($"{name} needs a positive whole number.");
            return value;
        }
        var v = Array.IndexOf(args, "--variants");
        var variants = v >= 0 && v + 1 < args.Length ? args[v + 1].Split(',', StringSplitOptions.RemoveEmptyEntries) : AllVariants;
        foreach (var variant in variants.Except(AllVariants))
            throw new ArgumentException($"Unknown variant '{variant}'; known: {string.Join(", ", AllVariants)}.");
        return new BenchOptions(Int("--records", 50_000), Int("--devices", 500), Int("--partitions", 4), variants.ToList(),
            TimeSpan.FromMilliseconds(Int("--commit-ms", (int)new RulesOptions().CommitInterval.TotalMilliseconds)),
            TimeSpan.FromMilliseconds(Int("--poll-ms", (int)new RulesOptions().PollInterval.TotalMilliseconds)));
    }
}
