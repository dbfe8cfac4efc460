namespace Pipeline.RulesSql;

/// <summary>What a rule knows about a message besides its JSON: the topic it was published on,
/// the publishing client, the time the rules engine saw it, and the enrichment attributes of the
/// device (site, model, ...), read with attribute('site').</summary>
public sealed class RuleContext(string topic, string? clientId, long timestampMs, IReadOnlyDictionary<string, string>? attributes = null)
{
    private string[]? _levels;

    public string Topic { get; } = topic ?? throw new ArgumentNullException(nameof(topic));
    public string? ClientId { get; } = clientId;
    public long TimestampMs { get; } = timestampMs;
    public IReadOnlyDictionary<string, string> Attributes { get; } = attributes ?? EmptyAttributes;

    /// <summary>The topic's levels, split once per message however many topic(n) calls read it.</summary>
    internal string[] TopicLevels => _levels ??= Topic.Split('/');

    private static readonly IReadOnlyDictionary<string, string> EmptyAttributes = new Dictionary<string, string>();
}
