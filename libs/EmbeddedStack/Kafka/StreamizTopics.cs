namespace Pipeline.EmbeddedStack.Kafka;

/// <summary>
/// Names of the internal topics a Streamiz (Kafka Streams) application uses. The mock cluster has no CreateTopics
/// API, so they must exist before the application starts, or it never produces output.
/// </summary>
public static class StreamizTopics
{
    /// <summary>Changelog topic of a state store: <c>&lt;application.id&gt;-&lt;store&gt;-changelog</c>.</summary>
    public static string Changelog(string applicationId, string storeName) => $"{applicationId}-{storeName}-changelog";

    /// <summary>Repartition topic: <c>&lt;application.id&gt;-&lt;name&gt;-repartition</c> (name as given to the grouping/repartition).</summary>
    public static string Repartition(string applicationId, string repartitionName) => $"{applicationId}-{repartitionName}-repartition";

    /// <summary>All internal topics to pre-create for the given stores and repartition names.</summary>
    public static IReadOnlyList<string> InternalTopics(string applicationId, IEnumerable<string> storeNames, IEnumerable<string> repartitionNames)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(applicationId);
        ArgumentNullException.ThrowIfNull(storeNames);
        ArgumentNullException.ThrowIfNull(repartitionNames);
        return storeNames.Select(s => Changelog(applicationId, s))
            .Concat(repartitionNames.Select(r => Repartition(applicationId, r)))
            .Distinct()
            .ToList();
    }
}
