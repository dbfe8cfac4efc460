using Pipeline.Contracts;
using Pipeline.RulesProcessor.Topology;
using Streamiz.Kafka.Net.Processors.Public;
using Streamiz.Kafka.Net.State;

namespace Pipeline.RulesProcessor.Modules.Dedupe;

/// <summary>
/// Drops a record whose (device id, seq) is in the store within the window. The store is a persistent
/// window store with a changelog, keyed by device and seq, timed by the bridge's receive time, so entries
/// expire by themselves and a restart (or a move of the partition) keeps what was seen.
/// </summary>
internal sealed class DedupeTransformer(string storeName, TimeSpan window, RulesMetrics metrics)
    : ITransformer<string, EnrichedTelemetry, string, EnrichedTelemetry>
{
    private IWindowStore<string, long> _seen = null!;

    public void Init(ProcessorContext<string, EnrichedTelemetry> context) =>
        _seen = (IWindowStore<string, long>)context.GetStateStore(storeName);

    public Record<string, EnrichedTelemetry> Process(Record<string, EnrichedTelemetry> record)
    {
        var telemetry = record.Value.Record;
        if (!telemetry.HasSeq)
            return record;
        var key = $"{record.Key}\u0000{telemetry.Seq}";
        var at = telemetry.ReceivedTsMs > 0 ? telemetry.ReceivedTsMs : record.Timestamp.UnixTimestampMs;
        var windowMs = (long)window.TotalMilliseconds;
        // Both directions: a duplicate can be received before the original when the bridge retried on another instance.
        using (var earlier = _seen.Fetch(key, at - windowMs, at + windowMs))
        {
            if (earlier.MoveNext())
            {
                metrics.DedupeHit();
                return null!;
            }
        }
        _seen.Put(key, at, at);
        return record;
    }

    public void Close()
    {
    }
}
