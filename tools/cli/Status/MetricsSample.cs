using System.Globalization;

namespace Pipeline.Cli.Status;

/// <summary>One scrape of a Prometheus text endpoint: every sample line as (name, labels, value).</summary>
public sealed class MetricsSample
{
    public sealed record Series(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    public IReadOnlyList<Series> All { get; }
    public DateTime TakenAt { get; }

    private MetricsSample(IReadOnlyList<Series> all, DateTime takenAt) => (All, TakenAt) = (all, takenAt);

    public static MetricsSample Empty { get; } = new([], DateTime.MinValue);

    /// <summary>Several instances' scrapes as one (their series side by side; summing adds the instances up).</summary>
    public static MetricsSample Combine(IEnumerable<MetricsSample> samples)
    {
        var list = samples.Where(s => s.All.Count > 0).ToList();
        return list.Count == 0 ? Empty : new MetricsSample([.. list.SelectMany(s => s.All)], list.Max(s => s.TakenAt));
    }

    public double Sum(string name, Func<IReadOnlyDictionary<string, string>, bool>? where = null) =>
        All.Where(s => s.Name == name && (where is null || where(s.Labels))).Sum(s => s.Value);

    public IEnumerable<(string Label, double Value)> By(string name, string label) =>
        All.Where(s => s.Name == name && s.Labels.ContainsKey(label))
            .GroupBy(s => s.Labels[label])
            .Select(g => (g.Key, g.Sum(s => s.Value)));

    /// <summary>Parses the Prometheus text exposition format (version 0.0.4): comments skipped, labels unescaped.</summary>
    public static MetricsSample Parse(string text, DateTime takenAt)
    {
        var series = new List<Series>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var labels = new Dictionary<string, string>();
            string name;
            int valueStart;
            var brace = line.IndexOf('{');
            var space = line.IndexOf(' ');
            if (brace >= 0 && (space < 0 || brace < space))
            {
                name = line[..brace];
                var end = ParseLabels(line, brace + 1, labels);
                valueStart = end + 1;
            }
            else
            {
                if (space < 0) continue;
                name = line[..space];
                valueStart = space;
            }
            var valueText = line[valueStart..].Trim().Split(' ')[0];
            if (double.TryParse(valueText, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                series.Add(new Series(name, labels, value));
        }
        return new MetricsSample(series, takenAt);
    }

    private static int ParseLabels(string line, int i, Dictionary<string, string> labels)
    {
        while (i < line.Length && line[i] != '}')
        {
            var eq = line.IndexOf('=', i);
            var key = line[i..eq].Trim(' ', ',');
            var value = new System.Text.StringBuilder();
            i = eq + 2; // skip ="
            while (i < line.Length && line[i] != '"')
            {
                if (line[i] == '\\' && i + 1 < line.Length)
                {
                    i++;
                    value.Append(line[i] == 'n' ? '\n' : line[i]);
                }
                else value.Append(line[i]);
                i++;
            }
            labels[key] = value.ToString();
            i++; // closing quote
            while (i < line.Length && line[i] is ',' or ' ') i++;
        }
        return i;
    }
}
