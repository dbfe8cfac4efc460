using Confluent.Kafka;

namespace Pipeline.TestPeer;

/// <summary>
/// kafka-produce &lt;bootstrap&gt; &lt;topic&gt; &lt;count&gt; &lt;keyPrefix&gt;: produces records key = "&lt;keyPrefix&gt;-i",
/// value = "value-i" (i = 0..count-1) with acks=all, waits for every delivery report, prints "produced &lt;n&gt;".
/// </summary>
public sealed class KafkaProduceCommand : IPeerCommand
{
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
        using var producer = new ProducerBuilder<string, string>(config).Build();
        var deliveries = Enumerable.Range(0, count)
            .Select(i => producer.ProduceAsync(topic, new Message<string, string> { Key = $"{keyPrefix}-{i}", Value = $"value-{i}" }))
            .ToList();
        try
        {
            var results = await Task.WhenAll(deliveries);
            var persisted = results.Count(r => r.Status == PersistenceStatus.Persisted);
            Console.WriteLine($"produced {persisted}");
            return persisted == count ? 0 : 1;
        }
        catch (ProduceException<string, string> e)
        {
            Console.Error.WriteLine($"produce failed: {e.Error.Code} {e.Error.Reason}");
            return 1;
        }
    }
}
