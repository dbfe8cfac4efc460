using Pipeline.Contracts;
using Pipeline.SinkWriter.Mapping;

namespace Pipeline.SinkWriter.UnitTests;

public class TelemetryMappingTests
{
    private static EnrichedTelemetry Sample(bool withSeq = true)
    {
        var record = new TelemetryRecord { DeviceId = "dev-1", DeviceTsMs = 1_764_230_400_000, ReceivedTsMs = 1_764_230_400_250 };
        if (withSeq)
            record.Seq = 42;
        record.Metrics.Add("temperature", 21.5);
        record.Metrics.Add("humidity", 40);
        var message = new EnrichedTelemetry { Record = record, ProcessedTsMs = 1_764_230_400_300 };
        message.Attributes.Add("site", "plant-a");
        message.Attributes.Add("model", "x1");
        return message;
    }

    [Fact]
    public void One_row_per_metric_value_with_the_table_columns_in_order()
    {
        var mapping = new TelemetryMapping();
        var rows = new List<object[]>();

        mapping.AppendRows(Sample(), rows);

        Assert.Equal(["device_id", "metric", "ts", "value", "seq", "received_at", "site", "attributes"], mapping.Columns);
        Assert.Equal(2, rows.Count);
        Assert.Equal(["dev-1", "temperature", Wire.Utc(1_764_230_400_000), 21.5, 42UL, Wire.Utc(1_764_230_400_250), "plant-a"], rows[0][..7]);
        Assert.Equal(["dev-1", "humidity", Wire.Utc(1_764_230_400_000), 40.0, 42UL, Wire.Utc(1_764_230_400_250), "plant-a"], rows[1][..7]);
        Assert.All(rows, r => Assert.Equal(mapping.Columns.Count, r.Length));
    }

    [Fact]
    public void Site_has_its_own_column_and_the_other_attributes_go_to_the_map()
    {
        var rows = new List<object[]>();
        new TelemetryMapping().AppendRows(Sample(), rows);

        var attributes = Assert.IsType<Dictionary<string, string>>(rows[0][7]);
        Assert.Equal(new Dictionary<string, string> { ["model"] = "x1" }, attributes);
    }

    [Fact]
    public void A_message_without_seq_stores_null()
    {
        var rows = new List<object[]>();
        new TelemetryMapping().AppendRows(Sample(withSeq: false), rows);
        Assert.All(rows, r => Assert.Null(r[4]));
    }

    [Fact]
    public void Timestamps_are_utc()
    {
        var rows = new List<object[]>();
        new TelemetryMapping().AppendRows(Sample(), rows);
        Assert.Equal(DateTimeKind.Utc, ((DateTime)rows[0][2]).Kind);
        Assert.Equal(DateTimeKind.Utc, ((DateTime)rows[0][5]).Kind);
    }

    [Fact]
    public void The_same_record_always_gives_the_same_rows_in_the_same_order()
    {
        var bytes = Wire.Frame(Sample());
        var converter = new RecordConverter<EnrichedTelemetry>(new TelemetryMapping());
        var first = new List<object[]>();
        var second = new List<object[]>();

        converter.Convert(bytes, first);
        converter.Convert((byte[])bytes.Clone(), second);

        Assert.Equal(first.Select(r => r[..7]), second.Select(r => r[..7]));
    }

    [Fact]
    public void A_record_without_metrics_gives_no_rows()
    {
        var message = Sample();
        message.Record.Metrics.Clear();
        var rows = new List<object[]>();
        new TelemetryMapping().AppendRows(message, rows);
        Assert.Empty(rows);
    }

    [Fact]
    public void A_message_without_its_record_is_refused_as_malformed()
    {
        var error = Assert.Throws<RowMappingException>(() => new TelemetryMapping().AppendRows(new EnrichedTelemetry(), []));
        Assert.Equal(RejectedMessage.Types.Reason.MalformedPayload, error.Reason);
    }

    [Fact]
    public void A_timestamp_outside_DateTime64_is_refused_with_the_field_named()
    {
        var message = Sample();
        message.Record.DeviceTsMs = long.MaxValue;
        var error = Assert.Throws<RowMappingException>(() => new TelemetryMapping().AppendRows(message, []));
        Assert.Equal(RejectedMessage.Types.Reason.TimestampOutOfRange, error.Reason);
        Assert.Contains("device_ts_ms", error.Message);
    }

    [Fact]
    public void Each_record_keeps_its_own_attributes_in_its_own_order_after_a_record_with_others()
    {
        var mapping = new TelemetryMapping();
        var first = Sample();
        first.Attributes.Add("firmware", "1.0");
        var swapped = Sample();
        swapped.Attributes.Clear();
        swapped.Attributes.Add("firmware", "1.0");
        swapped.Attributes.Add("model", "x1");
        var changed = Sample();
        changed.Attributes["model"] = "x2";
        var rows = new List<object[]>();

        foreach (var message in new[] { first, first.Clone(), swapped, changed })
            mapping.AppendRows(message, rows);

        string[] Pairs(object[] row) => [.. ((Dictionary<string, string>)row[7]).Select(p => $"{p.Key}={p.Value}")];
        Assert.Equal(["model=x1", "firmware=1.0"], Pairs(rows[0]));
        Assert.Equal(["model=x1", "firmware=1.0"], Pairs(rows[2]));
        Assert.Equal(["firmware=1.0", "model=x1"], Pairs(rows[4]));
        Assert.Equal(["model=x2"], Pairs(rows[6]));
    }
}
