using System.Collections.Concurrent;

namespace Pipeline.RulesProcessor.Topology;

/// <summary>
/// Values already parsed, found again by the content of the bytes they were parsed from. Bounded: past
/// <see cref="Limit"/> entries (registry values replaced by newer ones stay until then) it starts over.
/// Safe for the stream thread and the global-table thread at once.
/// </summary>
public sealed class ParsedByContent<T> where T : class
{
    public const int Limit = 100_000;

    private readonly ConcurrentDictionary<byte[], T> _values = new(ByContent.Instance);

    public int Count => _values.Count;

    public bool TryGet(byte[] bytes, out T value) => _values.TryGetValue(bytes, out value!);

    public void Add(byte[] bytes, T value)
    {
        if (_values.Count >= Limit)
            _values.Clear();
        _values[bytes] = value;
    }

    private sealed class ByContent : IEqualityComparer<byte[]>
    {
        public static readonly ByContent Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] bytes)
        {
            var hash = new HashCode();
            hash.AddBytes(bytes);
            return hash.ToHashCode();
        }
    }
}
