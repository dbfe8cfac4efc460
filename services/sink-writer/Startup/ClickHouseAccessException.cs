namespace Pipeline.SinkWriter.Startup;

/// <summary>
/// ClickHouse refused the configured user at start (wrong password, unknown user, or a user without
/// the privileges the start-up needs). Retrying cannot help, so the sink stops with exit code 78
/// (configuration error) and a message naming the setting instead of waiting for ever.
/// </summary>
public sealed class ClickHouseAccessException(string message, Exception inner) : Exception(message, inner);
