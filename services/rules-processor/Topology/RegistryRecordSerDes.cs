using System.Runtime.CompilerServices;
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
/// The in-memory store hands out the same byte array for a device until the device changes, and the enrich join reads
/// it for every record (issue 17: parsing it was a tenth of the join's cost), so the record parsed from an array is
/// kept with the array (by reference, released with it) and returned again: one parse per registry update, not per
/// record. Callers only read it (the join's value is copied into the enriched record).
/// </remarks>
internal sealed class RegistryRecordSerDes(ISchemaCatalog schemas, RulesMetrics metrics) : AbstractSerDes<DeviceRecord>
{
    private readonly DecodingSerDes<DeviceRecord> _decoder = new(schemas);
    private readonly ConditionalWeakTable<byte[], DeviceRecord> _parsed = new();

    public override DeviceRecord Deserialize(byte[] data, SerializationContext context)
    {
        if (data is null)
            return null!;
        if (_parsed.TryGetValue(data, out var known))
            return known;
        var parsed = Parse(data, context);
        if (parsed is not null)
            _parsed.AddOrUpdate(data, parsed);
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
