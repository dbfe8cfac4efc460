using Pipeline.Contracts;
using Pipeline.SinkWriter.Mapping;

namespace Pipeline.SinkWriter.UnitTests;

public class RecordConverterTests
{
    private readonly RecordConverter<DeviceEvent> _events = new(new EventMapping());

    [Fact]
    public void A_framed_record_becomes_its_rows()
    {
        var rows = new List<object[]>();
        var result = _events.Convert(Wire.Frame(new DeviceEvent { DeviceId = "d", BodyJson = "{}" }), rows);
        Assert.Equal(1, result.RowCount);
        Assert.Null(result.Reason);
        Assert.Single(rows);
    }

    [Theory]
    [InlineData(new byte[] { })]
    [InlineData(new byte[] { 1, 0, 0, 0, 7, 0 })]          // wrong magic byte
    [InlineData(new byte[] { 0, 0, 0, 0, 7, 0, 0x0A, 0xFF })] // payload cut short
    public void Bytes_that_are_not_a_record_are_rejected_as_undeserializable(byte[] value)
    {
        var rows = new List<object[]>();
        var result = _events.Convert(value, rows);
        Assert.Equal(RejectedMessage.Types.Reason.Undeserializable, result.Reason);
        Assert.NotEmpty(result.Detail);
        Assert.Empty(rows);
    }

    [Fact]
    public void A_record_of_another_message_type_is_rejected_as_undeserializable()
    {
        var result = _events.Convert(Wire.Frame(new DeviceRecord { DeviceId = "d" }), []);
        Assert.Equal(RejectedMessage.Types.Reason.Undeserializable, result.Reason);
        Assert.Contains("DeviceEvent", result.Detail);
    }

    [Fact]
    public void A_tombstone_is_rejected_where_it_means_nothing()
    {
        Assert.Equal(RejectedMessage.Types.Reason.Undeserializable, _events.Convert(null, []).Reason);
    }

    [Fact]
    public void A_tombstone_on_the_device_registry_is_a_deletion()
    {
        var devices = new RecordConverter<DeviceRecord>(new DeviceMapping(), tombstonesAllowed: true);
        Assert.True(devices.Convert(null, []).IsTombstone);
    }

    [Fact]
    public void A_message_that_cannot_be_stored_is_rejected_with_its_device_and_adds_no_rows()
    {
        var rows = new List<object[]>();
        var result = _events.Convert(Wire.Frame(new DeviceEvent { DeviceId = "dev-9", DeviceTsMs = long.MinValue }), rows);
        Assert.Equal(RejectedMessage.Types.Reason.TimestampOutOfRange, result.Reason);
        Assert.Equal("dev-9", result.DeviceId);
        Assert.Empty(rows);
    }
}
