namespace Pipeline.Cli.Simulation;

/// <summary>What `./pipeline simulate` was asked to do.</summary>
public sealed record SimulationOptions(
    int Devices,
    double RatePerSecond,
    TimeSpan Duration,
    int Qos,
    bool Tls,
    bool Register,
    string Prefix,
    double MalformedShare,
    double DuplicateShare)
{
    public string DeviceId(int index) => $"{Prefix}{index + 1:D5}";

    /// <summary>Each device publishes at an equal share of the total rate.</summary>
    public TimeSpan IntervalPerDevice => TimeSpan.FromSeconds(Devices / RatePerSecond);

    public IEnumerable<string> Validate()
    {
        if (Devices is < 1 or > 100_000) yield return "--devices must be between 1 and 100000.";
        if (RatePerSecond is <= 0 or > 1_000_000) yield return "--rate must be above 0 and at most 1000000 messages/s.";
        if (Duration <= TimeSpan.Zero || Duration > TimeSpan.FromDays(1)) yield return "--duration must be positive and at most 24h (e.g. 60s, 5m).";
        if (Qos is not (0 or 1)) yield return "--qos must be 0 or 1.";
        if (MalformedShare is < 0 or > 1) yield return "--malformed must be a share between 0 and 1.";
        if (DuplicateShare is < 0 or > 1) yield return "--duplicates must be a share between 0 and 1.";
    }
}
