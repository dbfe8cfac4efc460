using Confluent.Kafka;
using Confluent.SchemaRegistry;
using Pipeline.Contracts;
using Pipeline.Contracts.Commands;
using Pipeline.Contracts.Serialization;
using Pipeline.DeviceRegistry;
using Pipeline.ServiceDefaults.Kafka;

namespace Pipeline.Cli.DeviceCommands;

/// <summary>
/// An application's side of commands, as the bridge's POST /commands does it: the device must be registered and
/// active; with retain the retained message of devices/&lt;id&gt;/commands is written to iot.retained first (a tombstone
/// for an empty payload); then the command goes to iot.commands. Each write waits for Kafka's acknowledgement.
/// </summary>
public sealed class CommandSender(KafkaClientFactory kafka, ISchemaRegistryClient schemaRegistry, KafkaTopics topics)
{
    /// <summary>The command id, or null when the request only cleared a retained message.</summary>
    public async Task<string?> SendAsync(CommandRequest request, CancellationToken cancellationToken)
    {
        using (var registry = new DeviceRegistryClient(kafka, schemaRegistry, topic: topics.Devices))
        {
            var devices = await registry.ListAsync(cancellationToken).ConfigureAwait(false);
            if (!devices.Any(d => d.DeviceId == request.DeviceId && !d.Revoked))
                throw new CliException($"No device with id '{request.DeviceId}' in the registry (./pipeline devices list).");
        }
        var commandId = CommandRequest.NewCommandId();
        var record = request.ToRecord(commandId, DateTimeOffset.UtcNow);
        var config = kafka.ProducerConfig("commands");
        config.Acks = Acks.All;
        using var producer = kafka.CreateProducer<string, byte[]>(config);
        if (request.Retain)
        {
            var retained = request.ClearsRetained ? null
                : ProtobufSerializer<DeviceCommand>.Encode(record, await SchemaIdAsync(topics.Retained).ConfigureAwait(false));
            await ProduceAsync(producer, topics.Retained, request.Topic, retained, cancellationToken).ConfigureAwait(false);
            if (request.ClearsRetained)
                return null;
        }
        await ProduceAsync(producer, topics.Commands, request.DeviceId,
            ProtobufSerializer<DeviceCommand>.Encode(record, await SchemaIdAsync(topics.Commands).ConfigureAwait(false)), cancellationToken).ConfigureAwait(false);
        return commandId;
    }

    private Task<int> SchemaIdAsync(string topic) => new ProtobufSerializer<DeviceCommand>(schemaRegistry).SchemaIdForAsync(topic);

    private static async Task ProduceAsync(IProducer<string, byte[]> producer, string topic, string key, byte[]? value, CancellationToken ct)
    {
        try
        {
            await producer.ProduceAsync(topic, new Message<string, byte[]> { Key = key, Value = value! }, ct).ConfigureAwait(false);
        }
        catch (ProduceException<string, byte[]> e)
        {
            throw new CliException($"Kafka did not take the record for {topic}: {e.Error.Reason}");
        }
    }
}
