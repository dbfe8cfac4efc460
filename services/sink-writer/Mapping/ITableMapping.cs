using Google.Protobuf;

namespace Pipeline.SinkWriter.Mapping;

/// <summary>
/// How one Protobuf message becomes rows of one ClickHouse table: the only place that knows the table's
/// columns. Rows must be a pure function of the message (same bytes, same rows, in the same order),
/// because a replayed batch is deduplicated by ClickHouse only when it is identical.
/// </summary>
public interface ITableMapping<in T> where T : IMessage<T>
{
    /// <summary>Table name inside the configured database.</summary>
    string Table { get; }

    /// <summary>The columns each row fills, in row order.</summary>
    IReadOnlyList<string> Columns { get; }

    /// <summary>Appends the message's rows; throws <see cref="RowMappingException"/> for a message that cannot be stored.</summary>
    void AppendRows(T message, List<object[]> rows);

    /// <summary>The device a message is about, for iot.rejected.</summary>
    string DeviceIdOf(T message);
}
