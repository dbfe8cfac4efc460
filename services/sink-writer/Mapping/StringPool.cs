using System.Collections.Concurrent;

namespace Pipeline.SinkWriter.Mapping;

/// <summary>
/// One shared instance per distinct value of the low-cardinality strings rows repeat (metric names, device ids,
/// sites, attributes). The parsed copy dies young; a batch then holds one string per value instead of one per row,
/// which is less for the GC to copy while batches wait for their insert. Bounded: past <see cref="MaxEntries"/>
/// values a string is kept as it came.
/// </summary>
internal sealed class StringPool
{
    public const int MaxEntries = 100_000;

    private readonly ConcurrentDictionary<string, string> _strings = new(StringComparer.Ordinal);

    public string Intern(string value)
    {
        if (_strings.TryGetValue(value, out var shared))
            return shared;
        if (_strings.Count < MaxEntries)
            _strings.TryAdd(value, value);
        return value;
    }
}
