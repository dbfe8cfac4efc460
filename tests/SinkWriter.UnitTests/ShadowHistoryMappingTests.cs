using Pipeline.Contracts;
using Pipeline.SinkWriter.Mapping;

namespace Pipeline.SinkWriter.UnitTests;

public class ShadowHistoryMappingTests
{
    [Fact]
    public void An_accepted_change_is_one_row_with_the_document_after_it()
    {
        var mapping = new ShadowHistoryMapping();
        var rows = new List<object[]>();

        mapping.AppendRows(new ShadowDocument
        {
            DeviceId = "dev-1", ShadowName = "config", Version = 3, DocumentJson = """{"state":{"desired":{"a":1}},"version":3}""", Timestamp = 1_764_230_400,
        }, rows);

        Assert.Equal("shadow_history", mapping.Table);
        Assert.Equal(["device_id", "name", "version", "document", "ts"], mapping.Columns);
        Assert.Equal(["dev-1", "config", 3UL, """{"state":{"desired":{"a":1}},"version":3}""", Wire.Utc(1_764_230_400_000)], Assert.Single(rows));
    }

    [Fact]
    public void A_delete_is_a_row_with_an_empty_document()
    {
        var rows = new List<object[]>();

        new ShadowHistoryMapping().AppendRows(new ShadowDocument { DeviceId = "dev-1", Version = 3, Deleted = true, Timestamp = 1_764_230_400 }, rows);

        Assert.Equal(["dev-1", "", 3UL, "", Wire.Utc(1_764_230_400_000)], Assert.Single(rows));
    }

    [Fact]
    public void A_document_without_device_or_with_an_impossible_time_is_refused_with_a_reason()
    {
        var mapping = new ShadowHistoryMapping();

        var noDevice = Assert.Throws<RowMappingException>(() => mapping.AppendRows(new ShadowDocument { Version = 1, Timestamp = 1 }, []));
        var badTime = Assert.Throws<RowMappingException>(() => mapping.AppendRows(new ShadowDocument { DeviceId = "d", Timestamp = long.MaxValue }, []));

        Assert.Equal(RejectedMessage.Types.Reason.ValidationFailed, noDevice.Reason);
        Assert.Equal(RejectedMessage.Types.Reason.TimestampOutOfRange, badTime.Reason);
    }
}
