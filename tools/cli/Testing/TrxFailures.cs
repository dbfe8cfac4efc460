using System.Xml.Linq;

namespace Pipeline.Cli.Testing;

/// <summary>
/// The tests a TRX report records as not passed, with the first line of their error: printed again
/// after the closing count so that the tail of a long CI log alone says what broke.
/// </summary>
public static class TrxFailures
{
    private static readonly HashSet<string> NotPassed = ["Failed", "Error", "Timeout", "Aborted"];

    public static IReadOnlyList<string> ReadAll(string directory)
    {
        if (!Directory.Exists(directory)) return [];
        return Directory.GetFiles(directory, "*.trx", SearchOption.AllDirectories)
            .SelectMany(Read)
            .ToList();
    }

    public static IEnumerable<string> Read(string trxFile)
    {
        foreach (var result in XDocument.Load(trxFile).Descendants().Where(e => e.Name.LocalName == "UnitTestResult"))
        {
            if (!NotPassed.Contains(result.Attribute("outcome")?.Value ?? "")) continue;
            var message = result.Descendants().FirstOrDefault(e => e.Name.LocalName == "Message")?.Value ?? "";
            var firstLine = message.Split('\n', 2)[0].Trim();
            if (firstLine.Length > 300) firstLine = firstLine[..300] + "...";
            yield return $"{result.Attribute("testName")?.Value}: {firstLine}";
        }
    }
}
