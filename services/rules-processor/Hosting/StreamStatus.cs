using Streamiz.Kafka.Net;

namespace Pipeline.RulesProcessor.Hosting;

/// <summary>The stream's latest state, as Streamiz reported it; read by /healthz.</summary>
public sealed class StreamStatus
{
    private volatile KafkaStream.State? _state;

    public KafkaStream.State? State => _state;

    public bool IsRunning => _state == KafkaStream.State.RUNNING;

    internal void Set(KafkaStream.State state) => _state = state;
}
