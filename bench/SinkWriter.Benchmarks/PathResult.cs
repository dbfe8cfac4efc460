namespace Pipeline.SinkWriter.Benchmarks;

/// <summary>
/// One path's round: all of its rows over the whole round. The driver's round starts with its first insert; the
/// sink's (a warm process, running since before the first round) when the round's first record is produced to Kafka.
/// </summary>
internal sealed record PathResult(string Name, long Rows, TimeSpan Elapsed, LatencySummary Latency)
{
    /// <summary>CPU used meanwhile: this process (client and chDB, the producer too for the sink) plus the sink process's for the sink path.</summary>
    public TimeSpan Cpu { get; init; }

    /// <summary>The sink process's own CPU during its round (zero for the driver): its cost per row, apart from the endpoint's.</summary>
    public TimeSpan SinkCpu { get; init; }

    public double RowsPerSecond => Rows / Elapsed.TotalSeconds;
}
