using System.Xml.Linq;

namespace Pipeline.Cli.Testing;

/// <summary>The outcome counters of TRX reports (VSTest's XML result format, ResultSummary/Counters).</summary>
public sealed record TrxCounts(int Passed, int Failed, int Skipped)
{
    public static TrxCounts operator +(TrxCounts a, TrxCounts b) =>
        new(a.Passed + b.Passed, a.Failed + b.Failed, a.Skipped + b.Skipped);

    /// <summary>Sums every .trx under the folder; null when there is none.</summary>
    public static TrxCounts? ReadAll(string directory)
    {
        if (!Directory.Exists(directory)) return null;
        var files = Directory.GetFiles(directory, "*.trx", SearchOption.AllDirectories);
        if (files.Length == 0) return null;
        return files.Select(Read).Aggregate((a, b) => a + b);
    }

    public static TrxCounts Read(string trxFile)
    {
        var counters = XDocument.Load(trxFile).Descendants().First(e => e.Name.LocalName == "Counters");
        int Get(string name) => int.TryParse(counters.Attribute(name)?.Value, out var v) ? v : 0;
        // "failed" alone misses tests that errored, timed out or were aborted by a crashed host.
        var failed = Get("failed") + Get("error") + Get("timeout") + Get("aborted");
        return new TrxCounts(Get("passed"), failed, Get("notExecuted"));
    }
}
