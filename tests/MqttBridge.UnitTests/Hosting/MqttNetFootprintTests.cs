using System.Buffers;
using System.Collections;
using System.Net;
using System.Reflection;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Adapter;
using MQTTnet.Channel;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Internal;
using MQTTnet.Packets;
using MQTTnet.Server;
using Pipeline.MqttBridge.Hosting;

namespace Pipeline.MqttBridge.UnitTests.Hosting;

public class MqttNetFootprintTests
{
    /// <summary>Fails when an MQTTnet update renames what the bridge trims: then every idle connection costs about 1 KiB more.</summary>
    [Fact]
    public void The_trims_apply_to_the_MQTTnet_this_bridge_is_built_with() => Assert.True(MqttNetFootprint.Active);

    /// <summary>Counts the writes and how many ran at once; every write waits until the test opens the gate.</summary>
    private sealed class GatedChannel : Ingest.FakeChannel
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _writes;
        private int _inside;
        private int _mostInside;
        public int Writes => Volatile.Read(ref _writes);
        public int MostAtOnce => Volatile.Read(ref _mostInside);

        public void Open() => _gate.TrySetResult();

        public override async Task WriteAsync(ReadOnlySequence<byte> buffer, bool isEndOfPacket, CancellationToken cancellationToken)
        {
            var inside = Interlocked.Increment(ref _inside);
            InterlockedMax(ref _mostInside, inside);
            await _gate.Task.WaitAsync(cancellationToken);
            Interlocked.Decrement(ref _inside);
            Interlocked.Increment(ref _writes);
        }

        private static void InterlockedMax(ref int target, int value)
        {
            for (var seen = Volatile.Read(ref target); value > seen; seen = Volatile.Read(ref target))
                if (Interlocked.CompareExchange(ref target, value, seen) == seen)
                    return;
        }
    }

    [Fact]
    public async Task A_trimmed_adapter_starts_with_an_empty_waiter_queue_and_still_serializes_concurrent_sends()
    {
        var channel = new GatedChannel();
        var formatter = new MqttPacketFormatterAdapter(MQTTnet.Formatter.MqttProtocolVersion.V311, new MqttBufferWriter(256, 4096));
        using var adapter = new MqttChannelAdapter(channel, formatter, MqttNetNullLogger.Instance);

        MqttNetFootprint.TrimSendLock(adapter);
        var sendLock = (AsyncLock)typeof(MqttChannelAdapter).GetField("_syncRoot", BindingFlags.Instance | BindingFlags.NonPublic)!.GetValue(adapter)!;
        var waiters = (ICollection)typeof(AsyncLock).GetField("_waiters", BindingFlags.Instance | BindingFlags.NonPublic)!.GetValue(sendLock)!;
        var array = (Array)waiters.GetType().GetField("_array", BindingFlags.Instance | BindingFlags.NonPublic)!.GetValue(waiters)!;
        Assert.Empty(array);

        // The first send holds the lock inside its write; the other 99 wait in the queue, which grows from empty.
        var sends = Enumerable.Range(1, 100)
            .Select(i => adapter.SendPacketAsync(new MqttPubAckPacket { PacketIdentifier = (ushort)i }, CancellationToken.None)).ToList();
        Assert.Equal(99, waiters.Count);
        channel.Open();
        await Task.WhenAll(sends).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(100, channel.Writes);
        Assert.Equal(1, channel.MostAtOnce);
    }

    [Fact]
    public void Session_items_are_allocated_only_when_something_is_stored_and_behave_as_a_dictionary()
    {
        var items = new LazySessionItems();
        IDictionary dictionary = items;

        Assert.Empty(dictionary);
        Assert.Null(dictionary["absent"]);
        Assert.False(dictionary.Contains("absent"));
        dictionary.Remove("absent");
        Assert.False(items.IsAllocated);

        dictionary["a"] = 1;
        dictionary.Add("b", 2);
        Assert.True(items.IsAllocated);
        Assert.Equal(2, dictionary.Count);
        Assert.Equal(1, dictionary["a"]);
        Assert.Throws<ArgumentException>(() => dictionary.Add("b", 3));
        dictionary.Remove("a");
        Assert.Equal(["b"], dictionary.Keys.Cast<object>());
    }

    [Fact]
    public void An_accepted_connect_keeps_no_password_and_gets_lazy_session_items()
    {
        var formatter = new MqttPacketFormatterAdapter(MQTTnet.Formatter.MqttProtocolVersion.V311, new MqttBufferWriter(256, 4096));
        using var adapter = new MqttChannelAdapter(new GatedChannel(), formatter, MqttNetNullLogger.Instance);
        var connect = new MqttConnectPacket { ClientId = "dev-1", Username = "dev-1", Password = "a-device-token"u8.ToArray() };
        var e = new ValidatingConnectionEventArgs(connect, adapter, new System.Collections.Concurrent.ConcurrentDictionary<object, object>(), CancellationToken.None);

        MqttNetFootprint.TrimSessionItems(e);
        MqttNetFootprint.ForgetPassword(e);

        Assert.IsType<LazySessionItems>(e.SessionItems);
        Assert.Null(connect.Password);
        Assert.Null(e.RawPassword);
        Assert.Equal("dev-1", e.UserName);
    }
}
