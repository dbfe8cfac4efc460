using Pipeline.Contracts;

namespace Pipeline.SinkWriter.Mapping;

/// <summary>A message that decoded but cannot become rows; it goes to iot.rejected with this reason.</summary>
public sealed class RowMappingException(RejectedMessage.Types.Reason reason, string message) : Exception(message)
{
    public RejectedMessage.Types.Reason Reason { get; } = reason;
}
