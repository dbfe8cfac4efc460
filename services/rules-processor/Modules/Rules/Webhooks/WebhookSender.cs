using System.Net;
using System.Text;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Pipeline.RulesProcessor.Modules.Rules.Webhooks;

/// <summary>
/// POSTs one request: JSON body, header <c>Idempotency-Key</c>, each attempt under a timeout, bounded retries with
/// exponential backoff and jitter (Polly) for connection errors, timeouts, 408, 429 and 5xx. Another 4xx is the
/// receiver's final answer. Redirects are not followed: the URL's host is the operator's, a redirect's is not.
/// </summary>
public sealed class WebhookSender : IDisposable
{
    public const string IdempotencyHeader = "Idempotency-Key";

    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = Timeout.InfiniteTimeSpan };
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;

    public WebhookSender(RuleActionOptions options, ILogger logger)
    {
        _pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is HttpRequestException or TimeoutRejectedException
                    || args.Outcome.Result is { } r && Retryable(r.StatusCode)),
                MaxRetryAttempts = Math.Max(1, options.WebhookRetries),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.WebhookBackoff,
                MaxDelay = options.WebhookMaxBackoff,
                OnRetry = args =>
                {
                    args.Outcome.Result?.Dispose();
                    logger.LogWarning("Webhook attempt {Attempt} failed ({Outcome}), retrying in {Delay:0.0} s", args.AttemptNumber + 1,
                        args.Outcome.Exception?.Message ?? $"HTTP {(int)args.Outcome.Result!.StatusCode}", args.RetryDelay.TotalSeconds);
                    return ValueTask.CompletedTask;
                },
            })
            .AddTimeout(options.WebhookTimeout)
            .Build();
        Retries = options.WebhookRetries;
    }

    private int Retries { get; }

    /// <summary>Null once the receiver answered 2xx; otherwise what went wrong after the retries.</summary>
    public async Task<string?> SendAsync(WebhookRequest request, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _pipeline.ExecuteAsync(async ct =>
            {
                using var message = new HttpRequestMessage(HttpMethod.Post, request.Url)
                {
                    Content = new StringContent(request.BodyJson, Encoding.UTF8, "application/json"),
                };
                message.Headers.Add(IdempotencyHeader, request.IdempotencyKey);
                return await _http.SendAsync(message, ct).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
            return response.IsSuccessStatusCode ? null : $"the receiver answered HTTP {(int)response.StatusCode}{Tries(response.StatusCode)}";
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutRejectedException && !cancellationToken.IsCancellationRequested)
        {
            return $"{(e is TimeoutRejectedException ? "timed out" : e.Message)} (after {Retries + 1} attempts)";
        }
    }

    private string Tries(HttpStatusCode status) => Retryable(status) ? $" (after {Retries + 1} attempts)" : "";

    private static bool Retryable(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    public void Dispose() => _http.Dispose();
}
