using System.Net;

namespace Pipeline.MqttBridge.Presence;

/// <summary>
/// A device's accepted CONNECT as the bridge keeps it for the connection's life: what its iot.connectivity disconnect
/// row and its presence records repeat. Small on purpose (every idle connection holds one): the strings are the
/// device's and shared literals, and the client's address stays the socket's endpoint until a row needs its text.
/// </summary>
public sealed record ConnectRecord(string DeviceId, string ConnectionId, long TsMs, EndPoint? Client, string Protocol, string Transport,
    bool CleanSession, uint SessionExpirySeconds, string How);
