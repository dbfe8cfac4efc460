using Pipeline.SinkWriter.Batching;

namespace Pipeline.SinkWriter.UnitTests;

public class BatchTests
{
    [Fact]
    public void The_token_names_topic_partition_offset_range_and_the_timestamps_of_its_ends()
    {
        Assert.Equal("iot.events.raw:3:100-199@1700000000000-1700000000999",
            DeduplicationToken.ForBatch("iot.events.raw", 3, 100, 199, 1700000000000, 1700000000999));
    }

    [Fact]
    public void The_same_offsets_in_a_log_started_again_from_empty_give_another_token()
    {
        Assert.NotEqual(DeduplicationToken.ForBatch("t", 0, 0, 9, 1000, 2000), DeduplicationToken.ForBatch("t", 0, 0, 9, 5000, 6000));
    }

    [Fact]
    public void A_part_of_a_split_batch_adds_its_row_range_and_the_whole_batch_keeps_the_batch_token()
    {
        Assert.Equal("t:0:1-9", DeduplicationToken.ForRows("t:0:1-9", 0, 20, 20));
        Assert.Equal("t:0:1-9#10+5", DeduplicationToken.ForRows("t:0:1-9", 10, 5, 20));
    }

    [Fact]
    public void A_row_is_traced_back_to_the_record_that_produced_it()
    {
        var batch = new PendingBatch("t", 0, 10, 0);
        batch.Add(new BatchRecord(10, [1], "a", 0, FirstRow: 0, RowCount: 3), 1);
        batch.Add(new BatchRecord(11, [2], "b", 0, FirstRow: 3, RowCount: 0), 1); // no metrics
        batch.Add(new BatchRecord(12, [3], "c", 0, FirstRow: 3, RowCount: 2), 1);

        Assert.Equal(10, batch.RecordOfRow(2).Offset);
        Assert.Equal(12, batch.RecordOfRow(3).Offset);
        Assert.Equal(12, batch.RecordOfRow(4).Offset);
        Assert.Equal(12, batch.LastOffset);
    }
}
