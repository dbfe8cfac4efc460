using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Pipeline.RulesProcessor.Hosting;

/// <summary>Healthy only while the stream is RUNNING (not while it starts, rebalances, restores or after an error).</summary>
internal sealed class StreamHealthCheck(StreamStatus status) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(status.IsRunning
            ? HealthCheckResult.Healthy("stream RUNNING")
            : HealthCheckResult.Unhealthy($"stream {status.State?.ToString() ?? "not started"}"));
}
