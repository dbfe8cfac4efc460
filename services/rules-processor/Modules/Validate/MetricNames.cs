namespace Pipeline.RulesProcessor.Modules.Validate;

/// <summary>
/// Metric names the storage takes as they are: a plain ClickHouse identifier (letters, digits, underscore,
/// not starting with a digit), so a name can become a column or a map key in a query without quoting.
/// </summary>
public static class MetricNames
{
    public const string Rule = "letters, digits and '_', not starting with a digit";

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
