using System.Collections.Concurrent;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pipeline.SinkWriter.Storage;

namespace Pipeline.SinkWriter.Observability;

/// <summary>
/// /healthz for the sink: unhealthy when a consumer loop died, degraded while inserts are being retried
/// (ClickHouse or Kafka unavailable), healthy otherwise.
/// </summary>
internal sealed class SinkHealth : IHealthCheck
{
    private readonly ConcurrentDictionary<string, WriterState> _running = new();
    private readonly ConcurrentDictionary<string, string> _failed = new();

    public void Started(string destination, WriterState state) => _running[destination] = state;

    public void Stopped(string destination) => _running.TryRemove(destination, out _);

    public void Failed(string destination, Exception error)
    {
        _running.TryRemove(destination, out _);
        _failed[destination] = error.Message;
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!_failed.IsEmpty)
            return Task.FromResult(HealthCheckResult.Unhealthy(string.Join("; ", _failed.Select(f => $"{f.Key}: {f.Value}"))));
        var retrying = _running.Where(r => r.Value.IsRetrying).Select(r => $"{r.Key}: {r.Value.Failure}").ToList();
        return Task.FromResult(retrying.Count > 0
            ? HealthCheckResult.Degraded("retrying " + string.Join("; ", retrying))
            : HealthCheckResult.Healthy($"{_running.Count} destinations consuming"));
    }
}
