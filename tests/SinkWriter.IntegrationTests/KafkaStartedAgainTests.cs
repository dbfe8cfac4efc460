using Confluent.Kafka;
using Pipeline.EmbeddedStack.Kafka;

namespace Pipeline.SinkWriter.IntegrationTests;

/// <summary>
/// Offsets start at 0 again when a topic is created anew: every `./pipeline up` (the embedded Kafka keeps no
/// log across runs) and a production topic deleted and re-created. ClickHouse must still store the new records.
/// </summary>
public class KafkaStartedAgainTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task New_records_at_offsets_an_emptied_Kafka_hands_out_again_are_stored_not_dropped_as_repeats()
    {
        const int records = 20, metrics = 2;
        await using var bed = new SinkTestBed();
        foreach (var first in new[] { 0, records })
        {
            // A new, empty Kafka each round; the same topic names, database and consumer groups.
            using var kafka = MockKafkaCluster.Start();
            kafka.CreateTopics([bed.Telemetry, bed.Aggregates, bed.Events, bed.Rejected, bed.Devices, bed.Shadows, bed.RuleRows, bed.Connectivity], SinkTestBed.Partitions);
            using (var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers }).Build())
            {
                // All in partition 0 before the sink starts: one batch over offsets 0-19 in both rounds.
                for (var i = first; i < first + records; i++)
                    await producer.ProduceAsync(new TopicPartition(bed.Telemetry, 0), new Message<string, byte[]>
                    {
                        Key = $"dev-{i % 10}",
                        Value = await bed.FrameAsync(bed.Telemetry, SinkTestBed.TelemetryRecordNo(i, metrics)),
                    });
            }

            var sink = await bed.StartSinkAsync(("Kafka:BootstrapServers", kafka.BootstrapServers));
            await bed.WaitForCountAsync("telemetry", (first + records) * metrics, Timeout);
            await SinkTestBed.WaitForNoLagAsync(sink, "telemetry", Timeout);
            Assert.Equal(0, await sink.StopAsync(Timeout));
        }

        Assert.Equal($"{2 * records}", (await bed.QueryAsync("SELECT uniqExact(device_id, seq) FROM telemetry")).Trim());
    }
}
