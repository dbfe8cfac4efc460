using System.Buffers.Binary;

namespace Pipeline.EmbeddedStack.Persistence;

/// <summary>
/// The latest value per key of a compacted topic, as a file. The embedded Kafka keeps records in
/// memory only, so the registry (iot.devices) and shadow documents (iot.shadows) are saved here
/// and produced back into the fresh cluster at the next start.
/// Format: repeated [int32 key length][key][int32 value length][value], big-endian.
/// </summary>
public sealed class CompactedTopicSnapshot
{
    private readonly Dictionary<string, byte[]> _latest = new(StringComparer.Ordinal);

    public int Count => _latest.Count;

    public IEnumerable<KeyValuePair<string, byte[]>> Entries => _latest;

    /// <summary>A null value is a tombstone: the key is gone.</summary>
    public bool Apply(string key, byte[]? value)
    {
        if (value is null)
            return _latest.Remove(key);
        if (_latest.TryGetValue(key, out var old) && old.AsSpan().SequenceEqual(value))
            return false;
        _latest[key] = value;
        return true;
    }

    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temp = path + ".tmp";
        using (var stream = File.Create(temp))
        {
            Span<byte> length = stackalloc byte[4];
            foreach (var (key, value) in _latest)
            {
                var keyBytes = System.Text.Encoding.UTF8.GetBytes(key);
                BinaryPrimitives.WriteInt32BigEndian(length, keyBytes.Length);
                stream.Write(length);
                stream.Write(keyBytes);
                BinaryPrimitives.WriteInt32BigEndian(length, value.Length);
                stream.Write(length);
                stream.Write(value);
            }
            stream.Flush(flushToDisk: true);
        }
        // Rename is atomic: a crash mid-save leaves the previous snapshot intact.
        File.Move(temp, path, overwrite: true);
    }

    public static CompactedTopicSnapshot Load(string path)
    {
        var snapshot = new CompactedTopicSnapshot();
        if (!File.Exists(path)) return snapshot;
        var data = File.ReadAllBytes(path);
        var offset = 0;
        while (offset < data.Length)
        {
            var key = System.Text.Encoding.UTF8.GetString(ReadBlock(data, ref offset, path));
            snapshot._latest[key] = ReadBlock(data, ref offset, path).ToArray();
        }
        return snapshot;
    }

    private static ReadOnlySpan<byte> ReadBlock(byte[] data, ref int offset, string path)
    {
        if (offset + 4 > data.Length)
            throw new InvalidDataException($"Snapshot {path} is truncated at byte {offset}.");
        var length = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(offset, 4));
        offset += 4;
        if (length < 0 || offset + length > data.Length)
            throw new InvalidDataException($"Snapshot {path} is truncated at byte {offset}.");
        var block = data.AsSpan(offset, length);
        offset += length;
        return block;
    }
}
