using Google.Protobuf;
using Pipeline.Contracts;
using Pipeline.SinkWriter.Mapping;

namespace Pipeline.SinkWriter.UnitTests;

public class OtherMappingTests
{
    [Fact]
    public void An_aggregate_is_one_row_of_telemetry_1m()
    {
        var mapping = new AggregateMapping();
        var rows = new List<object[]>();

        mapping.AppendRows(new MetricAggregate
        {
            DeviceId = "dev-1", Metric = "temperature", WindowStartMs = 1_764_230_400_000, WindowEndMs = 1_764_230_460_000,
            Count = 6, Min = 20, Max = 22.5, Sum = 126, Last = 21, LastTsMs = 1_764_230_459_000,
        }, rows);

        Assert.Equal(["device_id", "metric", "window_start", "count", "min", "max", "sum", "last"], mapping.Columns);
        Assert.Equal(["dev-1", "temperature", Wire.Utc(1_764_230_400_000), 6UL, 20.0, 22.5, 126.0, 21.0], Assert.Single(rows));
    }

    [Fact]
    public void An_event_keeps_its_body_verbatim_and_its_source()
    {
        var mapping = new EventMapping();
        var rows = new List<object[]>();

        mapping.AppendRows(new DeviceEvent
        {
            DeviceId = "dev-1", DeviceTsMs = 1_000, ReceivedTsMs = 2_000, BodyJson = """{"type":"door","open":true}""", Source = "overheat-rule",
        }, rows);

        Assert.Equal(["device_id", "ts", "received_at", "body", "source"], mapping.Columns);
        Assert.Equal(["dev-1", Wire.Utc(1_000), Wire.Utc(2_000), """{"type":"door","open":true}""", "overheat-rule"], Assert.Single(rows));
    }

    [Fact]
    public void An_event_without_source_gets_the_table_default()
    {
        var rows = new List<object[]>();
        new EventMapping().AppendRows(new DeviceEvent { DeviceId = "d", BodyJson = "{}" }, rows);
        Assert.Equal(EventMapping.DefaultSource, Assert.Single(rows)[4]);
    }

    [Fact]
    public void A_rejection_stores_the_reason_by_its_proto_name_and_the_raw_payload()
    {
        var mapping = new RejectedMapping();
        var rows = new List<object[]>();

        mapping.AppendRows(new RejectedMessage
        {
            Reason = RejectedMessage.Types.Reason.StorageRefused, Detail = "Code: 469. Constraint violated", DeviceId = "dev-1",
            Topic = "iot.telemetry.enriched", Payload = ByteString.CopyFrom(0, 1, 255), ReceivedTsMs = 5_000, Stage = "sink-writer",
        }, rows);

        Assert.Equal(["received_at", "device_id", "topic", "reason", "detail", "stage", "payload"], mapping.Columns);
        var row = Assert.Single(rows);
        Assert.Equal([Wire.Utc(5_000), "dev-1", "iot.telemetry.enriched", "STORAGE_REFUSED", "Code: 469. Constraint violated", "sink-writer"], row[..6]);
        Assert.Equal(new byte[] { 0, 1, 255 }, row[6]);
    }

    [Fact]
    public void A_reason_newer_than_this_build_is_stored_as_its_number()
    {
        Assert.Equal("99", RejectedMapping.ReasonName((RejectedMessage.Types.Reason)99));
    }

    [Fact]
    public void A_device_record_is_one_row_without_its_secrets()
    {
        var mapping = new DeviceMapping();
        var record = new DeviceRecord
        {
            DeviceId = "dev-1", CreatedTsMs = 1_000, Revoked = true, RevokedTsMs = 3_000, UpdatedTsMs = 4_000,
            Token = new DeviceRecord.Types.TokenHash { Algorithm = "PBKDF2-SHA256", Hash = ByteString.CopyFrom(1, 2) },
            CertificateThumbprint = "abc",
        };
        record.Attributes.Add("site", "plant-a");
        var rows = new List<object[]>();

        mapping.AppendRows(record, rows);

        Assert.Equal(["device_id", "attributes", "created_at", "revoked", "updated_at"], mapping.Columns);
        var row = Assert.Single(rows);
        Assert.Equal("dev-1", row[0]);
        Assert.Equal(new Dictionary<string, string> { ["site"] = "plant-a" }, row[1]);
        Assert.Equal([Wire.Utc(1_000), true, Wire.Utc(4_000)], row[2..]);
    }

    [Fact]
    public void A_device_record_without_updated_time_is_dated_by_its_latest_change()
    {
        var rows = new List<object[]>();
        new DeviceMapping().AppendRows(new DeviceRecord { DeviceId = "d", CreatedTsMs = 1_000, Revoked = true, RevokedTsMs = 3_000 }, rows);
        Assert.Equal(Wire.Utc(3_000), Assert.Single(rows)[4]);
    }
}
