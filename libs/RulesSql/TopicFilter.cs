namespace Pipeline.RulesSql;

/// <summary>An MQTT topic filter (MQTT 3.1.1 §4.7): levels split by '/', '+' matches exactly one
/// level, '#' as the last level matches that level's parent and everything below it. As MQTT
/// requires, a filter that starts with a wildcard does not match topics starting with '$'.</summary>
public sealed class TopicFilter
{
    private readonly string[] _levels;

    private TopicFilter(string text, string[] levels)
    {
        Text = text;
        _levels = levels;
    }

    public string Text { get; }

    /// <summary>Checks the filter; a bad one throws RuleSqlException pointing into the filter.</summary>
    public static TopicFilter Parse(string filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var error = Check(filter, out var at);
        if (error is not null) throw RuleSqlException.At(filter, at, error);
        return new TopicFilter(filter, filter.Split('/'));
    }

    /// <summary>The reason the filter is not valid and the offset in it, or null when it is.</summary>
    internal static string? Check(string filter, out int offset)
    {
        offset = 0;
        if (filter.Length == 0) return "the topic filter is empty";
        for (var i = 0; i < filter.Length; i++)
        {
            offset = i;
            var c = filter[i];
            var startsLevel = i == 0 || filter[i - 1] == '/';
            var endsLevel = i == filter.Length - 1 || filter[i + 1] == '/';
            switch (c)
            {
                case '\0':
                    return "a topic filter cannot contain the NUL character";
                case '+' when !(startsLevel && endsLevel):
                    return "'+' must be a whole topic level, as in 'devices/+/telemetry'";
                case '#' when !(startsLevel && i == filter.Length - 1):
                    return "'#' must be the last topic level, as in 'devices/#'";
            }
        }
        return null;
    }

    public bool Matches(string topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        // A topic name is never empty and never holds wildcards; '$' topics are for the broker.
        if (topic.Length == 0 || topic.AsSpan().IndexOfAny('+', '#') >= 0) return false;
        if (topic[0] == '$' && _levels[0] is "+" or "#") return false;
        var levelStart = 0; // past topic.Length once every topic level was consumed
        foreach (var level in _levels)
        {
            if (level == "#") return true; // also matches the parent: 'a/#' matches 'a'
            if (levelStart > topic.Length) return false;
            var slash = topic.IndexOf('/', levelStart);
            var levelEnd = slash < 0 ? topic.Length : slash;
            if (level != "+" && !topic.AsSpan(levelStart, levelEnd - levelStart).SequenceEqual(level)) return false;
            levelStart = levelEnd + 1;
        }
        return levelStart > topic.Length;
    }

    public override string ToString() => Text;
}
