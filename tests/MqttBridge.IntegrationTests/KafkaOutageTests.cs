using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Contracts;
using Pipeline.EmbeddedStack.Kafka;
using Pipeline.MqttBridge.Ingest;
using Pipeline.MqttBridge.IntegrationTests.Support;
using Pipeline.TestSupport;

namespace Pipeline.MqttBridge.IntegrationTests;

/// <summary>
/// The ack-after-Kafka rule and backpressure, each on a private Kafka cluster (the shared one must
/// never go down under other tests).
/// </summary>
public sealed class KafkaOutageTests
{
    private static async Task<(MockKafkaCluster Cluster, TestBridge Bridge)> StartAsync(Dictionary<string, string>? settings = null)
    {
        var cluster = MockKafkaCluster.Start();
        var bridge = await TestBridge.StartAsync(settings, cluster.BootstrapServers, names => cluster.CreateTopics(names, partitions: 1));
        return (cluster, bridge);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V500)]
    [InlineData(MqttProtocolVersion.V311)]
    public async Task No_puback_while_kafka_is_down_then_exactly_one_puback_and_one_record(MqttProtocolVersion version)
    {
        var (cluster, bridge) = await StartAsync();
        using var clusterLifetime = cluster;
        await using var bridgeLifetime = bridge;
        var device = await bridge.AddDeviceAsync();
        var pubacks = 0;
        using var client = await DeviceClients.ConnectOrThrowAsync(
            DeviceClients.Tcp(bridge.Endpoints, device.DeviceId, version).WithToken(device.DeviceId, device.Token).Build(),
            c => c.InspectPacketAsync += e =>
            {
                // Count PUBACK packets (type 4) as they arrive on the wire.
                if (e.Direction == MQTTnet.Diagnostics.PacketInspection.MqttPacketFlowDirection.Inbound && e.Buffer.Length > 0 && e.Buffer[0] >> 4 == 4)
                    Interlocked.Increment(ref pubacks);
                return Task.CompletedTask;
            });
        var buffer = bridge.Services.GetRequiredService<IngestBuffer>();

        cluster.SetAllBrokersDown();
        var publish = client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic($"devices/{device.DeviceId}/telemetry")
            .WithPayload("""{"seq":1,"v":1}""")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());

        // The bridge has taken the record and holds it for Kafka: from here on only a delivery report could ack it.
        await Eventually.HoldsAsync(() => buffer.UsedBytes > 0, TimeSpan.FromSeconds(10), "the bridge holds the record for Kafka");
        Assert.False(publish.IsCompleted, "PUBACK sent while Kafka was down");
        Assert.Equal(0, Volatile.Read(ref pubacks));

        cluster.SetAllBrokersUp();
        var result = await publish.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(result.IsSuccess);
        await Eventually.HoldsAsync(() => buffer.UsedBytes == 0, TimeSpan.FromSeconds(10), "buffer released");
        Assert.Equal(1, Volatile.Read(ref pubacks));
        var records = await bridge.RecordsNowAsync<TelemetryRecord>(bridge.Topics.TelemetryRaw, r => r.DeviceId == device.DeviceId);
        Assert.Single(records);
    }

    [Fact]
    public async Task With_kafka_down_a_full_buffer_refuses_mqtt5_publishes_with_quota_exceeded_and_recovers()
    {
        var (cluster, bridge) = await StartAsync(new Dictionary<string, string> { ["Bridge:BufferBytes"] = "65536" });
        using var clusterLifetime = cluster;
        await using var bridgeLifetime = bridge;
        var device = await bridge.AddDeviceAsync(attributes: new Dictionary<string, string> { ["rate_limit"] = "100000" });
        using var client = await DeviceClients.ConnectOrThrowAsync(
            DeviceClients.Tcp(bridge.Endpoints, device.DeviceId).WithToken(device.DeviceId, device.Token).Build());
        var buffer = bridge.Services.GetRequiredService<IngestBuffer>();

        cluster.SetAllBrokersDown();
        var pad = new string('x', 4000);
        var pending = new List<Task<MqttClientPublishResult>>();
        MqttClientPublishResult? refused = null;
        for (var i = 0; i < 60 && refused is null; i++)
        {
            var before = buffer.UsedBytes;
            var publish = client.PublishAsync(new MqttApplicationMessageBuilder()
                .WithTopic($"devices/{device.DeviceId}/events")
                .WithPayload($$"""{"i":{{i}},"pad":"{{pad}}"}""")
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build());
            // Wait until the bridge has decided about this publish: either it holds it (buffer grows) or it refused it.
            await Eventually.HoldsAsync(() => publish.IsCompleted || buffer.UsedBytes > before, TimeSpan.FromSeconds(10), "the bridge took or refused the publish");
            if (publish.IsCompleted)
                refused = await publish;
            else
                pending.Add(publish);
        }

        Assert.NotNull(refused);
        Assert.Equal(MqttClientPublishReasonCode.QuotaExceeded, refused.ReasonCode);
        Assert.True(buffer.UsedBytes <= buffer.CapacityBytes);
        Assert.All(pending, p => Assert.False(p.IsCompleted));

        cluster.SetAllBrokersUp();
        var results = await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.All(results, r => Assert.True(r.IsSuccess));
        var stored = await bridge.WaitForRecordsAsync<DeviceEvent>(bridge.Topics.EventsRaw, e => e.DeviceId == device.DeviceId, pending.Count);
        Assert.Equal(pending.Count, stored.Count);
        var after = await client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic($"devices/{device.DeviceId}/events").WithPayload("""{"after":1}""").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        Assert.True(after.IsSuccess);
    }

    [Fact]
    public async Task Shutdown_waits_for_kafka_to_take_what_was_accepted_before_it_disconnects_devices()
    {
        var (cluster, bridge) = await StartAsync();
        using var clusterLifetime = cluster;
        var device = await bridge.AddDeviceAsync();
        using var client = await DeviceClients.ConnectOrThrowAsync(
            DeviceClients.Tcp(bridge.Endpoints, device.DeviceId).WithToken(device.DeviceId, device.Token).Build());
        MqttClientDisconnectReason? reason = null;
        client.DisconnectedAsync += e =>
        {
            reason = e.Reason;
            return Task.CompletedTask;
        };
        var buffer = bridge.Services.GetRequiredService<IngestBuffer>();

        cluster.SetAllBrokersDown();
        var publish = client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic($"devices/{device.DeviceId}/telemetry").WithPayload("""{"seq":7,"v":1}""")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        await Eventually.HoldsAsync(() => buffer.UsedBytes > 0, TimeSpan.FromSeconds(10), "the bridge holds the record for Kafka");

        var stopping = bridge.DisposeAsync().AsTask();
        cluster.SetAllBrokersUp();
        await stopping.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True((await publish).IsSuccess);
        await Eventually.HoldsAsync(() => reason is not null, TimeSpan.FromSeconds(10), "the device is disconnected");
        Assert.Equal(MqttClientDisconnectReason.ServerShuttingDown, reason);
        var stored = await KafkaRecords.ReadAllNowAsync<TelemetryRecord>(cluster.BootstrapServers, bridge.Topics.TelemetryRaw, r => r.DeviceId == device.DeviceId);
        Assert.Single(stored);
    }
}
