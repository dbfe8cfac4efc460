using Confluent.Kafka;
using Google.Protobuf;
using Pipeline.Contracts;
using Pipeline.Contracts.Serialization;
using Pipeline.RulesProcessor.Serialization;
using Streamiz.Kafka.Net.SerDes;

namespace Pipeline.RulesProcessor.Topology;

/// <summary>
/// Reads iot.devices for the global table. A tombstone (null) deletes the device; a value that cannot be
/// read is counted and treated as absent, so one bad registry record never stops the processor.
/// </summary>
/// <remarks>
/// Streamiz restores a global store by copying the topic's bytes into it and stores live updates with this
/// serde, so the store holds both forms: Confluent-framed values (first byte 0) and plain Protobuf written
/// by <see cref="Serialize"/> (a Protobuf message never starts with byte 0: field number 0 does not exist).
/// The enrich join reads the device for every record, and parsing it (framing, schema id check, Protobuf) was about 5 %
/// of the processor's stream thread (issue 17). The global store hands out a fresh copy of the same bytes each time
/// (its values carry a timestamp that is cut off), so parsed records are kept by their bytes' content
/// (<see cref="ParsedByContent"/>): one parse per registry value, then a hash and a compare of the bytes per record.
/// Callers only read the record (the join copies its attributes into the enriched record).
/// </remarks>
internal sealed class RegistryRecordSerDes(ISchemaCatalog schemas, RulesMetrics metrics) : AbstractSerDes<DeviceRecord>
{
    private readonly DecodingSerDes<DeviceRecord> _decoder = new(schemas);
    private readonly ParsedByContent<DeviceRecord> _parsed = new();

    public override DeviceRecord Deserialize(byte[] data, SerializationContext context)
    {
        if (data is null)
            return null!;
        if (_parsed.TryGet(data, out var known))
            return known;
        var parsed = Parse(data, context);
        if (parsed is not null)
            _parsed.Add(data, parsed);
        return parsed!;
    }

    private DeviceRecord? Parse(byte[] data, SerializationContext context)
    {
        if (data.Length == 0 || data[0] != ConfluentProtobufWireFormat.MagicByte)
            return DeviceRecord.Parser.ParseFrom(data);
        var decoded = _decoder.Deserialize(data, context);
        if (decoded.Value is null)
            metrics.RegistryRecordUnreadable();
        return decoded.Value;
    }

    public override byte[] Serialize(DeviceRecord data, SerializationContext context) => data?.ToByteArray()!;
}
