using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Pipeline.EmbeddedStack.Kafka;
using Pipeline.TestSupport.Fixtures;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.SerDes;
using Streamiz.Kafka.Net.Stream;
using Streamiz.Kafka.Net.Table;

namespace Pipeline.EmbeddedStack.IntegrationTests.Kafka;

/// <summary>A Streamiz topology with a windowed count runs against the embedded Kafka and gives the right counts.</summary>
public sealed class StreamizWindowedCountTests
{
    private const string StoreName = "count-store";
    private readonly KafkaFixture _kafka = KafkaFixture.Shared;

    [Fact]
    public async Task Tumbling_one_minute_windows_count_records_per_key_and_window()
    {
        const int partitions = 2;
        var input = _kafka.CreateUniqueTopic("streamiz-in", partitions);
        var output = _kafka.CreateUniqueTopic("streamiz-out", partitions: 1);
        var applicationId = KafkaFixture.UniqueName("streamiz-app");
        // The mock cluster cannot create topics on request: the changelog must exist (same partition count as the input).
        _kafka.CreateTopics(StreamizTopics.InternalTopics(applicationId, [StoreName], []), partitions);

        // Two whole-minute windows in the past, so event time, not wall-clock time, decides the window.
        var window1 = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 60 * 60 - 600);
        var window2 = window1.AddMinutes(1);
        var events = new (string Key, DateTimeOffset At)[]
        {
            ("sensor-a", window1.AddSeconds(1)), ("sensor-b", window1.AddSeconds(5)), ("sensor-a", window1.AddSeconds(30)),
            ("sensor-a", window1.AddSeconds(59)), ("sensor-b", window2.AddSeconds(0)), ("sensor-a", window2.AddSeconds(10)),
            ("sensor-b", window2.AddSeconds(20)), ("sensor-b", window2.AddSeconds(40)), ("sensor-a", window2.AddSeconds(59)),
            ("sensor-b", window2.AddSeconds(59)),
        };
        using (var producer = KafkaTestClients.Producer(_kafka.BootstrapServers))
        {
            foreach (var (key, at) in events)
                producer.Produce(input, new Message<string, string> { Key = key, Value = "reading", Timestamp = new Timestamp(at) });
            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(10)));
        }

        var stateDir = Directory.CreateTempSubdirectory("streamiz-test-");
        var config = new StreamConfig<StringSerDes, StringSerDes>
        {
            ApplicationId = applicationId,
            BootstrapServers = _kafka.BootstrapServers,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            StateDir = stateDir.FullName,
            CommitIntervalMs = 200,
            // Streamiz logs every state transition at Information; keep test output to what matters.
            Logger = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning).AddConsole()),
        };
        using (var stream = new KafkaStream(BuildTopology(input, output), config))
        {
            await stream.StartAsync();
            // Every update is emitted; the latest per key and window is the final count. 10 inputs => 10 updates.
            var updates = await KafkaTestClients.ReadAtLeastAsync(_kafka.BootstrapServers, output, events.Length, TimeSpan.FromSeconds(25));

            var finalCounts = updates
                .GroupBy(u => u.Message.Key)
                .ToDictionary(g => g.Key, g => g.Max(u => long.Parse(u.Message.Value)));
            var expected = new Dictionary<string, long>
            {
                [$"sensor-a@{window1.ToUnixTimeMilliseconds()}"] = 3,
                [$"sensor-b@{window1.ToUnixTimeMilliseconds()}"] = 1,
                [$"sensor-a@{window2.ToUnixTimeMilliseconds()}"] = 2,
                [$"sensor-b@{window2.ToUnixTimeMilliseconds()}"] = 4,
            };
            Assert.Equal(expected, finalCounts);
        }
        stateDir.Delete(recursive: true);
    }

    /// <summary>Counts per key in 1-minute tumbling windows; output key "key@windowStartMs", value the count.</summary>
    private static Topology BuildTopology(string input, string output)
    {
        var builder = new StreamBuilder();
        builder.Stream<string, string>(input)
            .GroupByKey()
            .WindowedBy(TumblingWindowOptions.Of(TimeSpan.FromMinutes(1), TimeSpan.FromHours(1)))
            .Count(InMemoryWindows.As<string, long>(StoreName).WithValueSerdes<Int64SerDes>())
            .ToStream()
            .Map((windowed, count, _) => KeyValuePair.Create($"{windowed.Key}@{windowed.Window.StartMs}", count.ToString()))
            .To<StringSerDes, StringSerDes>(output);
        return builder.Build();
    }
}
