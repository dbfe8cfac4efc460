namespace Pipeline.ServiceDefaults.Kafka;

/// <summary>
/// Kafka refused this service's credentials or TLS material at start. Retrying cannot help, so the service stops
/// with exit code <see cref="ExitCode"/> and a message naming the settings to fix (never their secret values).
/// </summary>
public sealed class KafkaAccessException(string message) : Exception(message)
{
    /// <summary>EX_CONFIG from sysexits.h, as the sink's refused ClickHouse credentials.</summary>
    public const int ExitCode = 78;
}
