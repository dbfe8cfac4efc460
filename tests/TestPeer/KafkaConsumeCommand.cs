using Confluent.Kafka;

namespace Pipeline.TestPeer;

/// <summary>
/// kafka-consume &lt;bootstrap&gt; &lt;topic&gt; &lt;groupId&gt; &lt;expectedCount&gt; &lt;timeoutSeconds&gt;: consumes from the
/// earliest offset as a member of the group until expectedCount records arrived, printing one
/// "key&lt;TAB&gt;value&lt;TAB&gt;partition" line each; exit code 1 if the deadline passes first.
/// </summary>
public sealed class KafkaConsumeCommand : IPeerCommand
{
    public string Name => "kafka-consume";

    public Task<int> RunAsync(string[] args)
    {
        if (args.Length != 5 || !int.TryParse(args[3], out var expected) || !int.TryParse(args[4], out var timeoutSeconds))
        {
            Console.Error.WriteLine("usage: kafka-consume <bootstrap> <topic> <groupId> <expectedCount> <timeoutSeconds>");
            return Task.FromResult(2);
        }
        var config = new ConsumerConfig
        {
            BootstrapServers = args[0],
            GroupId = args[2],
            AutoOffsetReset = AutoOffsetReset.Earliest,
        };
        using var consumer = new ConsumerBuilder<string, string>(config).Build();
        consumer.Subscribe(args[1]);
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        var received = 0;
        while (received < expected && DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result is null)
                continue;
            Console.WriteLine($"{result.Message.Key}\t{result.Message.Value}\t{result.Partition.Value}");
            received++;
        }
        consumer.Close();
        if (received < expected)
            Console.Error.WriteLine($"received {received} of {expected} before the deadline");
        return Task.FromResult(received == expected ? 0 : 1);
    }
}
