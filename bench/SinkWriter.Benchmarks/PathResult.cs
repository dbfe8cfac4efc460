namespace Pipeline.SinkWriter.Benchmarks;

/// <summary>
/// One path's run. Steady rows/s leaves out the first batch (for the sink it also holds the process start and
/// the group join), so both paths are measured from the end of their first insert to the end of their last.
/// </summary>
internal sealed record PathResult(string Name, long Rows, long FirstBatchRows, TimeSpan FirstBatchDone, TimeSpan LastBatchDone, LatencySummary Latency)
{
    /// <summary>CPU used meanwhile: this process (client and chDB) plus, for the sink path, the sink process.</summary>
    public TimeSpan Cpu { get; init; }

    public double SteadyRowsPerSecond => (Rows - FirstBatchRows) / (LastBatchDone - FirstBatchDone).TotalSeconds;
}
