namespace Pipeline.EmbeddedStack.ClickHouse;

/// <summary>
/// Per-query context that ClickHouse's HTTP interface takes from the request: the current
/// database, query-level settings (URL parameters) and bound {name:Type} parameters.
/// </summary>
public sealed record ChdbQueryOptions
{
    public static readonly ChdbQueryOptions None = new();

    /// <summary>Database that unqualified table names resolve in; null means "default".</summary>
    public string? Database { get; init; }

    /// <summary>Query-level settings, applied for this query only.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Settings { get; init; } = [];

    /// <summary>Values for {name:Type} placeholders, in ClickHouse's escaped text form.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Parameters { get; init; } = [];
}
