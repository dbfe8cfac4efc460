using Confluent.Kafka;
using Streamiz.Kafka.Net.SerDes;

namespace Pipeline.RulesProcessor.Modules.Rules;

/// <summary>Writes a <see cref="RuleOutput"/>'s JSON as it is (no registry framing: the rules' topics are JSON for any consumer).</summary>
internal sealed class RuleOutputJsonSerDes : AbstractSerDes<RuleOutput>
{
    public override byte[] Serialize(RuleOutput data, SerializationContext context) => data.Json;

    public override RuleOutput Deserialize(byte[] data, SerializationContext context) =>
        throw new NotSupportedException("rule outputs are only written by the processor");
}
