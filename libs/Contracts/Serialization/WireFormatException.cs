namespace Pipeline.Contracts.Serialization;

public enum WireFormatError
{
    /// <summary>Fewer bytes than the header or the message-index array needs.</summary>
    Truncated,
    /// <summary>First byte is not the Confluent magic byte 0.</summary>
    WrongMagicByte,
    /// <summary>The schema id is not known to the Schema Registry.</summary>
    UnknownSchemaId,
    /// <summary>The record names a different message type than the one expected.</summary>
    UnexpectedMessageType,
    /// <summary>The header is fine but the Protobuf payload does not parse.</summary>
    InvalidPayload,
}

/// <summary>A Kafka value that is not a readable record in the Confluent Protobuf wire format.</summary>
public sealed class WireFormatException(WireFormatError error, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public WireFormatError Error { get; } = error;
}
