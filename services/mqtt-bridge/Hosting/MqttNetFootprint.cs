using System.Collections;
using System.Reflection;
using System.Runtime.CompilerServices;
using MQTTnet.Adapter;
using MQTTnet.Internal;
using MQTTnet.Packets;
using MQTTnet.Server;

namespace Pipeline.MqttBridge.Hosting;

/// <summary>
/// Takes out of every connection two things MQTTnet 5.2 allocates up front and an idle device never uses: the send
/// lock's waiter queue (its <c>AsyncLock</c> preallocates room for 64 waiters, 536 B, where a device's sends rarely
/// wait at all) and the session's item dictionary (<see cref="LazySessionItems"/>, about 0.5 KiB).
/// Together about 1 KiB of the 9 KiB of objects an idle connection holds (docs/operations.md, "Reconnect storms and
/// memory per idle connection"). And the device's password (its token), which MQTTnet keeps in the CONNECT it holds
/// for the connection's life, is dropped once the bridge has checked it: a secret not needed is not kept in memory.
/// </summary>
/// <remarks>
/// Both fields are private to MQTTnet and reached by name. They are looked up once; should a later MQTTnet rename
/// or remove them, the trims are skipped (<see cref="Active"/> false, a warning at start, and a unit test fails),
/// and a connection costs what it did before. MQTTnet's own fix would be to allocate both lazily.
/// </remarks>
internal static class MqttNetFootprint
{
    private const string SessionItemsField = "<SessionItems>k__BackingField";

    private static readonly FieldInfo? WaitersField = typeof(AsyncLock).GetField("_waiters", BindingFlags.Instance | BindingFlags.NonPublic);
    private static readonly ConstructorInfo? EmptyWaiters = WaitersField?.FieldType.GetConstructor(Type.EmptyTypes);

    private static readonly bool AdapterTrim =
        typeof(MqttChannelAdapter).GetField("_syncRoot", BindingFlags.Instance | BindingFlags.NonPublic)?.FieldType == typeof(AsyncLock)
        && EmptyWaiters is not null;

    private static readonly bool SessionItemsTrim =
        typeof(ValidatingConnectionEventArgs).GetField(SessionItemsField, BindingFlags.Instance | BindingFlags.NonPublic)?.FieldType == typeof(IDictionary);

    private static readonly bool ConnectPacketReachable =
        typeof(ValidatingConnectionEventArgs).GetField("_connectPacket", BindingFlags.Instance | BindingFlags.NonPublic)?.FieldType == typeof(MqttConnectPacket);

    /// <summary>Whether every trim applies to this MQTTnet.</summary>
    public static bool Active => AdapterTrim && SessionItemsTrim && ConnectPacketReachable;

    /// <summary>Right after the adapter is made, before anything sent on it: its send lock waits with an empty queue (grown on the first waiter).</summary>
    public static void TrimSendLock(MqttChannelAdapter adapter)
    {
        if (AdapterTrim)
            WaitersField!.SetValue(SendLock(adapter), EmptyWaiters!.Invoke(null));
    }

    /// <summary>In the validating-connection handler, before MQTTnet makes the session from the arguments.</summary>
    public static void TrimSessionItems(ValidatingConnectionEventArgs e)
    {
        if (SessionItemsTrim)
            SessionItems(e) = new LazySessionItems();
    }

    /// <summary>After the bridge accepted the CONNECT: MQTTnet keeps the packet, and nothing reads its password again.</summary>
    public static void ForgetPassword(ValidatingConnectionEventArgs e)
    {
        if (ConnectPacketReachable)
            ConnectPacket(e).Password = null;
    }

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_syncRoot")]
    private static extern ref AsyncLock SendLock(MqttChannelAdapter adapter);

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_connectPacket")]
    private static extern ref MqttConnectPacket ConnectPacket(ValidatingConnectionEventArgs e);

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = SessionItemsField)]
    private static extern ref IDictionary SessionItems(ValidatingConnectionEventArgs e);
}
