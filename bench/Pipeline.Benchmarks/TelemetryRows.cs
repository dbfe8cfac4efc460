using System.Buffers.Binary;
using System.Text;

namespace Pipeline.Benchmarks;

/// <summary>
/// Telemetry-shaped rows (the columns of iot.telemetry) in the two forms the benchmark inserts:
/// object[] rows for ClickHouse.Driver and the same rows encoded as RowBinary for chDB.
/// </summary>
internal static class TelemetryRows
{
    public static readonly string[] Columns = ["device_id", "metric", "ts", "value", "seq", "received_at", "site", "attributes"];

    private static readonly string[] s_metrics = ["temperature", "humidity", "pressure", "voltage"];
    private static readonly DateTime s_epoch = new(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>
    /// Row <paramref name="index"/> of a run; <paramref name="offset"/> makes every batch distinct, because a
    /// table with non_replicated_deduplication_window drops a block identical to a recent one.
    /// </summary>
    public static object[] Row(long offset, int index)
    {
        var n = offset + index;
        var ts = s_epoch.AddMilliseconds(n);
        return
        [
            $"sim-{n % 1000:00000}",
            s_metrics[n % s_metrics.Length],
            ts,
            20.0 + n % 1000 * 0.01,
            (ulong)n,
            ts.AddMilliseconds(3),
            $"site-{n % 10}",
            new Dictionary<string, string> { ["model"] = "m-" + n % 3, ["fw"] = "1.2.3" },
        ];
    }

    /// <summary>The rows in RowBinary, column by column as iot.telemetry declares them.</summary>
    public static byte[] RowBinary(IReadOnlyList<object[]> rows)
    {
        using var buffer = new MemoryStream(rows.Count * 120);
        Span<byte> scratch = stackalloc byte[8];
        foreach (var row in rows)
        {
            WriteString(buffer, (string)row[0]);
            WriteString(buffer, (string)row[1]);
            WriteDateTime64(buffer, (DateTime)row[2], scratch);
            BinaryPrimitives.WriteDoubleLittleEndian(scratch, (double)row[3]);
            buffer.Write(scratch);
            buffer.WriteByte(0); // Nullable(UInt64): not null
            BinaryPrimitives.WriteUInt64LittleEndian(scratch, (ulong)row[4]);
            buffer.Write(scratch);
            WriteDateTime64(buffer, (DateTime)row[5], scratch);
            WriteString(buffer, (string)row[6]);
            var map = (Dictionary<string, string>)row[7];
            WriteVarUInt(buffer, (ulong)map.Count);
            foreach (var (key, value) in map)
            {
                WriteString(buffer, key);
                WriteString(buffer, value);
            }
        }
        return buffer.ToArray();
    }

    private static void WriteDateTime64(Stream stream, DateTime value, Span<byte> scratch)
    {
        // DateTime64(3): milliseconds since the Unix epoch as Int64.
        BinaryPrimitives.WriteInt64LittleEndian(scratch, (value - DateTime.UnixEpoch).Ticks / TimeSpan.TicksPerMillisecond);
        stream.Write(scratch);
    }

    private static void WriteString(Stream stream, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        WriteVarUInt(stream, (ulong)bytes.Length);
        stream.Write(bytes);
    }

    private static void WriteVarUInt(Stream stream, ulong value)
    {
        while (value >= 0x80)
        {
            stream.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        stream.WriteByte((byte)value);
    }
}
