namespace Pipeline.SinkWriter.Benchmarks;

/// <summary>Percentiles of insert latencies (nearest rank).</summary>
internal sealed record LatencySummary(int Count, double P50, double P90, double P99, double Max)
{
    public static LatencySummary Of(IReadOnlyCollection<double> milliseconds)
    {
        var sorted = milliseconds.Order().ToArray();
        if (sorted.Length == 0)
            return new LatencySummary(0, double.NaN, double.NaN, double.NaN, double.NaN);
        double At(double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new LatencySummary(sorted.Length, At(0.50), At(0.90), At(0.99), sorted[^1]);
    }

    public override string ToString() => $"{P50,8:0.0} {P90,8:0.0} {P99,8:0.0} {Max,8:0.0}   (ms, {Count} inserts)";
}
