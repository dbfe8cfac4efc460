using Microsoft.Extensions.Logging;
using Pipeline.SinkWriter.Observability;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Pipeline.SinkWriter.Storage;

/// <summary>
/// Runs one insert until ClickHouse either accepts it or refuses its data: transient and environment
/// failures are retried without end, with exponential backoff and jitter (Polly), each attempt under a
/// timeout. Retrying is safe because every attempt of a batch carries the same deduplication token.
/// </summary>
internal sealed class InsertRetry
{
    private readonly ResiliencePipeline<Exception?> _pipeline;
    private readonly Func<Exception, InsertFailureKind> _classify;

    /// <param name="classify">Which failures are refusals of the data; <see cref="InsertFailure.Classify"/> unless given.</param>
    public InsertRetry(string table, SinkWriterOptions options, WriterState state, SinkMetrics metrics, ILogger logger,
        Func<Exception, InsertFailureKind>? classify = null)
    {
        _classify = classify ?? InsertFailure.Classify;
        var classifyFailure = _classify;
        _pipeline = new ResiliencePipelineBuilder<Exception?>()
            .AddRetry(new RetryStrategyOptions<Exception?>
            {
                // Refusals come back as results; any exception here is transient or environmental,
                // unless the caller gave up (shutdown, partition revoked).
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is not null && !args.Context.CancellationToken.IsCancellationRequested),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.RetryMaxDelay,
                OnRetry = args =>
                {
                    var failure = args.Outcome.Exception!;
                    var kind = failure is TimeoutRejectedException ? InsertFailureKind.Transient : classifyFailure(failure);
                    state.Retrying($"{kind}: {InsertFailure.Describe(failure)}");
                    metrics.InsertRetries.WithLabels(table, kind.ToString().ToLowerInvariant()).Inc();
                    // The first failure and then every tenth, so an outage is visible without flooding the log.
                    if (args.AttemptNumber % 10 == 0)
                        logger.Log(kind == InsertFailureKind.Environment ? LogLevel.Error : LogLevel.Warning,
                            "Insert into {Table} failed ({Kind}, attempt {Attempt}), retrying in {Delay:0.0} s with the same deduplication token: {Message}",
                            table, kind, args.AttemptNumber + 1, args.RetryDelay.TotalSeconds, InsertFailure.Describe(failure));
                    return ValueTask.CompletedTask;
                },
            })
            .AddTimeout(options.InsertTimeout)
            .Build();
    }

    /// <summary>Null once ClickHouse accepted the insert; the refusal when ClickHouse refused the data.</summary>
    public async Task<Exception?> RunAsync(Func<CancellationToken, Task> insert, CancellationToken cancellationToken) =>
        await _pipeline.ExecuteAsync(async ValueTask<Exception?> (Func<CancellationToken, Task> insert, CancellationToken token) =>
        {
            try
            {
                await insert(token).ConfigureAwait(false);
                return null;
            }
            catch (Exception e) when (!token.IsCancellationRequested && _classify(e) == InsertFailureKind.Refused)
            {
                return e;
            }
        }, insert, cancellationToken).ConfigureAwait(false);
}
