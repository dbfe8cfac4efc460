using Confluent.Kafka;
using Pipeline.SinkWriter.Batching;

namespace Pipeline.SinkWriter.UnitTests;

public class PartitionBuffersTests
{
    private static readonly TopicPartition P0 = new("iot.telemetry.enriched", 0);
    private static readonly TopicPartition P1 = new("iot.telemetry.enriched", 1);

    private static void Add(PartitionBuffers buffers, TopicPartition partition, long offset, int rows = 1, int bytes = 10)
    {
        var batch = buffers.BatchFor(partition, offset)!;
        var first = batch.Rows.Count;
        for (var i = 0; i < rows; i++)
            batch.Rows.Add([offset, i]);
        batch.Add(new BatchRecord(offset, new byte[bytes], "dev", 1000 + offset, first, rows), bytes);
        buffers.Added(partition, batch, bytes, rows);
    }

    private static PartitionBuffers Buffers(int maxRows = 1000, int maxBytes = 1_000_000, double maxAgeSeconds = 3600) =>
        new(new BatchLimits(maxRows, maxBytes, TimeSpan.FromSeconds(maxAgeSeconds)));

    [Fact]
    public void A_batch_closes_at_the_row_limit_and_covers_a_contiguous_offset_range()
    {
        var buffers = Buffers(maxRows: 4);
        buffers.Assign(P0, null);
        for (var offset = 10; offset < 15; offset++)
            Add(buffers, P0, offset, rows: 2);

        var closed = buffers.TakeClosed();

        Assert.Equal([(10L, 11L), (12L, 13L)], closed.Select(b => (b.FirstOffset, b.LastOffset)));
        Assert.Equal(["iot.telemetry.enriched:0:10-11@1010-1011", "iot.telemetry.enriched:0:12-13@1012-1013"], closed.Select(b => b.Token));
    }

    [Fact]
    public void A_batch_closes_at_the_byte_limit()
    {
        var buffers = Buffers(maxBytes: 25);
        buffers.Assign(P0, null);
        for (var offset = 0; offset < 4; offset++)
            Add(buffers, P0, offset, bytes: 10);

        Assert.Equal([(0L, 2L)], buffers.TakeClosed().Select(b => (b.FirstOffset, b.LastOffset)));
    }

    [Fact]
    public void A_batch_closes_at_its_age()
    {
        var buffers = Buffers(maxAgeSeconds: 0.001);
        buffers.Assign(P0, null);
        Add(buffers, P0, 5);

        buffers.CloseAged(System.Diagnostics.Stopwatch.GetTimestamp() + System.Diagnostics.Stopwatch.Frequency);

        Assert.Equal([(5L, 5L)], buffers.TakeClosed().Select(b => (b.FirstOffset, b.LastOffset)));
    }

    [Fact]
    public void Partitions_are_batched_apart()
    {
        var buffers = Buffers(maxRows: 2);
        buffers.Assign(P0, null);
        buffers.Assign(P1, null);
        Add(buffers, P0, 0);
        Add(buffers, P1, 0);
        Add(buffers, P0, 1);
        Add(buffers, P1, 1);

        var closed = buffers.TakeClosed();

        Assert.Equal(2, closed.Count);
        Assert.All(closed, b => Assert.Equal((0L, 1L), (b.FirstOffset, b.LastOffset)));
        Assert.Equal([0, 1], closed.Select(b => b.Partition).Order());
    }

    [Fact]
    public void A_replayed_range_ends_exactly_where_the_previous_owner_ended_it_whatever_the_limits()
    {
        var buffers = Buffers(maxRows: 2, maxAgeSeconds: 0.001);
        buffers.Assign(P0, replayEndOffset: 14);
        for (var offset = 10; offset < 14; offset++)
            Add(buffers, P0, offset);
        buffers.CloseAged(System.Diagnostics.Stopwatch.GetTimestamp() + System.Diagnostics.Stopwatch.Frequency);
        Assert.Empty(buffers.TakeClosed()); // not full yet, not closed by age or rows

        Add(buffers, P0, 14);
        Add(buffers, P0, 15);
        Add(buffers, P0, 16);

        var closed = buffers.TakeClosed();
        Assert.Equal([(10L, 14L), (15L, 16L)], closed.Select(b => (b.FirstOffset, b.LastOffset)));
        Assert.True(closed[0].IsReplay);
        Assert.False(closed[1].IsReplay);
    }

    [Fact]
    public void A_replayed_range_that_ends_in_a_gap_closes_at_the_first_offset_after_it()
    {
        var buffers = Buffers();
        buffers.Assign(P0, replayEndOffset: 12);
        Add(buffers, P0, 10);
        Add(buffers, P0, 11);
        Add(buffers, P0, 14); // 12, 13: transaction markers

        var closed = buffers.TakeClosed();
        Assert.Equal([(10L, 11L)], closed.Select(b => (b.FirstOffset, b.LastOffset)));
    }

    [Fact]
    public void Revoking_hands_over_held_batches_but_drops_an_unfinished_replay()
    {
        var buffers = Buffers();
        buffers.Assign(P0, null);
        buffers.Assign(P1, replayEndOffset: 9);
        Add(buffers, P0, 0);
        Add(buffers, P1, 0);

        Assert.Equal([(0L, 0L)], buffers.Revoke(P0).Select(b => (b.FirstOffset, b.LastOffset)));
        Assert.Empty(buffers.Revoke(P1));
        Assert.Equal(0, buffers.BufferedBytes);
    }

    [Fact]
    public void Records_of_a_partition_not_held_are_not_taken()
    {
        var buffers = Buffers();
        Assert.Null(buffers.BatchFor(P0, 0));
        buffers.Assign(P0, null);
        buffers.Revoke(P0);
        Assert.Null(buffers.BatchFor(P0, 1));
    }

    [Fact]
    public void Buffered_bytes_estimate_what_is_held_until_it_is_taken()
    {
        var buffers = Buffers(maxRows: 1);
        buffers.Assign(P0, null);
        Add(buffers, P0, 0, bytes: 100);
        Add(buffers, P0, 1, bytes: 50);
        Assert.Equal(150 + 2 * PendingBatch.RowOverheadBytes, buffers.BufferedBytes);
        buffers.TakeClosed();
        Assert.Equal(0, buffers.BufferedBytes);
    }
}
