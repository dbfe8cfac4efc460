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
/// <remarks>
/// An entry holds the input offset (+1) of the record that made it, so the same input record replayed after a crash
/// is told apart from a device's resend (a new input record): it passes, even when its entry reached the store's
/// changelog and its output never reached Kafka (issue 19: that record was lost). Whether its output is already
/// written is decided at the output (<see cref="Replay.WriteOnceTransformer{V}"/>).
/// Entries are filed under the start of a window-long bucket of receive time, so a lookup is two point reads
/// (this bucket and the one before) instead of a range scan, the costliest step of this module otherwise.
/// A pair is therefore remembered for at least the window and at most twice the window.
/// Fast path (issue 17): a seq above the highest seq the store holds for its device cannot be in the store, so the
/// three lookups are skipped. That highest seq is derived from the store itself, never kept apart from it: on the
/// first record after (re)initialisation the whole store is scanned once (it is restored from its changelog by then,
/// so after a kill -9 it holds what the last committed run saw), and every Put raises it. It can only be too high
/// (entries expired, a device's seq started over), which sends records down the ordinary lookups, never too low.
/// </remarks>
internal sealed class DedupeTransformer(string storeName, TimeSpan window, RulesMetrics metrics)
    : ITransformer<string, EnrichedTelemetry, string, EnrichedTelemetry>
{
    private IWindowStore<string, long> _seen = null!;

    /// <summary>Highest seq in the store per device; null until the first record (Streamiz restores stores after Init).</summary>
    private Dictionary<string, ulong>? _highest;

    public void Init(ProcessorContext<string, EnrichedTelemetry> context)
    {
        _seen = (IWindowStore<string, long>)context.GetStateStore(storeName);
        _highest = null;
    }

    public Record<string, EnrichedTelemetry> Process(Record<string, EnrichedTelemetry> record)
    {
        var telemetry = record.Value.Record;
        if (!telemetry.HasSeq)
            return record;
        var highest = _highest ??= HighestSeqs(_seen);
        var fresh = !highest.TryGetValue(record.Key, out var top) || telemetry.Seq > top;
        var key = $"{record.Key}\u0000{telemetry.Seq}";
        var at = telemetry.ReceivedTsMs > 0 ? telemetry.ReceivedTsMs : record.Timestamp.UnixTimestampMs;
        var windowMs = (long)window.TotalMilliseconds;
        var bucket = at - (at % windowMs + windowMs) % windowMs;
        // The next bucket too: a resend can carry an earlier receive time than the original when it went through another bridge instance.
        var self = record.TopicPartitionOffset.Offset.Value + 1; // 0 reads back as "absent"
        var seen = fresh ? 0 : _seen.Fetch(key, bucket);
        if (seen == 0 && !fresh)
            seen = _seen.Fetch(key, bucket - windowMs);
        if (seen == 0 && !fresh)
            seen = _seen.Fetch(key, bucket + windowMs);
        if (seen == self)
            return record; // this very input record again: a replay, not a resend
        if (seen != 0)
        {
            metrics.DedupeHit();
            return null!;
        }
        _seen.Put(key, self, bucket);
        if (fresh)
            highest[record.Key] = telemetry.Seq;
        return record;
    }

    /// <summary>One pass over every (device, seq) entry of the store: the highest seq per device.</summary>
    private static Dictionary<string, ulong> HighestSeqs(IWindowStore<string, long> store)
    {
        var highest = new Dictionary<string, ulong>(StringComparer.Ordinal);
        using var all = store.All();
        while (all.MoveNext())
        {
            if (all.Current is not { } entry)
                continue;
            var key = entry.Key.Key;
            var split = key.LastIndexOf('\u0000');
            if (split < 0 || !ulong.TryParse(key.AsSpan(split + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seq))
                continue;
            var device = key[..split];
            if (!highest.TryGetValue(device, out var top) || seq > top)
                highest[device] = seq;
        }
        return highest;
    }

    public void Close()
    {
    }
}
