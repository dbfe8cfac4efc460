using System.Text.Json;
using Confluent.Kafka;
using Google.Protobuf;
using Pipeline.Contracts;
using Pipeline.Contracts.Serialization;
using Pipeline.TestSupport.Fixtures;

namespace Pipeline.MqttBridge.IntegrationTests.Support;

/// <summary>One command outcome as the bridge recorded it in iot.events.raw.</summary>
public sealed record RecordedOutcome(string CommandId, string Outcome, string Instance);

/// <summary>Writes commands to a fleet's iot.commands as an application does, and reads the outcomes every instance recorded.</summary>
public static class FleetCommands
{
    public static async Task SendAsync(TestBridge bridge, string deviceId, string commandId, long? expiresTsMs = null)
    {
        using var registry = SchemaRegistryFixture.Shared.CreateClient();
        var serializer = new ProtobufSerializer<DeviceCommand>(registry);
        var schemaId = await serializer.SchemaIdForAsync(bridge.Topics.Commands);
        var command = new DeviceCommand
        {
            CommandId = commandId,
            DeviceId = deviceId,
            Payload = ByteString.CopyFromUtf8(commandId),
            CreatedTsMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            ExpiresTsMs = expiresTsMs ?? 0,
        };
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = bridge.BootstrapServers }).Build();
        await producer.ProduceAsync(bridge.Topics.Commands, new Message<string, byte[]>
        {
            Key = deviceId,
            Value = ProtobufSerializer<DeviceCommand>.Encode(command, schemaId),
        });
    }

    /// <summary>Waits until the command has this outcome (recorded by any instance).</summary>
    public static async Task<RecordedOutcome> WaitForAsync(TestBridge bridge, string commandId, string outcome)
    {
        var records = await bridge.WaitForRecordsAsync<DeviceEvent>(bridge.Topics.EventsRaw,
            e => Parse(e) is { } o && o.CommandId == commandId && o.Outcome == outcome, timeout: TimeSpan.FromSeconds(45));
        return Parse(records[0].Value)!;
    }

    /// <summary>Every outcome recorded so far for these commands, by any instance.</summary>
    public static async Task<IReadOnlyList<RecordedOutcome>> AllAsync(TestBridge bridge, params string[] commandIds)
    {
        var records = await bridge.RecordsNowAsync<DeviceEvent>(bridge.Topics.EventsRaw,
            e => Parse(e) is { } o && commandIds.Contains(o.CommandId));
        return records.Select(r => Parse(r.Value)!).ToList();
    }

    private static RecordedOutcome? Parse(DeviceEvent e)
    {
        if (e.Source != "bridge.commands")
            return null;
        using var body = JsonDocument.Parse(e.BodyJson);
        return new RecordedOutcome(body.RootElement.GetProperty("commandId").GetString()!, body.RootElement.GetProperty("outcome").GetString()!,
            body.RootElement.GetProperty("bridgeInstance").GetString()!);
    }
}
