using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Pipeline.MqttBridge.Connections;
using Pipeline.MqttBridge.Presence;

namespace Pipeline.MqttBridge.UnitTests.Presence;

public sealed class PresenceRecordTests
{
    [Fact]
    public void A_connected_device_is_held_and_one_that_left_is_held_only_while_its_session_lasts()
    {
        var connected = new DevicePresence("b1", "c1", 1_000, true, false, 0, null);
        Assert.True(connected.HeldAt(10_000_000));
        var left = new DevicePresence("b1", "c1", 1_000, false, true, 60, 5_000);
        Assert.True(left.HeldAt(5_000 + 59_999));
        Assert.False(left.HeldAt(5_000 + 60_000));
        var noSession = new DevicePresence("b1", "c1", 1_000, false, false, 0, 5_000);
        Assert.False(noSession.HeldAt(5_001));
    }

    [Fact]
    public void An_instance_counts_as_live_until_three_heartbeats_are_missed()
    {
        var instance = new InstancePresence("b1", 10_000, 1_000);
        Assert.True(instance.LiveAt(12_999));
        Assert.False(instance.LiveAt(13_000));
    }

    [Fact]
    public void Presence_values_read_back_as_written_and_garbage_reads_as_nothing()
    {
        var presence = new DevicePresence("b1", "c1", 1_000, false, true, 60, 5_000);
        Assert.Equal(presence, PresenceCodec.DecodeDevice(PresenceCodec.Encode(presence)));
        Assert.Null(PresenceCodec.DecodeDevice("not json"u8.ToArray()));
        Assert.Equal("instance/b1", PresenceCodec.InstanceKey("b1"));
    }

    [Fact]
    public void Presence_values_are_the_bytes_the_reflection_serializer_wrote_so_older_and_newer_instances_read_each_other()
    {
        // What bridges before the source-generated codec wrote and read (web defaults, nulls left out).
        var reflection = new JsonSerializerOptions(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };
        DevicePresence[] devices = [new("b1", "c1", 1_000, true, false, 0, null), new("b-2", "0f", 1_000, false, true, 60, 5_000)];
        foreach (var device in devices)
        {
            Assert.Equal(JsonSerializer.Serialize(device, reflection), Encoding.UTF8.GetString(PresenceCodec.Encode(device)));
            Assert.Equal(device, PresenceCodec.DecodeDevice(JsonSerializer.SerializeToUtf8Bytes(device, reflection)));
        }
        Assert.Equal("""{"instance":"b1","connectionId":"c1","sinceMs":1000,"connected":true,"persistent":false,"sessionExpirySeconds":0}""",
            Encoding.UTF8.GetString(PresenceCodec.Encode(devices[0])));

        var instance = new InstancePresence("b1", 10_000, 1_000, 12_000, new Dictionary<int, long> { [0] = 5, [1] = 7 }, 9_000,
            new Dictionary<int, long> { [0] = 1 }, null, 9_500);
        Assert.Equal(JsonSerializer.Serialize(instance, reflection), Encoding.UTF8.GetString(PresenceCodec.Encode(instance)));
        var read = PresenceCodec.DecodeInstance(JsonSerializer.SerializeToUtf8Bytes(instance, reflection))!;
        Assert.Equal((instance.AliveMs, instance.StoppedMs, instance.StartedMs, instance.ReadingSinceMs), (read.AliveMs, read.StoppedMs, read.StartedMs, read.ReadingSinceMs));
        Assert.Equal(instance.ReadTo, read.ReadTo);
        Assert.Equal(instance.ReadFrom, read.ReadFrom);
        Assert.Null(read.CatchUpFrom);
        Assert.Null(PresenceCodec.DecodeInstance("{\"instance\":"u8.ToArray()));
    }

    [Fact]
    public void A_stored_session_expires_from_when_the_device_left_or_else_from_its_instances_last_heartbeat()
    {
        var left = new DurableSession("b1", [new DurableSubscription("devices/d/commands", 1)], 60, 5_000,
            [new QueuedCommand("c", [1, 2], 1, "application/json", 99_000)]);
        Assert.False(left.ExpiredAt(64_999, null));
        Assert.True(left.ExpiredAt(65_000, null));
        var decoded = DurableSession.Decode(left.Encode())!;
        Assert.Equal(left.Subscriptions, decoded.Subscriptions);
        Assert.Equal(left.Queued[0].Payload, decoded.Queued[0].Payload);

        var connectedWhenKilled = left with { DisconnectedAtMs = null };
        Assert.False(connectedWhenKilled.ExpiredAt(1_000_000, holderLastAliveMs: null));
        Assert.True(connectedWhenKilled.ExpiredAt(70_000, holderLastAliveMs: 10_000));
        Assert.False(connectedWhenKilled.ExpiredAt(69_999, holderLastAliveMs: 10_000));
    }
}
