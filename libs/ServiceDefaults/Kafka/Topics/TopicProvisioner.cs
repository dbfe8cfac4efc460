using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Pipeline.ServiceDefaults.Kafka.Topics;

/// <summary>A setting of an existing topic that differs from the plan.</summary>
public sealed record TopicMismatch(string Topic, string Setting, string? Actual, string Expected);

/// <summary>What one provisioning run did and found.</summary>
public sealed record ProvisionReport(
    IReadOnlyList<string> Created, IReadOnlyList<string> AlreadyRight, IReadOnlyList<TopicMismatch> Mismatches,
    IReadOnlyList<TopicMismatch> Fixed, IReadOnlyList<string> Unchecked, IReadOnlyList<string> Failures)
{
    /// <summary>Nothing left to do: every topic exists with the plan's cleanup.policy and min.insync.replicas.</summary>
    public bool Complete => Mismatches.Count == 0 && Failures.Count == 0 && Unchecked.Count == 0;
}

/// <summary>
/// Creates the plan's missing topics through the admin API and compares the existing ones with the plan. An existing
/// topic's settings are only changed when asked (<paramref name="fixConfig"/> of <see cref="ProvisionAsync"/>):
/// switching a production topic from delete to compact, or the reverse, changes what it keeps, which an operator
/// should decide. Partition counts are reported, never changed: more partitions move keys to other partitions.
/// </summary>
public static class TopicProvisioner
{
    /// <exception cref="KafkaException">The brokers did not answer the metadata request in time.</exception>
    /// <exception cref="KafkaTopicsException">The broker has no CreateTopics/DescribeConfigs (the embedded mock cluster).</exception>
    public static async Task<ProvisionReport> ProvisionAsync(
        KafkaClientFactory kafka, IReadOnlyList<TopicSpec> plan, bool fixConfig, Action<string> progress, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(kafka);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(progress);
        using var admin = kafka.CreateAdmin(kafka.AdminConfig("topics-provision"));
        var broker = TopicInspector.AnsweringBroker(admin.GetMetadata(timeout));
        if (await TopicInspector.UnsupportedAdminApi(admin, broker, timeout).ConfigureAwait(false) is { } unsupported)
            throw new KafkaTopicsException($"Kafka ({kafka.Options.BootstrapServers}) does not offer the admin API that creates and describes topics "
                + $"({kafka.Redact(unsupported.Reason)}). librdkafka's mock cluster, the embedded Kafka of ./pipeline up, is such a broker: "
                + "the embedded stack creates its topics itself.");
        var states = (await TopicInspector.InspectAsync(admin, plan.Select(p => p.Name).ToList(), timeout).ConfigureAwait(false))
            .ToDictionary(s => s.Name, StringComparer.Ordinal);
        List<string> created = [], right = [], unchecked_ = [], failures = [];
        List<TopicMismatch> mismatches = [], fixedOnes = [];

        foreach (var spec in plan)
        {
            var state = states[spec.Name];
            if (!state.Exists)
            {
                if (await CreateAsync(admin, spec, timeout, kafka).ConfigureAwait(false) is { } failure)
                {
                    failures.Add($"{spec.Name}: {failure}");
                    progress($"FAILED   {spec.Name}: {failure}");
                }
                else
                {
                    created.Add(spec.Name);
                    progress($"created  {spec.Name} ({spec.Partitions} partitions, replication {spec.ReplicationFactor}, {Describe(spec.Configs)})");
                }
                continue;
            }
            if (state.ConfigsError is { } error)
            {
                unchecked_.Add(spec.Name);
                progress($"exists   {spec.Name}, settings unknown: Kafka did not describe them ({error.Code}: {kafka.Redact(error.Reason)})");
                continue;
            }
            var wrong = Differences(spec, state);
            if (state.Partitions < spec.Partitions)
                progress($"note     {spec.Name} has {state.Partitions} partition(s), the plan {spec.Partitions}; not changed (more partitions move keys)");
            if (wrong.Count == 0)
            {
                right.Add(spec.Name);
                progress($"ok       {spec.Name}");
            }
            else
            {
                var alterFailure = fixConfig ? await AlterAsync(admin, spec.Name, wrong, timeout, kafka).ConfigureAwait(false) : null;
                if (fixConfig && alterFailure is null)
                {
                    fixedOnes.AddRange(wrong);
                    progress($"fixed    {spec.Name}: {string.Join(", ", wrong.Select(w => $"{w.Setting} {w.Actual ?? "(unset)"} -> {w.Expected}"))}");
                }
                else
                {
                    mismatches.AddRange(wrong);
                    progress($"WRONG    {spec.Name}: {string.Join(", ", wrong.Select(w => $"{w.Setting}={w.Actual ?? "(unset)"}, the plan has {w.Expected}"))}"
                        + (fixConfig ? $" (could not change it: {alterFailure})" : " (run again with --fix-config to change it)"));
                }
            }
        }
        return new ProvisionReport(created, right, mismatches, fixedOnes, unchecked_, failures);
    }

