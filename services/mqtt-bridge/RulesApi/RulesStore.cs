using Pipeline.MqttBridge.Kafka;
using Pipeline.RulesSql.Definitions;

namespace Pipeline.MqttBridge.RulesApi;

/// <summary>
/// Writes rules to iot.rules (key = name, value = the definition's JSON, null = deleted) through the bridge's
/// acks=all producer, one change at a time per bridge: a change reads the current version from the view, so the
/// next one must not start before the view has read this one back. Across bridge instances, If-Match is the guard.
/// </summary>
public sealed class RulesStore(BridgeProducer producer, RulesView view, ILogger<RulesStore> logger) : IDisposable
{
    /// <summary>How long a write waits for the view to read it back before answering anyway (Kafka has it already).</summary>
    public static readonly TimeSpan ReadBackTimeout = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _oneChangeAtATime = new(1, 1);

    public bool IsReady => view.IsReady && producer.IsKafkaReachable;

    public string NotReadyReason => !producer.IsKafkaReachable ? "Kafka is not reachable" : $"the rules view is not ready ({view.Status})";

    /// <summary>Runs <paramref name="change"/> (which reads the view and decides) with no other change of this bridge in between.</summary>
    public async Task<T> ChangeAsync<T>(Func<Task<T>> change, CancellationToken ct)
    {
        await _oneChangeAtATime.WaitAsync(ct);
        try
        {
            return await change();
        }
        finally
        {
            _oneChangeAtATime.Release();
        }
    }

    /// <summary>
    /// Stores <paramref name="rule"/> under <paramref name="name"/> (null: a tombstone) and returns once Kafka acknowledged
    /// it and the view has read it back (or <see cref="ReadBackTimeout"/> passed). Null when stored; otherwise Kafka's error.
    /// </summary>
    public async Task<string?> WriteAsync(string name, RuleDefinition? rule)
    {
        var delivered = new TaskCompletionSource<(string? Error, int Partition, long Offset)>(TaskCreationOptions.RunContinuationsAsynchronously);
        producer.Produce(producer.Topics.Rules, name, rule is null ? null : RuleDefinitionJson.ToBytes(rule),
            report => delivered.TrySetResult(report.Error.IsError ? (report.Error.Reason, 0, 0) : (null, report.Partition.Value, report.Offset.Value)));
        // Not cancelled by the client going away: the record is on its way and the view must see it before the next change.
        var (error, partition, offset) = await delivered.Task;
        if (error is not null)
            return error;
        var deadline = DateTime.UtcNow + ReadBackTimeout;
        while (!view.HasApplied(partition, offset) && DateTime.UtcNow < deadline)
            await Task.Delay(10, CancellationToken.None);
        if (!view.HasApplied(partition, offset))
            logger.LogWarning("Rule {Rule} stored at {Partition}/{Offset} but not read back within {Timeout}", name, partition, offset, ReadBackTimeout);
        if (rule is null)
            logger.LogInformation("Rule {Rule} deleted", name);
        else
            logger.LogInformation("Rule {Rule} stored, version {Version}", name, rule.Version);
        return null;
    }

    public void Dispose() => _oneChangeAtATime.Dispose();
}
