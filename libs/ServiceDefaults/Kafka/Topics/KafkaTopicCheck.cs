using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Pipeline.ServiceDefaults.Kafka.Topics;

/// <summary>
/// At start, after <see cref="KafkaAccessCheck"/> and before the service's own parts: the topics the service relies on
/// (every <see cref="TopicNeed"/> registered with <see cref="TopicCheckRegistration.AddTopicNeeds"/>) exist, and its
/// changelogs have cleanup.policy=compact. Otherwise the start fails naming the topic and the setting (exit 78).
/// Kafka not answering is not an error here (the clients wait for it). A broker that cannot describe topic
/// settings (the embedded mock cluster has no DescribeConfigs) gets the existence check only, with a warning.
/// </summary>
public sealed class KafkaTopicCheck(
    KafkaClientFactory kafka, IEnumerable<TopicNeeds> needs, ILogger<KafkaTopicCheck> logger, IServiceProvider services) : IHostedService
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var all = needs.SelectMany(n => n.Resolve(services)).GroupBy(n => n.Name, StringComparer.Ordinal)
            .Select(g => new TopicNeed(g.Key, g.Any(n => n.MustExist), g.Any(n => n.MustCompact))).ToList();
        if (all.Count == 0)
            return;
        await VerifyAsync(kafka, all, DefaultTimeout, logger).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Returns when the topics are right, or Kafka could not be asked; throws <see cref="KafkaTopicsException"/> otherwise.</summary>
    public static async Task VerifyAsync(KafkaClientFactory kafka, IReadOnlyList<TopicNeed> needs, TimeSpan timeout, ILogger logger)
    {
        IReadOnlyList<TopicState> states;
        using (var admin = kafka.CreateAdmin(kafka.AdminConfig("topic-check")))
        {
            try
            {
                states = await Task.Run(() => TopicInspector.InspectAsync(admin, needs.Select(n => n.Name).ToList(), timeout)).ConfigureAwait(false);
            }
            catch (KafkaException e)
            {
                logger.LogWarning("Could not check the topics this service needs ({Reason}); starting anyway, the clients keep trying", kafka.Redact(e.Error.Reason));
                return;
            }
        }
        var problems = Problems(needs, states, out var unchecked_);
        if (problems.Count > 0)
            throw new KafkaTopicsException(string.Join(" ", problems));
        if (unchecked_.Count > 0)
            logger.LogWarning("Kafka did not describe the settings of {Topics} ({Reason}); their cleanup.policy is not checked. "
                + "The embedded mock cluster cannot; a real broker can (grant DescribeConfigs on them, docs/operations.md)",
                string.Join(", ", unchecked_.Select(u => u.Name)), kafka.Redact(unchecked_[0].ConfigsError!.Reason));
        else
            logger.LogInformation("Kafka topics checked: {Count} present, changelogs compacted", states.Count(s => s.Exists));
    }

    /// <summary>The refusals, each naming the topic and the setting; <paramref name="unchecked_"/> the changelogs whose policy was not readable.</summary>
    internal static List<string> Problems(IReadOnlyList<TopicNeed> needs, IReadOnlyList<TopicState> states, out List<TopicState> unchecked_)
    {
        var byName = states.ToDictionary(s => s.Name, StringComparer.Ordinal);
        var problems = new List<string>();
        unchecked_ = [];
        foreach (var need in needs)
        {
            var state = byName[need.Name];
            if (!state.Exists)
            {
                if (need.MustExist)
                    problems.Add($"Kafka topic '{need.Name}' does not exist: create the topics with ./pipeline topics provision (docs/operations.md), "
                        + "or check Topics:* if this service was given another name for it.");
                continue;
            }
            if (!need.MustCompact)
                continue;
            if (state.ConfigsError is { } error)
            {
                if (error.Code is ErrorCode.TopicAuthorizationFailed or ErrorCode.ClusterAuthorizationFailed)
                    problems.Add($"Kafka topic '{need.Name}': this service may not read its cleanup.policy ({error.Code}); grant it DescribeConfigs on the topic (docs/operations.md).");
                else
                    unchecked_.Add(state);
                continue;
            }
            if (!TopicSettings.Compacts(state.CleanupPolicy))
                problems.Add($"Kafka topic '{need.Name}' has {TopicSettings.CleanupPolicy}={state.CleanupPolicy ?? "(unset)"}; it is a changelog and needs "
                    + $"{TopicSettings.CleanupPolicy}=compact, or it forgets its keys after the retention time: ./pipeline topics provision --fix-config changes it.");
        }
        return problems;
    }
}

/// <summary>A service's contribution to the start-up topic check, resolved when the host starts (options are bound by then).</summary>
public sealed class TopicNeeds(Func<IServiceProvider, IEnumerable<TopicNeed>> resolve)
{
    public IEnumerable<TopicNeed> Resolve(IServiceProvider services) => resolve(services);
}

public static class TopicCheckRegistration
{
    /// <summary>Adds topics to this service's start-up check (<see cref="KafkaTopicCheck"/>).</summary>
    public static IServiceCollection AddTopicNeeds(this IServiceCollection services, Func<IServiceProvider, IEnumerable<TopicNeed>> needs)
    {
        services.AddSingleton(new TopicNeeds(needs));
        return services;
    }
}
