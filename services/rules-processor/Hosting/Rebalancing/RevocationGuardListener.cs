using Confluent.Kafka;
using Streamiz.Kafka.Net.Kafka;

namespace Pipeline.RulesProcessor.Hosting.Rebalancing;

/// <summary>
/// Streamiz's rebalance listener, with the revocation marked (for <see cref="RevocationTolerantConsumer"/>) and a failure
/// inside it turned into a stop of the process: Streamiz would otherwise keep its stream thread asleep for good
/// (see <see cref="RevocationTolerantKafkaSupplier"/>). What reaches this catch is what the consumer did not absorb: under
/// exactly-once, a transaction commit refused because the producer was fenced (Streamiz's TaskMigratedException).
/// </summary>
public sealed class RevocationGuardListener(IConsumerRebalanceListener inner, RevocationWindow revocation, ILogger log, Action<Exception> onUnrecoverable)
    : IConsumerRebalanceListener
{
    public void PartitionsAssigned(IConsumer<byte[], byte[]> consumer, List<TopicPartition> partitions) => inner.PartitionsAssigned(consumer, partitions);

    public void PartitionsRevoked(IConsumer<byte[], byte[]> consumer, List<TopicPartitionOffset> partitions)
    {
        revocation.IsOpen = true;
        try
        {
            inner.PartitionsRevoked(consumer, partitions);
        }
        catch (Exception e)
        {
            log.LogCritical(e, "Giving up partitions {Partitions} in a rebalance failed; Streamiz's stream thread cannot go on after that, so the "
                + "processor stops and its supervisor starts it again", string.Join(", ", partitions.Select(p => p.TopicPartition)));
            onUnrecoverable(e);
            throw;
        }
        finally
        {
            revocation.IsOpen = false;
        }
    }

    public void PartitionsLost(IConsumer<byte[], byte[]> consumer, List<TopicPartitionOffset> partitions) => inner.PartitionsLost(consumer, partitions);
}
