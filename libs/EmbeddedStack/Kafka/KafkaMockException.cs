using Confluent.Kafka;

namespace Pipeline.EmbeddedStack.Kafka;

/// <summary>A mock-cluster operation failed; <see cref="Error"/> is librdkafka's error code.</summary>
public sealed class KafkaMockException(string message, int errorCode) : Exception(message)
{
    public ErrorCode Error { get; } = (ErrorCode)errorCode;
}
