namespace Pipeline.RulesProcessor.Serialization;

/// <summary>
/// A Kafka value as read: either the record, or why it could not be read plus the bytes as received,
/// so an unreadable record becomes a rejection instead of stopping the stream.
/// </summary>
public sealed class Decoded<T>(T? value, string? error, byte[]? raw) where T : class
{
    public T? Value { get; } = value;

    public string? Error { get; } = error;

    public byte[]? Raw { get; } = raw;

    public bool IsValid => Value is not null;
}
