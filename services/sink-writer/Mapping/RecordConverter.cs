using Google.Protobuf;
using Pipeline.Contracts;
using Pipeline.Contracts.Serialization;

namespace Pipeline.SinkWriter.Mapping;

/// <summary>What became of one Kafka record: rows appended, a rejection, or a tombstone.</summary>
internal readonly record struct Conversion(int RowCount, RejectedMessage.Types.Reason? Reason, string Detail, string DeviceId, bool IsTombstone)
{
    public static Conversion Rows(int count) => new(count, null, "", "", false);
    public static Conversion Rejected(RejectedMessage.Types.Reason reason, string detail, string deviceId) => new(0, reason, detail, deviceId, false);
    public static readonly Conversion Tombstone = new(0, null, "", "", true);
}

/// <summary>Decodes a record value (Confluent Protobuf wire format) and maps it to rows; never throws for bad input.</summary>
internal interface IRecordConverter
{
    string Table { get; }
    IReadOnlyList<string> Columns { get; }
    Conversion Convert(byte[]? value, List<object[]> rows);
}

internal sealed class RecordConverter<T>(ITableMapping<T> mapping, bool tombstonesAllowed = false) : IRecordConverter
    where T : IMessage<T>, new()
{
    public string Table => mapping.Table;

    public IReadOnlyList<string> Columns => mapping.Columns;

    public Conversion Convert(byte[]? value, List<object[]> rows)
    {
        if (value is null && tombstonesAllowed)
            return Conversion.Tombstone;
        T message;
        try
        {
            message = ProtobufDeserializer<T>.Decode(value ?? []);
        }
        catch (WireFormatException e)
        {
            return Conversion.Rejected(RejectedMessage.Types.Reason.Undeserializable, $"{e.Error}: {e.Message}", "");
        }
        var before = rows.Count;
        try
        {
            mapping.AppendRows(message, rows);
            return Conversion.Rows(rows.Count - before);
        }
        catch (RowMappingException e)
        {
            rows.RemoveRange(before, rows.Count - before);
            return Conversion.Rejected(e.Reason, e.Message, mapping.DeviceIdOf(message));
        }
    }
}
