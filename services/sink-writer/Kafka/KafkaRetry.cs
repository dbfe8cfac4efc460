using Confluent.Kafka;
using Confluent.SchemaRegistry;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace Pipeline.SinkWriter.Kafka;

/// <summary>
/// Retries the sink's own Kafka writes (in-flight markers, rejections) while Kafka or the Schema Registry is
/// unavailable: exponential backoff with jitter, until it works or the caller gives up (shutdown, revoke).
/// </summary>
internal static class KafkaRetry
{
    public static ResiliencePipeline Create(string what, SinkWriterOptions options, Action<Exception> onRetry, ILogger logger) =>
        new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder()
                    .Handle<KafkaException>()
                    .Handle<SchemaRegistryException>()
                    .Handle<HttpRequestException>()
                    .Handle<TimeoutException>(),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.RetryMaxDelay,
                OnRetry = args =>
                {
                    onRetry(args.Outcome.Exception!);
                    if (args.AttemptNumber % 10 == 0)
                        logger.LogWarning("{What} failed (attempt {Attempt}), retrying in {Delay:0.0} s: {Message}",
                            what, args.AttemptNumber + 1, args.RetryDelay.TotalSeconds, args.Outcome.Exception?.Message);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
}
