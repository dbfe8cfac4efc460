using System.Buffers;
using Google.Protobuf;
using Pipeline.Contracts;
using Pipeline.Shadows;

namespace Pipeline.MqttBridge.Shadows;

/// <summary>Turns a device's publish on a shadow request topic into the record for iot.shadow.requests.</summary>
public static class ShadowRequests
{
    /// <param name="rest">The topic after <c>devices/&lt;id&gt;/</c>, already accepted by <see cref="ShadowTopic.Parse"/>.</param>
    public static ShadowRequest From(string deviceId, string rest, ReadOnlySequence<byte> payload, long receivedMs, string bridgeInstance)
    {
        var (name, operation, _) = ShadowTopic.Parse(rest);
        return new ShadowRequest
        {
            DeviceId = deviceId,
            ShadowName = name,
            Operation = operation switch
            {
                ShadowOperation.Get => ShadowRequest.Types.Operation.Get,
                ShadowOperation.Update => ShadowRequest.Types.Operation.Update,
                _ => ShadowRequest.Types.Operation.Delete,
            },
            Payload = ByteString.CopyFrom(payload.ToArray()),
            RequestId = Guid.NewGuid().ToString("N"),
            Source = ShadowRequest.Types.Source.Device,
            ReplyTo = bridgeInstance,
            ReceivedTsMs = receivedMs,
        };
    }
}
