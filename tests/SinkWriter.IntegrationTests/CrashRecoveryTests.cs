using Confluent.Kafka;
using Pipeline.Contracts;
using Pipeline.ServiceDefaults;
using Pipeline.ServiceDefaults.Kafka;
using Pipeline.SinkWriter.Batching;
using Pipeline.SinkWriter.Kafka;
using Pipeline.TestSupport;
using Pipeline.TestSupport.Fixtures;

namespace Pipeline.SinkWriter.IntegrationTests;

/// <summary>The contract's exactly-once rule when the sink dies at the worst moments.</summary>
public class CrashRecoveryTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Killing_the_sink_with_SIGKILL_mid_stream_and_restarting_it_leaves_exactly_N_rows()
    {
        const int records = 12_000, metrics = 3;
        await using var bed = new SinkTestBed();
        var first = await bed.StartSinkAsync(("SinkWriter:BatchMaxRows", "300"));

        var producing = bed.ProduceTelemetryInChunksAsync(0, records, metrics, chunk: 1_000, pause: TimeSpan.FromMilliseconds(300));
        await Eventually.HoldsAsync(() => bed.CountAsync("telemetry"), c => c >= records * metrics / 4, Timeout, "a quarter of the rows are written");
        first.Kill9();
        var atKill = await bed.CountAsync("telemetry");
        await producing;

        var second = await bed.StartSinkAsync(("SinkWriter:BatchMaxRows", "300"));
        await bed.WaitForCountAsync("telemetry", records * metrics, Timeout);
        await SinkTestBed.WaitForNoLagAsync(second, "telemetry", Timeout);

        Assert.InRange(atKill, 1, records * metrics - 1);
        Assert.Equal(records * metrics, await bed.CountAsync("telemetry"));
        Assert.Equal($"{records}", (await bed.QueryAsync("SELECT uniqExact(device_id, seq) FROM telemetry")).Trim());
    }

    [Fact]
    public async Task A_batch_inserted_but_not_committed_before_a_crash_is_rebuilt_exactly_and_stored_once()
    {
        // The worst moment of a crash, set up by hand: ClickHouse has the batch of offsets 0-29 and its
        // in-flight marker, but Kafka never got the commit. The restarted sink would otherwise batch 0-49 at once.
        const int records = 50, inserted = 30, metrics = 2;
        await using var bed = new SinkTestBed();
        await bed.MigrateAsync();
        var partition = new TopicPartition(bed.Telemetry, 0);
        var values = new List<byte[]>();
        var baseMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var i = 0; i < records; i++)
        {
            var value = await bed.FrameAsync(bed.Telemetry, SinkTestBed.TelemetryRecordNo(i, metrics));
            values.Add(value);
            await bed.ProduceRawAsync(partition, $"dev-{i % 10}", value, baseMs + i);
        }
        var settings = bed.Settings();
        using (var markers = new InflightMarkers(new KafkaClientFactory(new KafkaOptions { BootstrapServers = KafkaFixture.Shared.BootstrapServers }, "sink-test"), $"{bed.GroupPrefix}.telemetry"))
            markers.Mark(partition, inserted - 1);
        await InsertLikeTheSinkAsync(bed, values.Take(inserted), DeduplicationToken.ForBatch(bed.Telemetry, 0, 0, inserted - 1, baseMs, baseMs + inserted - 1));
        Assert.Equal(inserted * metrics, await bed.CountAsync("telemetry"));

        var sink = await bed.StartSinkAsync(("SinkWriter:BatchMaxRows", "100000"), ("SinkWriter:BatchMaxAge", "00:00:02"));

        await bed.WaitForCountAsync("telemetry", records * metrics, Timeout);
        await SinkTestBed.WaitForNoLagAsync(sink, "telemetry", Timeout);
        Assert.Equal(records * metrics, await bed.CountAsync("telemetry"));
        Assert.Contains("rebuilding exactly that range", sink.Output);
    }

    [Fact]
    public async Task Offset_commits_that_Kafka_refuses_mid_stream_are_replayed_without_duplicates()
    {
        const int chunk = 1_000, metrics = 2;
        const short offsetCommitApi = 8;
        var cluster = KafkaFixture.Shared.Cluster
            ?? throw new InvalidOperationException("This test injects errors into the embedded Kafka; it cannot do that to a real cluster.");
        await using var bed = new SinkTestBed();
        // Small batches, so that more are waiting behind the one whose commit is refused.
        var sink = await bed.StartSinkAsync(("SinkWriter:BatchMaxRows", "100"));

        // Records flow in chunks; a moment after each is written, the next offset commit the embedded Kafka handles is
        // refused: in turn the sink's in-flight markers, ownership checks and commits after inserts meet a refusal. It
        // goes on until the sink had to rewind a partition at least once.
        //
        // One refusal per chunk, and the chunk stored before the next: a batch's first commit is its in-flight marker,
        // which the sink retries with a growing backoff until it passes. Refusals injected faster than that backoff
        // were all taken by the markers' retries and the sink never got past them (CI at cf7f60f: "attempt 11" of the
        // marker after 60 chunks of 4 refusals, and earlier of 2).
        var records = 0;
        var random = new Random(5);
        try
        {
            while (records < 6 * chunk || !sink.Output.Contains(RefusedCommit))
            {
                Assert.True(records < 60 * chunk, "No commit of the sink was refused; the injected errors did not reach it. Sink output: "
                    + string.Join("\n", sink.Output.Split('\n').TakeLast(30)));
                await bed.ProduceTelemetryAsync(records, chunk, metrics);
                records += chunk;
                await Task.Delay(TimeSpan.FromMilliseconds(random.Next(0, 60))); // pacing the fault into the sink's work on the chunk, not waiting for anything
                cluster.PushRequestErrors(offsetCommitApi, ErrorCode.RebalanceInProgress);
                await bed.WaitForCountAsync("telemetry", records * metrics, Timeout);
            }
        }
        finally
        {
            cluster.ClearRequestErrors(offsetCommitApi);
        }

        await bed.WaitForCountAsync("telemetry", records * metrics, Timeout);
        await SinkTestBed.WaitForNoLagAsync(sink, "telemetry", Timeout);
        Assert.Equal(records * metrics, await bed.CountAsync("telemetry"));
        Assert.Equal($"{records}", (await bed.QueryAsync("SELECT uniqExact(device_id, seq) FROM telemetry")).Trim());
    }

    private const string RefusedCommit = "rewinding to the committed offset";

    private static async Task InsertLikeTheSinkAsync(SinkTestBed bed, IEnumerable<byte[]> values, string token)
    {
        var converter = new Mapping.RecordConverter<EnrichedTelemetry>(new Mapping.TelemetryMapping());
        var rows = new List<object[]>();
        foreach (var value in values)
            converter.Convert(value, rows);
        using var client = new ClickHouse.Driver.ClickHouseClient(ClickHouseFixture.Shared.ConnectionString(bed.Database));
        var options = new SinkWriterOptions();
        var retry = new Storage.InsertRetry("telemetry", options, new Storage.WriterState(),
            new Observability.SinkMetrics(new Prometheus.CollectorRegistry()), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var refused = await new Storage.BatchInserter(client, converter.Table, converter.Columns, retry).InsertAsync(rows, token, CancellationToken.None);
        Assert.Empty(refused);
    }
}
