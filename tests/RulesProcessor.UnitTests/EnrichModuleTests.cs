using Pipeline.Contracts;
using Pipeline.RulesProcessor.Modules.Enrich;
using static Pipeline.RulesProcessor.UnitTests.Readings;
using Reason = Pipeline.Contracts.RejectedMessage.Types.Reason;

namespace Pipeline.RulesProcessor.UnitTests;

public sealed class EnrichModuleTests
{
    [Fact]
    public void The_device_attributes_are_added()
    {
        using var h = new TopologyHarness([TopologyHarness.Enrich()]);
        h.Register("dev-1", false, ("site", "plant-7"), ("model", "th-100"));

        h.Send(Of("dev-1", T0, 3, ("temperature", 22)));

        var enriched = Assert.Single(h.Enriched.ReadValueList());
        Assert.Equal("plant-7", enriched.Attributes["site"]);
        Assert.Equal("th-100", enriched.Attributes["model"]);
        Assert.Equal(22, enriched.Record.Metrics["temperature"]);
    }

    [Fact]
    public void Telemetry_of_an_unknown_device_is_rejected()
    {
        using var h = new TopologyHarness([TopologyHarness.Enrich()]);

        h.Send(Of("ghost", T0));

        var rejected = Assert.Single(h.Rejected.ReadValueList());
        Assert.Equal(Reason.UnknownDevice, rejected.Reason);
        Assert.Equal("ghost", rejected.DeviceId);
        Assert.Equal("devices/ghost/telemetry", rejected.Topic);
        Assert.Empty(h.Enriched.ReadValueList());
    }

    [Fact]
    public void Telemetry_of_a_revoked_device_is_rejected()
    {
        using var h = new TopologyHarness([TopologyHarness.Enrich()]);
        h.Register("dev-1");
        h.Send(Of("dev-1", T0));
        h.Register("dev-1", revoked: true);

        h.Send(Of("dev-1", T0 + 1));

        Assert.Single(h.Enriched.ReadValueList());
        Assert.Equal(Reason.RevokedDevice, Assert.Single(h.Rejected.ReadValueList()).Reason);
    }

    [Fact]
    public void A_record_the_bridge_received_before_the_revocation_is_kept()
    {
        var received = Of("dev-1", T0);
        received.ReceivedTsMs = 1_000;
        var revoked = new DeviceRecord { DeviceId = "dev-1", Revoked = true, RevokedTsMs = 2_000 };

        Assert.True(EnrichModule.Enrich(new EnrichedTelemetry { Record = received }, revoked).Value is not null);
        received.ReceivedTsMs = 3_000;
        Assert.False(EnrichModule.Enrich(new EnrichedTelemetry { Record = received }, revoked).Value is not null);
    }

    [Fact]
    public void A_record_the_bridge_accepted_under_a_registry_record_not_yet_revoked_is_kept_whatever_its_receive_time()
    {
        // The bridge's view learned of the revocation a moment after it was written: the publish it acknowledged in
        // between was received after revoked_ts_ms, but accepted under the record before it.
        var received = Of("dev-1", T0);
        received.ReceivedTsMs = 2_500;
        received.AcceptedUnderRegistryTsMs = 1_500;
        var revoked = new DeviceRecord { DeviceId = "dev-1", Revoked = true, RevokedTsMs = 2_000, UpdatedTsMs = 2_000 };

        Assert.True(EnrichModule.Enrich(new EnrichedTelemetry { Record = received }, revoked).Value is not null);
    }

    [Fact]
    public void A_device_the_table_does_not_know_yet_is_enriched_from_the_bridges_copy_of_its_registry_record()
    {
        using var h = new TopologyHarness([TopologyHarness.Enrich()]);
        var admitted = Of("late-1", T0, 1, ("temperature", 21));
        admitted.AcceptedUnderRegistryTsMs = 5_000;
        admitted.AcceptedUnder = new TelemetryRecord.Types.RegistrySnapshot { Attributes = { ["site"] = "plant-9" } };

        h.Send(admitted);
        h.Send(Of("ghost", T0));

        Assert.Equal("plant-9", Assert.Single(h.Enriched.ReadValueList()).Attributes["site"]);
        Assert.Equal(Reason.UnknownDevice, Assert.Single(h.Rejected.ReadValueList()).Reason);
    }

    [Fact]
    public void The_newer_of_the_table_and_the_bridges_copy_decides_the_attributes()
    {
        var device = new DeviceRecord { DeviceId = "dev-1", UpdatedTsMs = 2_000, Attributes = { ["site"] = "old-site" } };
        var changed = Of("dev-1", T0);
        changed.AcceptedUnderRegistryTsMs = 3_000;
        changed.AcceptedUnder = new TelemetryRecord.Types.RegistrySnapshot { Attributes = { ["site"] = "new-site" } };
        var stale = Of("dev-1", T0);
        stale.AcceptedUnderRegistryTsMs = 1_000;
        stale.AcceptedUnder = new TelemetryRecord.Types.RegistrySnapshot { Attributes = { ["site"] = "older-site" } };

        Assert.Equal("new-site", EnrichModule.Enrich(new EnrichedTelemetry { Record = changed }, device).Value!.Attributes["site"]);
        Assert.Equal("old-site", EnrichModule.Enrich(new EnrichedTelemetry { Record = stale }, device).Value!.Attributes["site"]);
    }

    [Fact]
    public void A_deleted_device_is_unknown()
    {
        using var h = new TopologyHarness([TopologyHarness.Enrich()]);
        h.Register("dev-1");
        h.Delete("dev-1");

        h.Send(Of("dev-1", T0));

        Assert.Equal(Reason.UnknownDevice, Assert.Single(h.Rejected.ReadValueList()).Reason);
    }

    [Fact]
    public void An_unreadable_registry_record_counts_as_absent_and_does_not_stop_the_stream()
    {
        using var h = new TopologyHarness([TopologyHarness.Enrich()]);
        h.DevicesIn.PipeInput("dev-1", [0, 0, 0, 0, 7, 0, 0xFF, 0xFF]);
        h.Register("dev-2");

        h.Send(Of("dev-1", T0));
        h.Send(Of("dev-2", T0));

        Assert.Equal(Reason.UnknownDevice, Assert.Single(h.Rejected.ReadValueList()).Reason);
        Assert.Equal("dev-2", Assert.Single(h.Enriched.ReadValueList()).Record.DeviceId);
    }
}
