namespace Pipeline.Cli.Supervision;

/// <summary>
/// Every process `up` supervises, by stage: the bridges, the balancer in front of them (with more than one bridge),
/// the processors, the sinks, the web console. Each stage starts once the previous one is healthy (its instances together); stopping
/// goes front to back, each stage after the previous one's output is consumed (<see cref="PipelineDrain"/>).
/// </summary>
public sealed class PipelineProcesses : IAsyncDisposable
{
    private readonly ConsoleLog _log;
    private readonly IReadOnlyList<IReadOnlyList<ServiceProcess>> _stages;
    private readonly List<ServiceProcess> _bridges, _balancer, _processors, _sinks, _console;

    public PipelineProcesses(PipelineServices services, ServiceSpec? balancer, string stateDir, ConsoleLog log)
    {
        _log = log;
        var logs = Path.Combine(Path.GetFullPath(stateDir), "logs");
        List<ServiceProcess> Processes(IEnumerable<ServiceSpec> specs) =>
            [.. specs.Select(s => new ServiceProcess(s, log, Path.Combine(logs, s.Name + ".log")))];
        _bridges = Processes(services.Bridges());
        _balancer = Processes(balancer is null ? [] : [balancer]);
        _processors = Processes(services.Processors());
        _sinks = Processes(services.Sinks());
        _console = Processes([services.ConsoleSpec()]);
        _stages = [_bridges, _balancer, _processors, _sinks, _console];
    }

    public IEnumerable<ServiceProcess> All => _stages.SelectMany(s => s);

    /// <summary>Completes when any process refused its configuration (it is not restarted).</summary>
    public Task GaveUp => Task.WhenAny(All.Select(s => s.GaveUp));

    public async Task StartAsync(TimeSpan timeout, CancellationToken ct)
    {
        foreach (var stage in _stages.Where(s => s.Count > 0))
        {
            foreach (var process in stage) process.Start();
            await Task.WhenAll(stage.Select(async process =>
            {
                await process.WaitHealthyAsync(timeout, ct);
                _log.Line("up", $"{process.Spec.Name} is healthy");
            }));
        }
    }

    /// <summary>
    /// The console, the balancer and the bridges first (no new data; each bridge flushes what devices sent), then each stage once
    /// the previous one's output is consumed, so nothing is left in the in-memory Kafka when it stops.
    /// </summary>
    public async Task StopInOrderAsync(PipelineServices services, PipelineDrain drain)
    {
        var drainTimeout = TimeSpan.FromSeconds(30);
        var stopGrace = TimeSpan.FromSeconds(30);
        // The web console holds no pipeline data: it goes first, so nobody changes anything during the drain.
        await StopAsync(_console, stopGrace);
        await StopAsync(_balancer, stopGrace);
        await StopAsync(_bridges, stopGrace);
        await drain.WaitForGroupsAsync(services.RulesGroups, "rules-processor", drainTimeout);
        await StopAsync(_processors, stopGrace);
        await drain.WaitForGroupsAsync(services.SinkGroups, "sink-writer", drainTimeout);
        await StopAsync(_sinks, stopGrace);
    }

    private static Task StopAsync(IEnumerable<ServiceProcess> stage, TimeSpan grace) => Task.WhenAll(stage.Select(s => s.StopAsync(grace)));

    public async ValueTask DisposeAsync()
    {
        foreach (var process in All) await process.DisposeAsync();
    }
}
