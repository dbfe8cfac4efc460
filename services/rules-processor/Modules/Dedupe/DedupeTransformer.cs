using Pipeline.Contracts;
using Pipeline.RulesProcessor.State;
using Pipeline.RulesProcessor.Topology;
using Streamiz.Kafka.Net.Processors.Public;
using Streamiz.Kafka.Net.State;

namespace Pipeline.RulesProcessor.Modules.Dedupe;

/// <summary>
/// Drops a record whose (device id, seq) is in the store within the window. The store is a persistent
/// window store with a changelog, timed by the bridge's receive time, so entries expire by themselves and a restart
/// (or a move of the partition) keeps what was seen.
/// </summary>
/// <remarks>
/// An entry holds the input offset (+1) of the record that made it, so the same input record replayed after a crash
/// is told apart from a device's resend (a new input record): it passes, even when its entry reached the store's
/// changelog and its output never reached Kafka (issue 19: that record was lost). Whether its output is already
/// written is decided at the output (<see cref="Replay.WriteOnceTransformer{V}"/>).
/// Entries are filed under the start of a window-long bucket of receive time, so a lookup is point reads
/// (this bucket, the one before and the one after) instead of a range scan. A pair is therefore remembered for at
/// least the window and at most twice the window.
/// Issue 17: entries are kept in blocks (<see cref="SeenSeqs"/>): one store key per device, block of 64 seqs and
/// bucket, so the pairs a device adds between two commits reach RocksDB and the changelog as one record (the store
/// is write-behind: its writes wait, as objects, for the flush before the offset commit). The blocks a record reads
/// or writes are kept in memory (this transformer is the store's only writer), so a record costs no parse.
/// Fast path: a seq above the highest seq the store holds for its device cannot be in the store, so the lookups are
/// skipped. That highest seq is derived from the store itself, never kept apart from it: on the first record after
/// (re)initialisation the whole store is scanned once (it is restored from its changelog by then, so after a kill -9
/// it holds what the last committed run saw), and every new entry raises it. It can only be too high (entries
/// expired, a device's seq started over), which sends records down the ordinary lookups, never too low.
/// </remarks>
internal sealed class DedupeTransformer(string storeName, TimeSpan window, RulesMetrics metrics)
    : ITransformer<string, EnrichedTelemetry, string, EnrichedTelemetry>
{
    /// <summary>Seqs per block (a power of two): the pairs one changelog record holds at most.</summary>
    internal const int BlockBits = 6;

    private const int LiveLimit = 100_000;

    private IWindowStore<string, SeenSeqs> _seen = null!;

    /// <summary>Highest seq in the store per device; null until the first record (Streamiz restores stores after Init).</summary>
    private Dictionary<string, ulong>? _highest;

    /// <summary>Blocks as last read from or written to the store, by (block key, bucket).</summary>
    private Dictionary<(string Key, long Bucket), SeenSeqs> _live = new();

    public void Init(ProcessorContext<string, EnrichedTelemetry> context)
    {
        _seen = (IWindowStore<string, SeenSeqs>)context.GetStateStore(storeName);
        _highest = null;
        _live = new();
    }

    public Record<string, EnrichedTelemetry> Process(Record<string, EnrichedTelemetry> record)
    {
        var telemetry = record.Value.Record;
        if (!telemetry.HasSeq)
            return record;
        var highest = _highest ??= HighestSeqs(_seen);
        var seq = telemetry.Seq;
        var known = highest.TryGetValue(record.Key, out var top);
        var fresh = !known || seq > top;
        var key = BlockKey(record.Key, seq);
        var at = telemetry.ReceivedTsMs > 0 ? telemetry.ReceivedTsMs : record.Timestamp.UnixTimestampMs;
        var windowMs = (long)window.TotalMilliseconds;
        var bucket = at - (at % windowMs + windowMs) % windowMs;
        var self = record.TopicPartitionOffset.Offset.Value + 1; // 0 is "absent"
        if (!fresh)
        {
            var seen = OffsetOf(key, bucket, seq);
            // The next bucket too: a resend can carry an earlier receive time than the original when it went through another bridge instance.
            if (seen == 0)
                seen = OffsetOf(key, bucket - windowMs, seq);
            if (seen == 0)
                seen = OffsetOf(key, bucket + windowMs, seq);
            if (seen == self)
                return record; // this very input record again: a replay, not a resend
            if (seen != 0)
            {
                metrics.DedupeHit();
                return null!;
            }
        }
        // A block above the device's highest block cannot be in the store yet: no need to read it.
        var block = Block(key, bucket, mayExist: !known || seq >> BlockBits <= top >> BlockBits) ?? new SeenSeqs();
        block.Seq.Add(seq);
        block.Offset.Add(self);
        Remember(key, bucket, block);
        _seen.Put(key, block, bucket);
        if (fresh)
            highest[record.Key] = seq;
        return record;
    }

    /// <summary>The store key of the block that holds <paramref name="seq"/> of a device (device ids never contain NUL).</summary>
    internal static string BlockKey(string deviceId, ulong seq) => $"{deviceId}\u0000{seq >> BlockBits}";

    /// <summary>Input offset + 1 of the record that made the entry of <paramref name="seq"/> in this block and bucket; 0 if none.</summary>
    private long OffsetOf(string key, long bucket, ulong seq)
    {
        var block = Block(key, bucket, mayExist: true);
        if (block is null)
            return 0;
        var seqs = block.Seq;
        for (var i = 0; i < seqs.Count; i++)
            if (seqs[i] == seq)
                return block.Offset[i];
        return 0;
    }

    private SeenSeqs? Block(string key, long bucket, bool mayExist)
    {
        if (_live.TryGetValue((key, bucket), out var block))
            return block;
        if (!mayExist)
            return null;
        block = _seen.Fetch(key, bucket);
        if (block is not null)
            Remember(key, bucket, block);
        return block;
    }

    /// <summary>Keeps a block for the next records; past the limit all are let go (read from the store again when needed).</summary>
    private void Remember(string key, long bucket, SeenSeqs block)
    {
        if (_live.Count >= LiveLimit && !_live.ContainsKey((key, bucket)))
            _live.Clear();
        _live[(key, bucket)] = block;
    }

    /// <summary>One pass over every block of the store: the highest seq per device.</summary>
    private static Dictionary<string, ulong> HighestSeqs(IWindowStore<string, SeenSeqs> store)
    {
        var highest = new Dictionary<string, ulong>(StringComparer.Ordinal);
        using var all = store.All();
        while (all.MoveNext())
        {
            if (all.Current is not { } entry || entry.Value is null)
                continue;
            var key = entry.Key.Key;
            var split = key.LastIndexOf('\u0000');
            if (split < 0)
                continue;
            var device = key[..split];
            foreach (var seq in entry.Value.Seq)
                if (!highest.TryGetValue(device, out var top) || seq > top)
                    highest[device] = seq;
        }
        return highest;
    }

    public void Close()
    {
    }
}
