using Streamiz.Kafka.Net.Processors;
using Streamiz.Kafka.Net.Processors.Public;
using Streamiz.Kafka.Net.State;

namespace Pipeline.RulesProcessor.Topology;

/// <summary>
/// Exactly-once across restarts even where the broker does not keep the consumer offsets committed inside
/// a transaction (checked: librdkafka's mock cluster, the embedded Kafka, keeps none, so a restarted
/// processor reads iot.telemetry.raw from the start again). The last offset processed per input partition
/// is kept in a state store whose changelog is written in a transaction, so after a restart the records whose
/// outputs were committed are skipped. On a broker that keeps the offsets this never skips anything. Offsets are
/// kept per Kafka:LogIncarnation: the embedded Kafka of `./pipeline up` starts empty at every run and hands out
/// offset 0 again, and without it the first run's offsets made the next run skip its new records. Modules get it
/// through <see cref="ModuleContext.Stream{T}"/>.
/// </summary>
/// <remarks>
/// The offset written is the one reached <see cref="LagTicks"/> commit intervals ago, not the current one: the
/// embedded Kafka shows a killed producer's open transaction to read_committed readers, so an offset written in the
/// transaction that was open at the kill claimed records whose outputs never landed, and they were skipped (lost,
/// issue 19). Lagging, it only claims records whose transaction has committed since; the few records between are
/// replayed, and the write-once outputs and the offset-keeping stores make that replay harmless.
/// </remarks>
internal sealed class ReplayGuardTransformer<V>(string storeName, RulesMetrics metrics, string logIncarnation, TimeSpan commitInterval)
    : ITransformer<string, V, string, V>
{
    private const int LagTicks = 3;
    private readonly Dictionary<string, long> _reached = [];
    private readonly Queue<Dictionary<string, long>> _snapshots = new();
    private IKeyValueStore<string, long> _offsets = null!;
    private ProcessorContext<string, V> _context = null!;

    public void Init(ProcessorContext<string, V> context)
    {
        _context = context;
        _offsets = (IKeyValueStore<string, long>)context.GetStateStore(storeName);
        context.Schedule(commitInterval, PunctuationType.PROCESSING_TIME, _ => Tick());
    }

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
        _reached[key] = offset + 1;
        return record;
    }

    public void Close()
    {
    }

    private void Tick()
    {
        _snapshots.Enqueue(new Dictionary<string, long>(_reached));
        if (_snapshots.Count <= LagTicks)
            return;
        var moved = false;
        foreach (var (key, next) in _snapshots.Dequeue())
            if (next > _offsets.Get(key))
            {
                _offsets.Put(key, next);
                moved = true;
            }
        // A quiet task is otherwise not committed, and its last offsets would wait in an open transaction.
        if (moved)
            _context.Commit();
    }
}
