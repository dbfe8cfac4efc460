using Microsoft.Extensions.Options;
using Pipeline.Cli.Status;
using Pipeline.WebConsole.Options;

namespace Pipeline.WebConsole.Status;

/// <summary>
/// What `./pipeline status` shows, from the services' /metrics: two scrapes a second apart give the rates.
/// A service that does not answer is shown as down, not as an error page.
/// </summary>
public sealed class StatusScraper(HttpClient http, IOptions<ConsoleOptions> options)
{
    public async Task<(IReadOnlyList<StageStatus> Stages, IReadOnlyList<RuleStatus> Rules)> ReadAsync(TimeSpan interval, CancellationToken ct)
    {
        var before = await ScrapeAllAsync(ct);
        await Task.Delay(interval, ct);
        var now = await ScrapeAllAsync(ct);
        MetricsSample Of(IReadOnlyDictionary<string, MetricsSample> s, string name) => s.GetValueOrDefault(name, MetricsSample.Empty);
        var stages = new List<StageStatus>
        {
            PipelineStatus.Bridge(Of(before, "bridge"), Of(now, "bridge")),
            PipelineStatus.Rules(Of(before, "rules"), Of(now, "rules")),
            PipelineStatus.Sink(Of(before, "sink"), Of(now, "sink")),
        };
        return (stages, RuleStatus.From(Of(before, "rules"), Of(now, "rules")));
    }

    public async Task<IReadOnlyList<RuleStatus>> RuleCountsAsync(CancellationToken ct) =>
        RuleStatus.From(MetricsSample.Empty, (await ScrapeAllAsync(ct)).GetValueOrDefault("rules", MetricsSample.Empty));

    private async Task<IReadOnlyDictionary<string, MetricsSample>> ScrapeAllAsync(CancellationToken ct)
    {
        var scrapes = options.Value.Metrics.Select(async m => (m.Key, Sample: await ScrapeAsync(m.Value, ct)));
        return (await Task.WhenAll(scrapes)).ToDictionary(s => s.Key, s => s.Sample);
    }

    private async Task<MetricsSample> ScrapeAsync(string url, CancellationToken ct)
    {
        try
        {
            return MetricsSample.Parse(await http.GetStringAsync(url, ct), DateTime.UtcNow);
        }
        catch (HttpRequestException)
        {
            return MetricsSample.Empty;
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return MetricsSample.Empty;
        }
    }
}
