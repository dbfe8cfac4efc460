using System.Text.Json;
using Pipeline.Contracts;
using Pipeline.Contracts.Serialization;
using Pipeline.MqttBridge.Hosting;
using Pipeline.MqttBridge.Ingest;
using Pipeline.MqttBridge.Kafka;

namespace Pipeline.MqttBridge.Commands;

/// <summary>
/// Records what became of each command as a DeviceEvent on iot.events.raw (source
/// "bridge.commands"), so outcomes land in the events table next to what the device said, and in this
/// instance's <see cref="CommandOutcomeLog"/> for the command API.
/// </summary>
public sealed class CommandOutcomes(BridgeProducer producer, IngestBuffer buffer, CommandOutcomeLog log, string instance)
{
    public const string Source = "bridge.commands";

    public void Record(string deviceId, string commandId, string outcome, string? detail = null)
    {
        BridgeMetrics.Commands.WithLabels(outcome).Inc();
        log.Add(commandId, new CommandOutcome(deviceId, outcome, detail, instance, DateTimeOffset.UtcNow));
        if (!producer.IsReady)
            return;
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var body = JsonSerializer.Serialize(new Dictionary<string, string?>
        {
            ["commandId"] = commandId,
            ["outcome"] = outcome,
            ["detail"] = detail,
            ["bridgeInstance"] = instance,
        });
        var record = new DeviceEvent
        {
            DeviceId = deviceId,
            DeviceTsMs = now,
            ReceivedTsMs = now,
            BodyJson = body,
            Topic = $"devices/{deviceId}/commands",
            BridgeInstance = instance,
            Source = Source,
        };
        var value = ProtobufSerializer<DeviceEvent>.Encode(record, producer.EventSchemaId);
        if (!buffer.TryReserve(value.Length))
            return;
        try
        {
            producer.Produce(producer.Topics.EventsRaw, deviceId, value, _ => buffer.Release(value.Length));
        }
        catch (Confluent.Kafka.ProduceException<string, byte[]>)
        {
            buffer.Release(value.Length);
        }
    }
}
