using Pipeline.Contracts;
using Pipeline.SinkWriter.Mapping;

namespace Pipeline.SinkWriter.UnitTests;

public class ConnectivityMappingTests
{
    [Fact]
    public void A_disconnect_is_one_row_with_its_reason_address_protocol_and_instance()
    {
        var mapping = new ConnectivityMapping();
        var rows = new List<object[]>();

        mapping.AppendRows(new ConnectivityEvent
        {
            Kind = ConnectivityEvent.Types.Kind.Disconnected, DeviceId = "dev-1", Instance = "bridge-a", ConnectionId = "c1",
            Reason = "connection lost", ClientAddress = "10.0.0.7:5123", Protocol = "mqtt-5", Transport = "tls",
            CleanSession = false, SessionExpirySeconds = 3600, TsMs = 1_764_230_400_000,
        }, rows);

        Assert.Equal("connectivity", mapping.Table);
        Assert.Equal([Wire.Utc(1_764_230_400_000), "dev-1", "disconnect", "bridge-a", "c1", "connection lost", "10.0.0.7:5123", "mqtt-5", "tls", false, 3600u, 0u],
            Assert.Single(rows));
    }

    [Fact]
    public void An_instance_heartbeat_has_no_device_and_keeps_its_interval()
    {
        var rows = new List<object[]>();

        new ConnectivityMapping().AppendRows(new ConnectivityEvent
        {
            Kind = ConnectivityEvent.Types.Kind.InstanceAlive, Instance = "bridge-a", TsMs = 1_764_230_400_000, HeartbeatIntervalMs = 30_000,
        }, rows);

        var row = Assert.Single(rows);
        Assert.Equal(("", "instance_alive", 30_000u), ((string)row[1], (string)row[2], (uint)row[11]));
    }

    [Theory]
    [InlineData(ConnectivityEvent.Types.Kind.Unspecified, "dev-1")]
    [InlineData(ConnectivityEvent.Types.Kind.Connected, "")]
    public void An_event_without_a_kind_or_a_connect_without_a_device_is_refused(ConnectivityEvent.Types.Kind kind, string deviceId)
    {
        var e = Assert.Throws<RowMappingException>(() =>
            new ConnectivityMapping().AppendRows(new ConnectivityEvent { Kind = kind, DeviceId = deviceId, TsMs = 1_764_230_400_000 }, []));
        Assert.Equal(RejectedMessage.Types.Reason.ValidationFailed, e.Reason);
    }
}
