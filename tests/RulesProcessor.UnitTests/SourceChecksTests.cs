using Pipeline.Contracts;
using Pipeline.Contracts.Serialization;
using Reason = Pipeline.Contracts.RejectedMessage.Types.Reason;

namespace Pipeline.RulesProcessor.UnitTests;

/// <summary>What every record goes through before any module: readable, keyed by its device id.</summary>
public sealed class SourceChecksTests
{
    [Fact]
    public void An_undeserialisable_value_is_rejected_with_its_bytes_and_the_stream_goes_on()
    {
        using var h = new TopologyHarness([]);
        var garbage = "not protobuf at all"u8.ToArray();

        h.SendRaw("dev-1", garbage);
        h.Send(Readings.Of("dev-1", Readings.T0));

        var rejected = Assert.Single(h.Rejected.ReadValueList());
        Assert.Equal(Reason.Undeserializable, rejected.Reason);
        Assert.Equal("rules-processor", rejected.Stage);
        Assert.Equal("dev-1", rejected.DeviceId);
        Assert.Equal("iot.telemetry.raw", rejected.Topic);
        Assert.Equal(garbage, rejected.Payload.ToByteArray());
        Assert.Contains("magic byte", rejected.Detail);
        Assert.Single(h.Enriched.ReadValueList());
    }

    [Fact]
    public void A_truncated_payload_is_rejected_as_undeserialisable()
    {
        using var h = new TopologyHarness([]);
        var framed = TopologyHarness.Frame(Readings.Of("dev-1", Readings.T0));

        h.SendRaw("dev-1", framed[..^3]);

        Assert.Equal(Reason.Undeserializable, Assert.Single(h.Rejected.ReadValueList()).Reason);
        Assert.Empty(h.Enriched.ReadValueList());
    }

    [Fact]
    public void A_wrong_schema_id_is_rejected_naming_the_id()
    {
        using var h = new TopologyHarness([]);

        h.SendRaw("dev-1", TopologyHarness.Frame(Readings.Of("dev-1", Readings.T0), schemaId: 999));

        var rejected = Assert.Single(h.Rejected.ReadValueList());
        Assert.Equal(Reason.Undeserializable, rejected.Reason);
        Assert.Contains("999", rejected.Detail);
        Assert.Empty(h.Enriched.ReadValueList());
    }

    [Fact]
    public void Another_message_type_under_a_valid_schema_id_is_rejected()
    {
        using var h = new TopologyHarness([]);

        h.SendRaw("dev-1", TopologyHarness.Frame(new DeviceEvent { DeviceId = "dev-1" }));

        var rejected = Assert.Single(h.Rejected.ReadValueList());
        Assert.Equal(Reason.Undeserializable, rejected.Reason);
        Assert.Contains(nameof(WireFormatError.UnexpectedMessageType), rejected.Detail);
    }

    [Fact]
    public void A_record_without_a_key_is_rejected()
    {
        using var h = new TopologyHarness([]);

        h.SendRaw(null, TopologyHarness.Frame(Readings.Of("dev-1", Readings.T0)));

        var rejected = Assert.Single(h.Rejected.ReadValueList());
        Assert.Equal(Reason.ValidationFailed, rejected.Reason);
        Assert.Contains("no key", rejected.Detail);
        Assert.Equal("dev-1", rejected.DeviceId);
        Assert.Empty(h.Enriched.ReadValueList());
    }

    [Fact]
    public void A_record_keyed_by_another_device_is_rejected()
    {
        using var h = new TopologyHarness([]);

        h.SendRaw("dev-2", TopologyHarness.Frame(Readings.Of("dev-1", Readings.T0)));

        Assert.Contains("dev-2", Assert.Single(h.Rejected.ReadValueList()).Detail);
    }

    [Fact]
    public void With_no_module_enabled_records_pass_through_to_enriched_unchanged()
    {
        using var h = new TopologyHarness([]);
        var record = Readings.Of("dev-1", Readings.T0, 5, ("temperature", 20), ("humidity", 40));

        h.Send(record);

        var output = Assert.Single(h.Enriched.ReadKeyValueList());
        Assert.Equal("dev-1", output.Message.Key);
        Assert.Equal(record, output.Message.Value.Record);
        Assert.True(output.Message.Value.ProcessedTsMs > 0);
        Assert.Equal(1, h.Metrics.InCount("source"));
        Assert.Equal(1, h.Metrics.OutCount("source"));
    }
}
