using System.CommandLine;
using Pipeline.Cli.Status;
using Pipeline.EmbeddedStack;
using Spectre.Console;

namespace Pipeline.Cli.Commands;

/// <summary>
/// `./pipeline status`: live rates, rejects by reason, lag and errors from the services' /metrics, one line per
/// instance (and the load balancer's, when there is one).
/// </summary>
public static class StatusCommand
{
    public static Command Create()
    {
        var once = new Option<bool>("--once") { Description = "Print one snapshot (rates over 1 s) and exit instead of refreshing until Ctrl-C." };
        var command = new Command("status", "Show live per-stage rates, rejects by reason, consumer lag and errors of the running pipeline.") { once };
        command.SetAction((parse, ct) => CliRun.GuardAsync(async () =>
        {
            // Piped output has no terminal width; keep each stage on one line for scripts and logs.
            if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 240;
            var endpoints = StackEndpoints.ReadLive(RepositoryPaths.EndpointsFile) ?? throw new CliException(CliConfiguration.NotRunning);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            var scraper = new Scraper(http, endpoints.Metrics);
            var before = await scraper.ScrapeAsync(ct);
            if (parse.GetValue(once))
            {
                await Task.Delay(1000, ct);
                AnsiConsole.Write(Render(before, await scraper.ScrapeAsync(ct)));
                return 0;
            }
            using var stop = new CancellationTokenSource();
            Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
            await AnsiConsole.Live(Render(before, before)).StartAsync(async live =>
            {
                while (!stop.IsCancellationRequested)
                {
                    try { await Task.Delay(1000, stop.Token); } catch (OperationCanceledException) { break; }
                    var now = await scraper.ScrapeAsync(ct);
                    live.UpdateTarget(Render(before, now));
                    before = now;
                }
            });
            return 0;
        }));
        return command;
    }

    private static Spectre.Console.Rendering.IRenderable Render(IReadOnlyDictionary<string, MetricsSample> before, IReadOnlyDictionary<string, MetricsSample> now)
    {
        var stages = Stages(before, now);
        // Rules are evaluated by every processor instance, each for its own partitions: their counters add up.
        var rules = RuleStatus.From(MetricsSample.Combine(InstancesOf(before, "rules").Select(i => i.Sample)),
            MetricsSample.Combine(InstancesOf(now, "rules").Select(i => i.Sample)));
        if (rules.Count == 0)
            return stages;
        var table = new Table().Border(TableBorder.Rounded).Title("operator rules")
            .AddColumns("rule", "matched", "matched/s", "actions succeeded", "actions failed", "evaluation errors");
        foreach (var rule in rules)
            table.AddRow(Markup.Escape(rule.Rule), $"{rule.Matched:0}", $"{rule.MatchedPerSecond:0}", Markup.Escape(rule.Succeeded),
                rule.Failed.Length > 0 ? $"[yellow]{Markup.Escape(rule.Failed)}[/]" : "",
                rule.EvaluationErrors > 0 ? $"[yellow]{rule.EvaluationErrors:0}[/]" : "0");
        return new Rows(stages, table);
    }

    private static Table Stages(IReadOnlyDictionary<string, MetricsSample> before, IReadOnlyDictionary<string, MetricsSample> now)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"pipeline status at {DateTime.UtcNow:HH:mm:ss} UTC")
            .AddColumns("stage", "in/s", "out/s", "rejects by reason", "lag", "errors", "notes");
        MetricsSample Get(IReadOnlyDictionary<string, MetricsSample> s, string key) => s.GetValueOrDefault(key) ?? MetricsSample.Empty;
        var stages = InstancesOf(now, "bridge").Select(i => PipelineStatus.Bridge(Get(before, i.Key), i.Sample, i.Name("mqtt-bridge")))
            .Concat(now.ContainsKey("balancer") ? [PipelineStatus.Balancer(Get(before, "balancer"), now["balancer"])] : [])
            .Concat(InstancesOf(now, "rules").Select(i => PipelineStatus.Rules(Get(before, i.Key), i.Sample, i.Name("rules-processor"))))
            .Concat(InstancesOf(now, "sink").Select(i => PipelineStatus.Sink(Get(before, i.Key), i.Sample, i.Name("sink-writer"))));
        foreach (var stage in stages)
            table.AddRow(
                stage.Up ? Markup.Escape(stage.Stage) : $"[red]{Markup.Escape(stage.Stage)}[/]",
                $"{stage.InPerSecond:0}", $"{stage.OutPerSecond:0}",
                Markup.Escape(stage.Rejects), Markup.Escape(stage.Lag),
                stage.Errors.Length > 0 ? $"[yellow]{Markup.Escape(stage.Errors)}[/]" : "",
                Markup.Escape(stage.Notes));
        return table;
    }

    /// <summary>One instance's scrape: "bridge" (instance 1), "bridge-2", ... in the endpoints file's metrics.</summary>
    private sealed record Instance(string Key, int Number, int Count, MetricsSample Sample)
    {
        public string Name(string service) => Count == 1 ? service : $"{service}-{Number}";
    }

    private static IReadOnlyList<Instance> InstancesOf(IReadOnlyDictionary<string, MetricsSample> samples, string key)
    {
        var keys = samples.Keys.Where(k => k == key || (k.StartsWith(key + "-", StringComparison.Ordinal) && int.TryParse(k[(key.Length + 1)..], out _)))
            .Select(k => (Key: k, Number: k == key ? 1 : int.Parse(k[(key.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture)))
            .OrderBy(k => k.Number).ToList();
        // A pipeline whose endpoints file names no instance of a service still shows it, as not answering.
        if (keys.Count == 0) return [new Instance(key, 1, 1, MetricsSample.Empty)];
        return [.. keys.Select(k => new Instance(k.Key, k.Number, keys.Count, samples[k.Key]))];
    }

    private sealed class Scraper(HttpClient http, IReadOnlyDictionary<string, string> urls)
    {
        public async Task<IReadOnlyDictionary<string, MetricsSample>> ScrapeAsync(CancellationToken ct)
        {
            var samples = new Dictionary<string, MetricsSample>();
            foreach (var (service, url) in urls)
            {
                try
                {
                    samples[service] = MetricsSample.Parse(await http.GetStringAsync(url, ct), DateTime.UtcNow);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    samples[service] = MetricsSample.Empty;
                }
            }
            return samples;
        }
    }
}
