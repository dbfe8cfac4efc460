using Pipeline.MqttBridge.Policy;

namespace Pipeline.MqttBridge.Ingest;

/// <summary>Either a parsed value or the refusal that says why there is none.</summary>
public readonly record struct ParseResult<T>(T? Value, Refusal? Refusal) where T : class
{
    public static implicit operator ParseResult<T>(T value) => new(value, null);

    public static implicit operator ParseResult<T>(Refusal refusal) => new(null, refusal);
}
