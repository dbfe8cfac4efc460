using System.Diagnostics;
using Confluent.Kafka;

namespace Pipeline.TestPeer;

/// <summary>
/// kafka-produce &lt;bootstrap&gt; &lt;topic&gt; &lt;count&gt; &lt;keyPrefix&gt;: produces records key = "&lt;keyPrefix&gt;-i",
/// value = "value-i" (i = 0..count-1) with acks=all, waits for every delivery report, prints "produced &lt;n&gt;".
/// Each step and librdkafka's own warnings go to stderr with the time since start, so a caller that gives up
/// on this process can say where it stood (CI once saw it run past 90 s with nothing to show why).
/// </summary>
public sealed class KafkaProduceCommand : IPeerCommand
{
    private static readonly TimeSpan DeliveryDeadline = TimeSpan.FromSeconds(45);
    private readonly Stopwatch _sinceStart = Stopwatch.StartNew();

    public string Name => "kafka-produce";

    public async Task<int> RunAsync(string[] args)
    {
        if (args.Length != 4 || !int.TryParse(args[2], out var count) || count < 0)
        {
            Console.Error.WriteLine("usage: kafka-produce <bootstrap> <topic> <count> <keyPrefix>");
            return 2;
        }
        var (bootstrap, topic, keyPrefix) = (args[0], args[1], args[3]);
        var config = new ProducerConfig
        {
            BootstrapServers = bootstrap,
            Acks = Acks.All,
            EnableIdempotence = true,
            MessageTimeoutMs = 20_000,
        };
        Step("building the producer");
        using var producer = new ProducerBuilder<string, string>(config)
            .SetLogHandler((_, m) => { if (m.Level <= SyslogLevel.Warning) Step($"librdkafka {m.Level} {m.Facility}: {m.Message}"); })
            .Build();
        var delivered = 0;
        var deliveries = Enumerable.Range(0, count)
            .Select(async i =>
            {
                var result = await producer.ProduceAsync(topic, new Message<string, string> { Key = $"{keyPrefix}-{i}", Value = $"value-{i}" });
                Interlocked.Increment(ref delivered);
                return result;
            })
            .ToList();
        Step($"{count} records handed to the producer");
        try
        {
            var all = Task.WhenAll(deliveries);
            if (await Task.WhenAny(all, Task.Delay(DeliveryDeadline)) != all)
            {
                Step($"only {Volatile.Read(ref delivered)} of {count} delivered after {DeliveryDeadline.TotalSeconds:0} s");
                return 1;
            }
            var persisted = (await all).Count(r => r.Status == PersistenceStatus.Persisted);
            Step($"{persisted} of {count} persisted; closing the producer");
            Console.WriteLine($"produced {persisted}");
            return persisted == count ? 0 : 1;
        }
        catch (ProduceException<string, string> e)
        {
            Step($"produce failed: {e.Error.Code} {e.Error.Reason}");
            return 1;
        }
    }

    private void Step(string what) => Console.Error.WriteLine($"[{_sinceStart.Elapsed.TotalSeconds,6:0.0}s] {what}");
}