    private static List<TopicMismatch> Differences(TopicSpec spec, TopicState state)
    {
        var wrong = new List<TopicMismatch>();
        foreach (var (setting, expected) in spec.Configs)
        {
            var actual = state.Configs.GetValueOrDefault(setting);
            var same = setting == TopicSettings.CleanupPolicy
                ? TopicSettings.Compacts(actual) == TopicSettings.Compacts(expected)
                : string.Equals(actual, expected, StringComparison.Ordinal);
            if (!same)
                wrong.Add(new TopicMismatch(spec.Name, setting, actual, expected));
        }
        return wrong;
    }

    private static async Task<string?> CreateAsync(IAdminClient admin, TopicSpec spec, TimeSpan timeout, KafkaClientFactory kafka)
    {
        try
        {
            await admin.CreateTopicsAsync(
                [new TopicSpecification { Name = spec.Name, NumPartitions = spec.Partitions, ReplicationFactor = spec.ReplicationFactor,
                    Configs = spec.Configs.ToDictionary(c => c.Key, c => c.Value) }],
                new CreateTopicsOptions { RequestTimeout = timeout, OperationTimeout = timeout }).ConfigureAwait(false);
            return null;
        }
        catch (CreateTopicsException e) when (e.Results.All(r => r.Error.Code == ErrorCode.TopicAlreadyExists))
        {
            return null; // created meanwhile by another run
        }
        catch (CreateTopicsException e)
        {
            var error = e.Results.First(r => r.Error.IsError).Error;
            return $"{error.Code}: {kafka.Redact(error.Reason)}";
        }
        catch (KafkaException e)
        {
            return $"{e.Error.Code}: {kafka.Redact(e.Error.Reason)}";
        }
    }

    private static async Task<string?> AlterAsync(IAdminClient admin, string topic, List<TopicMismatch> wrong, TimeSpan timeout, KafkaClientFactory kafka)
    {
        try
        {
            await admin.IncrementalAlterConfigsAsync(
                new Dictionary<ConfigResource, List<ConfigEntry>>
                {
                    [new ConfigResource { Type = ResourceType.Topic, Name = topic }] =
                        wrong.Select(w => new ConfigEntry { Name = w.Setting, Value = w.Expected, IncrementalOperation = AlterConfigOpType.Set }).ToList(),
                },
                new IncrementalAlterConfigsOptions { RequestTimeout = timeout }).ConfigureAwait(false);
            return null;
        }
        catch (IncrementalAlterConfigsException e)
        {
            var error = e.Results.First(r => r.Error.IsError).Error;
            return $"{error.Code}: {kafka.Redact(error.Reason)}";
        }
        catch (KafkaException e)
        {
            return $"{e.Error.Code}: {kafka.Redact(e.Error.Reason)}";
        }
    }

    private static string Describe(IReadOnlyDictionary<string, string> configs) => string.Join(", ", configs.Select(c => $"{c.Key}={c.Value}"));
}
