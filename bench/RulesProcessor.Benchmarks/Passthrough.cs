using System.Diagnostics;
using Confluent.Kafka;

namespace Pipeline.RulesProcessor.Benchmarks;

/// <summary>The reference: consume each raw record and produce its bytes unchanged (acks=all), nothing else.</summary>
internal static class Passthrough
{
    public static TimeSpan Run(string bootstrap, string input, string output, int records)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrap, GroupId = $"bench-passthrough-{Guid.NewGuid():N}",
            AutoOffsetReset = AutoOffsetReset.Earliest, EnableAutoCommit = true,
        }).Build();
        using var producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig
        {
            BootstrapServers = bootstrap, Acks = Acks.All, EnableIdempotence = true, LingerMs = 5,
        }).Build();
        consumer.Subscribe(input);
        var consumed = 0;
        Stopwatch? clock = null;
        while (consumed < records)
        {
            var result = consumer.Consume(TimeSpan.FromSeconds(30)) ?? throw new TimeoutException(
                $"passthrough: only {consumed} of {records} records arrived; positions {string.Join(", ", consumer.Assignment.Select(tp => $"{tp.Partition.Value}@{consumer.Position(tp)}/{consumer.GetWatermarkOffsets(tp).High}"))}");
            clock ??= Stopwatch.StartNew();
            producer.Produce(output, new Message<byte[], byte[]> { Key = result.Message.Key, Value = result.Message.Value });
            consumed++;
        }
        producer.Flush();
        var elapsed = clock!.Elapsed;
        consumer.Close();
        return elapsed;
    }
}
