using System.Xml.Linq;

namespace Pipeline.Cli.Testing;

/// <summary>
/// The tests a TRX report records as not passed, with their error (its first lines, each bounded): printed again
/// after the closing count so that the tail of a long CI log alone says what broke and why.
/// </summary>
public static class TrxFailures
{
    private const int MaxLines = 12;
    private const int MaxLineLength = 300;
    private static readonly HashSet<string> NotPassed = ["Failed", "Error", "Timeout", "Aborted"];

    public static IReadOnlyList<string> ReadAll(string directory)
    {
        if (!Directory.Exists(directory)) return [];
        return Directory.GetFiles(directory, "*.trx", SearchOption.AllDirectories)
            .SelectMany(Read)
            .ToList();
    }

    /// <summary>One entry per failed test: "name: first line", then up to <see cref="MaxLines"/> more lines indented.</summary>
    public static IEnumerable<string> Read(string trxFile)
    {
        foreach (var result in XDocument.Load(trxFile).Descendants().Where(e => e.Name.LocalName == "UnitTestResult"))
        {
            if (!NotPassed.Contains(result.Attribute("outcome")?.Value ?? "")) continue;
            var message = result.Descendants().FirstOrDefault(e => e.Name.LocalName == "Message")?.Value ?? "";
            var lines = message.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).Select(Bounded).ToList();
            var text = $"{result.Attribute("testName")?.Value}: {lines.FirstOrDefault()?.Trim()}";
            foreach (var line in lines.Skip(1).Take(MaxLines))
                text += $"\n    {line}";
            if (lines.Count > MaxLines + 1)
                text += $"\n    ... {lines.Count - MaxLines - 1} more line(s) in the TRX report";
            yield return text;
        }
    }

    private static string Bounded(string line) => line.Length > MaxLineLength ? line[..MaxLineLength] + "..." : line;
}
