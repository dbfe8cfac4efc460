using Pipeline.RulesProcessor.Topology;
using Streamiz.Kafka.Net.Processors.Public;

namespace Pipeline.RulesProcessor.Replay;

/// <summary>
/// The last node before an output topic: stamps each output with the input record it was made from and, after a
/// restart, drops the outputs the previous run already wrote (<see cref="OutputLedger"/>). With it a replayed input
/// record, whatever the state stores say about it, reaches the topic at most once more than it did before the crash,
/// which is to say exactly once.
/// </summary>
internal sealed class WriteOnceTransformer<V>(string outputTopic, bool keyedLikeInput, IOutputLedgerSource ledgers, RulesMetrics metrics)
    : ITransformer<string, V, string, V>
{
    // One task reads one partition of each input topic; a task is built anew when partitions move.
    private readonly Dictionary<(string, int), OutputLedger> _ledgers = [];

    public void Init(ProcessorContext<string, V> context)
    {
    }

    public Record<string, V> Process(Record<string, V> record)
    {
        var source = record.TopicPartitionOffset;
        var key = (source.Topic, source.Partition.Value);
        if (!_ledgers.TryGetValue(key, out var ledger))
            _ledgers[key] = ledger = ledgers.Read(outputTopic, keyedLikeInput, source.Topic, source.Partition.Value, source.Offset.Value);
        if (ledger.AlreadyWritten(source.Offset.Value))
        {
            metrics.ReplaySkipped();
            return null!;
        }
        SourcePosition.Stamp(record.Headers, source.Topic, source.Partition.Value, source.Offset.Value);
        return record;
    }

    public void Close()
    {
    }
}
