using Pipeline.RulesProcessor.Topology.WriteBehind;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.Processors;
using Streamiz.Kafka.Net.State;
using Streamiz.Kafka.Net.State.Enumerator;

namespace Pipeline.RulesProcessor.UnitTests;

/// <summary>The write-behind layer under dedupe and window state: writes wait for the flush, reads see them at once.</summary>
public sealed class WriteBehindStoreTests
{
    [Fact]
    public void Writes_reach_the_inner_store_at_the_flush_once_per_key_with_the_last_value()
    {
        var inner = new CountingStore();
        var store = new WriteBehindKeyValueStore<string, string>(inner);

        store.Put("a", "1");
        store.Put("a", "2");
        store.Put("b", "x");

        Assert.Equal(0, inner.Puts);
        Assert.Equal("2", store.Get("a"));
        store.Flush();
        Assert.Equal(2, inner.Puts);
        Assert.Equal(1, inner.Flushes);
        Assert.Equal("2", inner.Get("a"));
        Assert.Equal(0, store.PendingCount);
    }

    [Fact]
    public void An_enumeration_sees_the_pending_writes()
    {
        var inner = new CountingStore();
        var store = new WriteBehindKeyValueStore<string, string>(inner);
        inner.Put("old", "o");
        store.Put("new", "n");

        Assert.Equal(["new", "old"], store.All().Select(kv => kv.Key).Order());
    }

    [Fact]
    public void A_delete_removes_a_pending_write_too()
    {
        var inner = new CountingStore();
        var store = new WriteBehindKeyValueStore<string, string>(inner);
        inner.Put("a", "stored");
        store.Put("a", "pending");

        Assert.Equal("pending", store.Delete("a"));
        store.Flush();
        Assert.Null(store.Get("a"));
    }

    [Fact]
    public void A_close_without_a_flush_drops_the_pending_writes_as_a_crash_would()
    {
        var inner = new CountingStore();
        var store = new WriteBehindKeyValueStore<string, string>(inner);
        store.Put("a", "1");

        store.Close();

        Assert.Equal(0, inner.Puts);
    }

    /// <summary>A plain dictionary behind Streamiz's key-value store interface, counting writes and flushes.</summary>
    private sealed class CountingStore : IKeyValueStore<string, string>
    {
        private readonly SortedDictionary<string, string> _map = new(StringComparer.Ordinal);
        public int Puts { get; private set; }
        public int Flushes { get; private set; }
        public string Name => "counting";
        public bool Persistent => false;
        public bool IsLocally => true;
        public bool IsOpen => true;
        public void Init(ProcessorContext context, IStateStore root) { }
        public void Flush() => Flushes++;
        public void Close() { }
        public string Get(string key) => _map.GetValueOrDefault(key)!;
        public void Put(string key, string value)
        {
            Puts++;
            _map[key] = value;
        }
        public string PutIfAbsent(string key, string value) => _map.TryAdd(key, value) ? null! : _map[key];
        public void PutAll(IEnumerable<KeyValuePair<string, string>> entries)
        {
            foreach (var (k, v) in entries)
                Put(k, v);
        }
        public string Delete(string key) => _map.Remove(key, out var v) ? v : null!;
        public IKeyValueEnumerator<string, string> Range(string from, string to) => throw new NotSupportedException();
        public IKeyValueEnumerator<string, string> ReverseRange(string from, string to) => throw new NotSupportedException();
        public IEnumerable<KeyValuePair<string, string>> All() => _map.ToList();
        public IEnumerable<KeyValuePair<string, string>> ReverseAll() => _map.Reverse().ToList();
        public long ApproximateNumEntries() => _map.Count;
    }
}
