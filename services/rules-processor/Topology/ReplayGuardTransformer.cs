using Streamiz.Kafka.Net.Processors.Public;
using Streamiz.Kafka.Net.State;

namespace Pipeline.RulesProcessor.Topology;

/// <summary>
/// Exactly-once across restarts even where the broker does not keep the consumer offsets committed inside
/// a transaction (checked: librdkafka's mock cluster, the embedded Kafka, keeps none, so a restarted
/// processor reads iot.telemetry.raw from the start again). The last offset processed per input partition
/// is kept in a state store whose changelog is written in the same transaction as the outputs, so after a
/// restart exactly the records whose outputs were committed are skipped. On a broker that keeps the
/// offsets this never skips anything. Offsets are kept per Kafka:LogIncarnation: the embedded Kafka of
/// `./pipeline up` starts empty at every run and hands out offset 0 again, and without it the first run's
/// offsets made the next run skip its new records. Modules get it through <see cref="ModuleContext.Stream{T}"/>.
/// </summary>
internal sealed class ReplayGuardTransformer<V>(string storeName, RulesMetrics metrics, string logIncarnation = "") : ITransformer<string, V, string, V>
{
    private IKeyValueStore<string, long> _offsets = null!;

    public void Init(ProcessorContext<string, V> context) =>
        _offsets = (IKeyValueStore<string, long>)context.GetStateStore(storeName);

    public Record<string, V> Process(Record<string, V> record)
    {
        var position = record.TopicPartitionOffset;
        var key = logIncarnation.Length == 0
            ? $"{position.Topic}:{position.Partition.Value}"
            : $"{logIncarnation}/{position.Topic}:{position.Partition.Value}";
        var offset = position.Offset.Value;
        // 0 is "absent" for this store's long values, hence offset + 1.
        if (_offsets.Get(key) is var done && done > 0 && offset + 1 <= done)
        {
            metrics.ReplaySkipped();
            return null!;
        }
        _offsets.Put(key, offset + 1);
        return record;
    }

    public void Close()
    {
    }
}
