using System.Net;
using System.Net.Sockets;
using Pipeline.MqttBridge.Listeners;

namespace Pipeline.MqttBridge.UnitTests.Listeners;

public sealed class ListenerSocketTests
{
    [Fact]
    public async Task A_connection_accepted_by_the_listener_has_nagle_off_without_setting_it_itself()
    {
        // The bridge no longer sets TCP_NODELAY per connection: it relies on the accepted socket inheriting it.
        using var listener = FleetServerAdapter.OpenListener(new IPEndPoint(IPAddress.Loopback, 0));
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!);
        using var accepted = await listener.AcceptAsync();

        Assert.True(accepted.NoDelay);
        Assert.False(client.NoDelay); // the option is the listener's, not loopback's default
    }
}
