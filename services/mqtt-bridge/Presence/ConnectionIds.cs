using System.Security.Cryptography;

namespace Pipeline.MqttBridge.Presence;

/// <summary>
/// Ids for accepted connections (iot.connectivity's <c>connection_id</c>, iot.presence's <c>connectionId</c>): 32 hex
/// digits, as the Guids used before, made of 64 random bits drawn once per process and a 64-bit counter. They only
/// need to be unique across instances and runs, not unguessable (nothing is authorised by one), and
/// <see cref="Guid.NewGuid"/> cost every connect a read of the kernel's random source, a system call this machine
/// type makes expensive, in the middle of a reconnect storm.
/// </summary>
public static class ConnectionIds
{
    private static readonly ulong Run = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
    private static long _next;

    public static string Next()
    {
        var count = (ulong)Interlocked.Increment(ref _next);
        return string.Create(32, (Run, count), static (chars, parts) =>
        {
            parts.Run.TryFormat(chars, out _, "x16");
            parts.count.TryFormat(chars[16..], out _, "x16");
        });
    }
}
