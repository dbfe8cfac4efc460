using Streamiz.Kafka.Net.Processors;
using Streamiz.Kafka.Net.SerDes;
using Streamiz.Kafka.Net.Stream;

namespace Pipeline.RulesProcessor.Topology;

/// <summary>
/// Writes a stream to a topic partitioned by key, the way the bridge writes iot.telemetry.raw.
/// </summary>
/// <remarks>
/// Streamiz's <c>To(topic, ...)</c> attaches a partitioner that first asks for the topic's partition count, and
/// that lookup builds a whole admin configuration on every record (StreamsProducer.PartitionsFor): about a tenth
/// of the processor's CPU under load (perf); and with Streamiz's default settings it then hashes the key anyway
/// (reshuffle every key). With no partitioner, the producer hashes the key (StreamSettings: the same partitioner as
/// the bridge), so a device's records stay on one partition, in order.
/// </remarks>
public static class KeyPartitionedSink
{
    public static void ToTopic<V>(this IKStream<string, V> stream, string topic, ISerDes<string> keys, ISerDes<V> values) =>
        stream.To(new FixedTopic<V>(topic), keys, values, new RecordTime<V>(), partitioner: null);

    private sealed class FixedTopic<V>(string topic) : ITopicNameExtractor<string, V>
    {
        public string Extract(string key, V value, IRecordContext recordContext) => topic;
    }

    private sealed class RecordTime<V> : IRecordTimestampExtractor<string, V>
    {
        public long Extract(string key, V value, IRecordContext recordContext) => recordContext.Timestamp;
    }
}
