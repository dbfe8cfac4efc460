using System.Text.RegularExpressions;

namespace Pipeline.Deployment.UnitTests;

/// <summary>docs/operations.md's configuration reference matches the settings the services bind, both ways.</summary>
public sealed partial class OperationsDocTests
{
    private static readonly string Doc = File.ReadAllText(Path.Combine(DockerComposeTests.FindRoot(), "docs", "operations.md"));

    [Fact]
    public void Every_setting_a_service_binds_is_documented()
    {
        var documented = DocumentedKeys();
        var missing = ServiceSettings.All().SelectMany(s => s.Value).Distinct(StringComparer.OrdinalIgnoreCase)
            .Where(k => !documented.Contains(k)).Order().ToList();
        Assert.True(missing.Count == 0, "Not in docs/operations.md: " + string.Join(", ", missing));
    }

    [Fact]
    public void Every_documented_setting_is_bound_by_some_service()
    {
        var all = ServiceSettings.All().SelectMany(s => s.Value).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var unknown = DocumentedKeys().Where(k => !ServiceSettings.Binds(all, k)).Order().ToList();
        Assert.True(unknown.Count == 0, "Documented but bound by no service: " + string.Join(", ", unknown));
    }

    /// <summary>
    /// The keys in the reference tables: the first cell of each row, in backticks, starting with a capital
    /// (Section:Setting, or a root setting such as StateDir). Other tables, such as the embedded ClickHouse
    /// users (`migrator`, ...), also start their rows with a name in backticks and are not settings.
    /// </summary>
    private static HashSet<string> DocumentedKeys() =>
        SettingRow().Matches(Doc).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.OrdinalIgnoreCase);

    [GeneratedRegex(@"^\| `([A-Z][A-Za-z0-9]*(?::[A-Za-z0-9]+)*)` \|", RegexOptions.Multiline)]
    private static partial Regex SettingRow();
}
