using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Pipeline.ServiceDefaults.Kafka.Topics;

/// <summary>What the cluster holds for one topic. <see cref="ConfigsError"/> says why its settings could not be read.</summary>
public sealed record TopicState(string Name, bool Exists, int Partitions, IReadOnlyDictionary<string, string> Configs, Error? ConfigsError)
{
    public string? CleanupPolicy => Configs.GetValueOrDefault(TopicSettings.CleanupPolicy);
}

/// <summary>Reads which topics exist (metadata) and their settings (DescribeConfigs) through one admin client.</summary>
public static class TopicInspector
{
    /// <exception cref="KafkaException">The brokers did not answer the metadata request in time.</exception>
    public static async Task<IReadOnlyList<TopicState>> InspectAsync(IAdminClient admin, IReadOnlyCollection<string> names, TimeSpan timeout)
    {
        var metadata = admin.GetMetadata(timeout);
        var existing = metadata.Topics
            .Where(t => t.Error.Code == ErrorCode.NoError)
            .ToDictionary(t => t.Topic, t => t.Partitions.Count, StringComparer.Ordinal);
        var present = names.Where(existing.ContainsKey).Distinct(StringComparer.Ordinal).ToList();
        var configs = await UnsupportedAdminApi(admin, AnsweringBroker(metadata), timeout).ConfigureAwait(false) is { } unsupported
            ? present.ToDictionary(t => t, _ => (Entries: Empty, Error: (Error?)unsupported), StringComparer.Ordinal)
            : await DescribeAsync(admin, present, timeout).ConfigureAwait(false);
        return names.Select(name => existing.TryGetValue(name, out var partitions)
                ? new TopicState(name, true, partitions, configs.TryGetValue(name, out var c) ? c.Entries : Empty, configs.TryGetValue(name, out var e) ? e.Error : null)
                : new TopicState(name, false, 0, Empty, null))
            .ToList();
    }

    /// <summary>
    /// A broker id the metadata names. The answering broker's id is -1 while librdkafka knows it only as a bootstrap
    /// address, and a request to broker -1 waits for a broker that never appears, until the timeout.
    /// </summary>
    public static int AnsweringBroker(Metadata metadata) =>
        metadata.OriginatingBrokerId >= 0 || metadata.Brokers.Count == 0 ? metadata.OriginatingBrokerId : metadata.Brokers[0].BrokerId;

    /// <summary>
    /// Null when the broker has the configuration admin API; otherwise why not. Asked for a broker's configuration,
    /// which goes straight to that broker: librdkafka's mock cluster (the embedded Kafka) answers at once that it lacks
    /// DescribeConfigs, whereas a topic's configuration (and CreateTopics) first waits for a controller that the mock
    /// never names, until the timeout. A real broker may refuse this principal the broker's configuration
    /// (ClusterAuthorizationFailed): that still means the API exists.
    /// </summary>
    public static async Task<Error?> UnsupportedAdminApi(IAdminClient admin, int brokerId, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                await admin.DescribeConfigsAsync(
                    [new ConfigResource { Type = ResourceType.Broker, Name = brokerId.ToString(System.Globalization.CultureInfo.InvariantCulture) }],
                    new DescribeConfigsOptions { RequestTimeout = deadline - DateTime.UtcNow }).ConfigureAwait(false);
                return null;
            }
            catch (KafkaException e) when (e.Error.Code == ErrorCode.Local_UnsupportedFeature)
            {
                return e.Error;
            }
            // A local error (the connection still coming up, a request timed out on a loaded machine) says nothing
            // about the API: asking again within the timeout. Found by CI, where a refused probe let provisioning on
            // the mock cluster go on to CreateTopics and wait for a controller the mock never names.
            catch (KafkaException e) when (e.Error.IsLocalError && DateTime.UtcNow + TimeSpan.FromMilliseconds(200) < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100)).ConfigureAwait(false);
            }
            catch (KafkaException)
            {
                return null;
            }
        }
    }

    private static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>();

    private static async Task<Dictionary<string, (IReadOnlyDictionary<string, string> Entries, Error? Error)>> DescribeAsync(
        IAdminClient admin, IReadOnlyList<string> topics, TimeSpan timeout)
    {
        var result = new Dictionary<string, (IReadOnlyDictionary<string, string>, Error?)>(StringComparer.Ordinal);
        if (topics.Count == 0)
            return result;
        var resources = topics.Select(t => new ConfigResource { Type = ResourceType.Topic, Name = t }).ToList();
        try
        {
            var described = await admin.DescribeConfigsAsync(resources, new DescribeConfigsOptions { RequestTimeout = timeout }).ConfigureAwait(false);
            foreach (var d in described)
                result[d.ConfigResource.Name] = (Values(d.Entries), null);
        }
        catch (DescribeConfigsException e)
        {
            foreach (var report in e.Results)
                result[report.ConfigResource.Name] = (Values(report.Entries), report.Error.IsError ? report.Error : null);
        }
        catch (KafkaException e)
        {
            // The request as a whole failed (no answer, or a broker without the API): no topic's settings are known.
            foreach (var t in topics)
                result[t] = (Empty, e.Error);
        }
        return result;
    }

    private static IReadOnlyDictionary<string, string> Values(Dictionary<string, ConfigEntryResult>? entries) =>
        entries?.Where(e => e.Value.Value is not null).ToDictionary(e => e.Key, e => e.Value.Value, StringComparer.Ordinal) ?? (IReadOnlyDictionary<string, string>)Empty;
}
