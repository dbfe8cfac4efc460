namespace Pipeline.Cli.Supervision;

/// <summary>The consumer groups `up` waits on when it stops (<see cref="PipelineDrain"/>): shared by all instances of a service.</summary>
public sealed partial class PipelineServices
{
    /// <summary>The processor's consumer group (its Streamiz application id) and the streams it reads (telemetry, shadow requests).</summary>
    public IReadOnlyList<PipelineDrain.GroupTopics> RulesGroups =>
        [new(_configuration["Rules:ApplicationId"] ?? "rules-processor", Topics.TelemetryRaw, Topics.ShadowRequests)];

    /// <summary>The sink's groups, "&lt;prefix&gt;.&lt;table&gt;", one per destination table, and the topic each reads.</summary>
    public IReadOnlyList<PipelineDrain.GroupTopics> SinkGroups
    {
        get
        {
            var prefix = _configuration["SinkWriter:ConsumerGroupPrefix"] ?? "sink-writer";
            return
            [
                new($"{prefix}.telemetry", Topics.TelemetryEnriched),
                new($"{prefix}.telemetry_1m", Topics.TelemetryAgg1m),
                new($"{prefix}.events", Topics.EventsRaw),
                new($"{prefix}.rejected", Topics.Rejected),
                new($"{prefix}.devices", Topics.Devices),
                new($"{prefix}.shadow_history", Topics.Shadows),
                new($"{prefix}.connectivity", Topics.Connectivity),
            ];
        }
    }

    private static Pipeline.Contracts.KafkaTopics Topics { get; } = new();
}
