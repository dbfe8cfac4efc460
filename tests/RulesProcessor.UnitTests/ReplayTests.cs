using Confluent.Kafka;
using Pipeline.RulesProcessor.Modules.Shadow;
using Pipeline.RulesProcessor.Replay;
using static Pipeline.RulesProcessor.UnitTests.Readings;

namespace Pipeline.RulesProcessor.UnitTests;

/// <summary>
/// The pieces that make a replay after a crash write each output once (issue 19); the crash itself is staged in
/// RulesProcessor.IntegrationTests.WriteOrderKillTests against the embedded Kafka.
/// </summary>
public sealed class ReplayTests
{
    [Fact]
    public void Outputs_whose_input_offsets_the_ledger_holds_are_not_written_again_and_the_rest_are()
    {
        // The task resumes at raw offset 0; the previous run wrote the outputs of offsets 1 and 2 before it died.
        var ledgers = new FixedLedgers(new HashSet<long> { 1, 2 });
        using var h = new TopologyHarness([TopologyHarness.Validate(), TopologyHarness.Dedupe(), TopologyHarness.Enrich()], ledgers: ledgers);
        h.Register("dev-1");

        for (ulong seq = 1; seq <= 4; seq++)
            h.Send(Of("dev-1", T0 + (long)seq, seq, ("temperature", seq)));

        Assert.Equal([1UL, 4UL], h.Enriched.ReadValueList().Select(e => e.Record.Seq));
        Assert.Equal(2, h.Metrics.ReplaySkippedCount);
        Assert.Equal(("iot.telemetry.enriched", 0, 0L), ledgers.Asked.Single(a => a.Output.Contains("enriched")));
    }

    [Fact]
    public void Every_enriched_output_carries_the_raw_partition_and_offset_it_was_made_from()
    {
        using var h = new TopologyHarness([TopologyHarness.Validate(), TopologyHarness.Enrich()]);
        h.Register("dev-1");
        h.Send(Of("dev-1", T0, 1, ("temperature", 1)));
        h.Send(Of("dev-1", T0 + 1, 2, ("temperature", 2)));

        var positions = h.Enriched.ReadKeyValueList().Select(r => SourcePosition.TryRead(r.Message.Headers, out var p, out var o) ? (p, o) : (-1, -1L));
        Assert.Equal([(0, 0L), (0, 1L)], positions);
    }

    [Fact]
    public void A_source_position_reads_back_as_written_and_a_foreign_header_does_not_read()
    {
        var headers = new Headers();
        SourcePosition.Stamp(headers, 3, 1L << 40);
        SourcePosition.Stamp(headers, 4, 17); // a second stamp replaces the first
        Assert.True(SourcePosition.TryRead(headers, out var partition, out var offset));
        Assert.Equal((4, 17L), (partition, offset));
        Assert.Single(headers);
        Assert.False(SourcePosition.TryRead(new Headers { { SourcePosition.HeaderName, [1, 2, 3] } }, out _, out _));
    }

    [Fact]
    public void The_ledger_empties_once_processing_passes_its_last_offset()
    {
        var ledger = new OutputLedger(new HashSet<long> { 5, 7 });
        Assert.False(ledger.AlreadyWritten(4));
        Assert.True(ledger.AlreadyWritten(5));
        Assert.False(ledger.AlreadyWritten(6));
        Assert.True(ledger.AlreadyWritten(7));
        Assert.False(ledger.AlreadyWritten(8));
        Assert.Equal(0, ledger.Count);
    }

    [Theory]
    [InlineData("@42\n{\"state\":{}}", 42L, "{\"state\":{}}")]
    [InlineData("{\"state\":{}}", 0L, "{\"state\":{}}")]   // written before the offset was kept
    [InlineData("@x\n{}", 0L, "@x\n{}")]
    public void A_stored_shadow_keeps_the_offset_of_the_request_last_applied(string stored, long offset, string json)
    {
        Assert.Equal(new StoredShadow(offset, json), StoredShadow.Parse(stored));
        Assert.Equal(new StoredShadow(9, "{}"), StoredShadow.Parse(StoredShadow.Format(9, "{}")));
        Assert.Equal(new StoredShadow(0, null), StoredShadow.Parse(null));
    }

    private sealed class FixedLedgers(HashSet<long> enrichedWritten) : IOutputLedgerSource
    {
        public List<(string Output, int Partition, long ResumedAt)> Asked { get; } = [];

        public OutputLedger Read(string outputTopic, bool keyedLikeInput, string inputTopic, int inputPartition, long resumedAt)
        {
            Asked.Add((outputTopic, inputPartition, resumedAt));
            return outputTopic.Contains("enriched") ? new OutputLedger(enrichedWritten) : OutputLedger.Empty;
        }
    }
}
