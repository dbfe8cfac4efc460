namespace Pipeline.MqttBridge.Policy;

public enum TopicKind
{
    Telemetry,
    Events,
    Shadow,
}

/// <summary>
/// Which topics a device may use: everything happens under devices/&lt;its id&gt;/. Publishing is
/// only meaningful on .../telemetry and .../events; subscriptions may use wildcards only below the
/// device's own prefix, so no filter can ever match another device's topics or $SYS.
/// </summary>
public static class TopicPolicy
{
    public const int MaxTopicLength = 512;

    /// <summary>The topic kind, or the refusal (0x87 outside the prefix, 0x90 not a topic the pipeline knows).</summary>
    public static (TopicKind Kind, Refusal? Refusal) ClassifyPublish(string deviceId, string? topic)
    {
        // Every publish passes here: the usual topic is told apart without allocating (no prefix string, no substring).
        if (topic is not null && IsPlainTopicOf(deviceId, topic, out var plainRest))
        {
            if (plainRest.SequenceEqual("telemetry"))
                return (TopicKind.Telemetry, null);
            if (plainRest.SequenceEqual("events"))
                return (TopicKind.Events, null);
        }
        if (CheckCommon(deviceId, topic, "topic") is { } refusal)
            return (default, refusal);
        if (topic!.Contains('+') || topic.Contains('#'))
            return (default, Refusal.NotAuthorized($"topic '{Shown(topic)}' contains a wildcard; publish topics cannot"));
        var rest = topic[Prefix(deviceId).Length..];
        return rest switch
        {
            "telemetry" => (TopicKind.Telemetry, null),
            "events" => (TopicKind.Events, null),
            "commands" => (default, Refusal.InvalidTopic($"devices receive commands on '{topic}'; they cannot publish to it")),
            _ when rest == "shadow" || rest.StartsWith("shadow/", StringComparison.Ordinal) =>
                Shadows.ShadowTopic.Parse(rest).Refusal is { } shadowRefusal ? (default, shadowRefusal) : (TopicKind.Shadow, null),
            _ => (default, Refusal.InvalidTopic($"'{Shown(topic)}' is not a pipeline topic; publish to {Prefix(deviceId)}telemetry or {Prefix(deviceId)}events")),
        };
    }

    /// <summary>Null when the device may subscribe to <paramref name="filter"/>.</summary>
    public static Refusal? CheckSubscription(string deviceId, string? filter)
    {
        if (filter is not null && filter.StartsWith("$share/", StringComparison.Ordinal))
            return Refusal.NotAuthorized("shared subscriptions are not allowed");
        if (CheckCommon(deviceId, filter, "topic filter") is { } refusal)
            return refusal;
        var levels = filter!.Split('/');
        for (var i = 0; i < levels.Length; i++)
        {
            var level = levels[i];
            if (level.Contains('#') && (level != "#" || i != levels.Length - 1))
                return Refusal.InvalidTopic($"'#' must be a whole level at the end of a filter: '{Shown(filter)}'");
            if (level.Contains('+') && level != "+")
                return Refusal.InvalidTopic($"'+' must be a whole level: '{Shown(filter)}'");
        }
        return null;
    }

    public static string Prefix(string deviceId) => $"devices/{deviceId}/";

    private const string DevicesLevel = "devices/";

    // Characters that make a topic need the full checks (CheckCommon's, and the wildcard check): NUL and the other
    // control characters (char.IsControl), U+FFFD (bytes that were not UTF-8), '+' and '#'.
    private static readonly System.Buffers.SearchValues<char> NeedsFullCheck = System.Buffers.SearchValues.Create(
        string.Concat(Enumerable.Range(0, 0x20).Concat(Enumerable.Range(0x7F, 0x21)).Select(c => (char)c)) + "\uFFFD+#");

    /// <summary>
    /// True for a topic under the device's prefix with none of the characters the full checks look for;
    /// <paramref name="rest"/> is what follows the prefix. A rest of one plain level (the caller compares it with the
    /// topic names) passes every check of <see cref="CheckCommon"/>. False says nothing: the full checks decide.
    /// </summary>
    private static bool IsPlainTopicOf(string deviceId, string topic, out ReadOnlySpan<char> rest)
    {
        rest = default;
        var prefixLength = DevicesLevel.Length + deviceId.Length + 1;
        if (topic.Length <= prefixLength || topic.Length > MaxTopicLength
            || !topic.StartsWith(DevicesLevel, StringComparison.Ordinal)
            || !topic.AsSpan(DevicesLevel.Length, deviceId.Length).SequenceEqual(deviceId) || topic[prefixLength - 1] != '/'
            || topic.AsSpan().IndexOfAny(NeedsFullCheck) >= 0)
            return false;
        rest = topic.AsSpan(prefixLength);
        return true;
    }

    private static Refusal? CheckCommon(string deviceId, string? topic, string what)
    {
        if (string.IsNullOrEmpty(topic))
            return Refusal.InvalidTopic($"the {what} is empty");
        if (topic.Length > MaxTopicLength)
            return Refusal.InvalidTopic($"the {what} is longer than {MaxTopicLength} characters");
        if (topic.Contains('\0'))
            return Refusal.NotAuthorized($"the {what} contains a NUL character");
        // MQTTnet decodes invalid UTF-8 to U+FFFD, so a replacement character means the bytes were not UTF-8
        // (or the device really sent U+FFFD, which no legitimate topic needs).
        if (topic.Contains('\uFFFD'))
            return Refusal.InvalidTopic($"the {what} is not valid UTF-8");
        if (topic.Any(char.IsControl))
            return Refusal.InvalidTopic($"the {what} contains control characters");
        if (topic.StartsWith('$'))
            return Refusal.NotAuthorized($"'{Shown(topic)}' is a server topic");
        var prefix = Prefix(deviceId);
        if (!topic.StartsWith(prefix, StringComparison.Ordinal) || topic.Length == prefix.Length)
            return Refusal.NotAuthorized($"'{Shown(topic)}' is outside {prefix}");
        if (topic.Contains("//", StringComparison.Ordinal) || topic.EndsWith('/'))
            return Refusal.NotAuthorized($"'{Shown(topic)}' has an empty level");
        return null;
    }

    private static string Shown(string topic) => topic.Length <= 100 ? topic : topic[..100] + "...";
}
