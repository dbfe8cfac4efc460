using System.CommandLine;
using Pipeline.Cli.Status;
using Pipeline.EmbeddedStack;
using Spectre.Console;

namespace Pipeline.Cli.Commands;

/// <summary>`./pipeline status`: live per-stage rates, rejects by reason, lag and errors from the services' /metrics.</summary>
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
        var rules = RuleStatus.From(before.GetValueOrDefault("rules") ?? MetricsSample.Empty, now.GetValueOrDefault("rules") ?? MetricsSample.Empty);
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
        foreach (var stage in new[]
        {
            PipelineStatus.Bridge(Get(before, "bridge"), Get(now, "bridge")),
            PipelineStatus.Rules(Get(before, "rules"), Get(now, "rules")),
            PipelineStatus.Sink(Get(before, "sink"), Get(now, "sink")),
        })
            table.AddRow(
                stage.Up ? Markup.Escape(stage.Stage) : $"[red]{Markup.Escape(stage.Stage)}[/]",
                $"{stage.InPerSecond:0}", $"{stage.OutPerSecond:0}",
                Markup.Escape(stage.Rejects), Markup.Escape(stage.Lag),
                stage.Errors.Length > 0 ? $"[yellow]{Markup.Escape(stage.Errors)}[/]" : "",
                Markup.Escape(stage.Notes));
        return table;
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
