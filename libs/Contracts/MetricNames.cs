namespace Pipeline.Contracts;

/// <summary>
/// Metric names the storage takes as they are: a plain ClickHouse identifier (letters, digits, underscore,
/// not starting with a digit), so a name can become a column or a map key in a query without quoting.
/// One rule for the whole pipeline: the bridge refuses a name before it acknowledges the publish, so a
/// value it acknowledged is never refused later by the processor.
/// </summary>
public static class MetricNames
{
    public const string Rule = "letters, digits and '_', not starting with a digit";

    /// <summary>The processor's default limit (Rules:Validate:MaxMetricNameLength) and the bridge's.</summary>
    public const int DefaultMaxLength = 64;

    /// <summary>The processor's default (Rules:Validate:MaxMetrics) and the bridge's limit per message.</summary>
    public const int DefaultMaxMetrics = 100;

    public static bool IsValid(string name, int maxLength)
    {
        if (string.IsNullOrEmpty(name) || name.Length > maxLength || char.IsAsciiDigit(name[0]))
            return false;
        foreach (var c in name)
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
                return false;
        return true;
    }
}
