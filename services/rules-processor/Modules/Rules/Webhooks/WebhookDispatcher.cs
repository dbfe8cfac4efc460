using Confluent.Kafka;
using Confluent.SchemaRegistry;
using Microsoft.Extensions.Options;
using Pipeline.Contracts;
using Pipeline.RulesProcessor.Topology;
using Pipeline.ServiceDefaults;
using Pipeline.ServiceDefaults.Kafka;

namespace Pipeline.RulesProcessor.Modules.Rules.Webhooks;

/// <summary>
/// Posts the http actions' requests (iot.rule.http) to their URLs, one consumer group over all processor instances.
/// A request's offset is stored only after it was delivered or its failure was handed to the error action, so a crash
/// posts it again: at-least-once, with the same Idempotency-Key. A failing endpoint holds only its own outbox
/// partition, for its bounded retries; the stream, other partitions and the telemetry chain do not wait for it.
/// </summary>
public sealed class WebhookDispatcher(
    KafkaClientFactory kafka, IOptions<KafkaOptions> kafkaOptions, IOptions<KafkaTopics> topics, IOptions<RuleActionOptions> options,
    RuleBook book, RulesMetrics metrics, ILogger<WebhookDispatcher> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        options.Value.WebhooksEnabled
            ? Task.Factory.StartNew(() => RunAsync(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap()
            : Task.CompletedTask;

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var topic = topics.Value.RuleHttp;
        using var sender = new WebhookSender(options.Value, logger);
        using var registry = SchemaRegistryClients.Create(kafkaOptions.Value);
        var producerConfig = kafka.ProducerConfig("webhook-failures");
        producerConfig.Acks = Acks.All;
        producerConfig.EnableIdempotence = true;
        using var producer = kafka.CreateProducer<string, byte[]>(producerConfig);
        var failures = new WebhookFailures(producer, registry, topics.Value, book);
        var config = kafka.GroupConsumerConfig("webhooks", options.Value.WebhookGroupId);
        config.AutoOffsetReset = AutoOffsetReset.Earliest;
        config.EnableAutoCommit = true;
        config.EnableAutoOffsetStore = false;
        config.SessionTimeoutMs = kafka.Options.SessionTimeoutMs;
        using var consumer = kafka.CreateConsumer<string?, byte[]?>(config,
            b => b.SetErrorHandler((_, e) => logger.LogWarning("Webhook consumer: {Reason}", kafka.Redact(e.Reason))));
        consumer.Subscribe(topic);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                ConsumeResult<string?, byte[]?>? result;
                try
                {
                    result = consumer.Consume(stoppingToken);
                }
                catch (ConsumeException e)
                {
                    logger.LogWarning("Webhook consumer: {Reason}", kafka.Redact(e.Error.Reason));
                    continue;
                }
                if (result?.Message is null)
                    continue;
                await DeliverAsync(result, sender, failures, stoppingToken).ConfigureAwait(false);
                consumer.StoreOffset(result);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            consumer.Close();
        }
    }

    private async Task DeliverAsync(ConsumeResult<string?, byte[]?> result, WebhookSender sender, WebhookFailures failures, CancellationToken stoppingToken)
    {
        if (WebhookRequest.TryRead(result.Message.Value) is not { } request)
        {
            logger.LogError("Record {Position} of the webhook outbox is not a request; skipped", result.TopicPartitionOffset);
            return;
        }
        var error = await sender.SendAsync(request, stoppingToken).ConfigureAwait(false);
        metrics.Rules.Action(request.Rule, "http", succeeded: error is null);
        if (error is null)
            return;
        // The URL is the operator's and may hold a token in its query or user-info: redacted.
        logger.LogWarning("Webhook of rule {Rule} action {Action} failed: {Error}", request.Rule, request.Action, SecretRedaction.Redact(error));
        await failures.ReportAsync(request, error, result.Topic, stoppingToken).ConfigureAwait(false);
    }
}
