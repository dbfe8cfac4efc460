using Pipeline.Contracts;

namespace Pipeline.SinkWriter.Batching;

/// <summary>A record (or one row of it) the sink will not write, on its way to iot.rejected.</summary>
internal sealed record Rejection(
    RejectedMessage.Types.Reason Reason,
    string Detail,
    string DeviceId,
    string SourceTopic,
    int Partition,
    long Offset,
    byte[] Payload,
    long TimestampMs);
