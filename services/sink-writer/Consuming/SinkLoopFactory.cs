using ClickHouse.Driver;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.Contracts;
using Pipeline.ServiceDefaults.Kafka;
using Pipeline.SinkWriter.Kafka;
using Pipeline.SinkWriter.Mapping;
using Pipeline.SinkWriter.Observability;
using Pipeline.SinkWriter.Storage;

namespace Pipeline.SinkWriter.Consuming;

/// <summary>Puts together one destination's loop: consumer, in-flight markers, inserter with retries, writer.</summary>
internal sealed class SinkLoopFactory(
    IOptions<SinkWriterOptions> options,
    KafkaClientFactory kafka,
    IOptions<KafkaTopics> topics,
    IClickHouseClient clickHouse,
    RejectionPublisher publisher,
    SinkMetrics metrics,
    ILoggerFactory loggers)
{
    public SinkConsumerLoop Create(SinkDestination destination)
    {
        var settings = options.Value;
        var logger = loggers.CreateLogger($"Pipeline.SinkWriter.{destination.Name}");
        var table = destination.Converter.Table;
        var state = new WriterState();
        var group = $"{settings.ConsumerGroupPrefix}.{destination.Name}";
        var markers = new InflightMarkers(kafka, group);
        IBatchInserter inserter = destination.Converter is RuleRowConverter
            ? new RuleRowInserter(clickHouse, destination.Converter.Columns, new InsertRetry(table, settings, state, metrics, logger, RuleRowInserter.Classify))
            : new BatchInserter(clickHouse, table, destination.Converter.Columns, new InsertRetry(table, settings, state, metrics, logger));
        var kafkaRetry = KafkaRetry.Create($"Kafka write for {table}", settings, e => state.Retrying($"Kafka: {e.Message}"), logger);
        var writer = new BatchWriter(destination, inserter, markers, publisher, kafkaRetry, metrics, state, logger);
        return new SinkConsumerLoop(destination, destination.Topic(topics.Value), kafka, settings,
            writer, markers, state, metrics, logger);
    }
}
