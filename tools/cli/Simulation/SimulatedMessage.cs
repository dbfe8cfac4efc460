namespace Pipeline.Cli.Simulation;

/// <summary>One publish of a simulated device; <see cref="Seq"/> is 0 for a malformed payload.</summary>
public sealed record SimulatedMessage(byte[] Payload, ulong Seq, int MetricCount, bool IsDuplicate, bool IsMalformed);
