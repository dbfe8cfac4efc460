using Confluent.Kafka;
using Pipeline.Contracts;
using Pipeline.Contracts.Serialization;

namespace Pipeline.RulesProcessor.Benchmarks;

/// <summary>The records every variant reads: telemetry of registered devices, as the bridge writes it.</summary>
internal static class BenchData
{
    public static async Task RegisterDevicesAsync(string bootstrap, string topic, int schemaId, int devices)
    {
        using var producer = Producer(bootstrap);
        for (var d = 0; d < devices; d++)
        {
            var device = new DeviceRecord { DeviceId = DeviceId(d), CreatedTsMs = 1, Attributes = { ["site"] = $"site-{d % 10}", ["model"] = "th-100" } };
            producer.Produce(topic, new Message<string, byte[]> { Key = device.DeviceId, Value = ProtobufSerializer<DeviceRecord>.Encode(device, schemaId) });
        }
        producer.Flush();
        await Task.CompletedTask;
    }

    /// <summary>Round-robin over the devices, 100 ms apart per device, three metrics, a seq each.</summary>
    public static void ProduceTelemetry(string bootstrap, string topic, int schemaId, int records, int devices)
    {
        using var producer = Producer(bootstrap);
        var start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - records / devices * 100L - 60_000;
        var random = new Random(42);
        for (var i = 0; i < records; i++)
        {
            var device = i % devices;
            var ts = start + i / devices * 100L;
            var record = new TelemetryRecord
            {
                DeviceId = DeviceId(device), DeviceTsMs = ts, ReceivedTsMs = ts, Seq = (ulong)(i / devices + 1),
                Topic = $"devices/{DeviceId(device)}/telemetry", BridgeInstance = "bench",
                Metrics = { ["temperature"] = 20 + random.NextDouble() * 70, ["humidity"] = random.NextDouble() * 100, ["pressure"] = 1000 + random.NextDouble() * 30 },
            };
            producer.Produce(topic, new Message<string, byte[]> { Key = record.DeviceId, Value = ProtobufSerializer<TelemetryRecord>.Encode(record, schemaId) });
        }
        producer.Flush();
    }

    private static string DeviceId(int d) => $"sim-{d + 1:00000}";

    private static IProducer<string, byte[]> Producer(string bootstrap) =>
        new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = bootstrap, LingerMs = 5, Acks = Acks.All }).Build();
}
