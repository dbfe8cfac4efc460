using System.Diagnostics;
using Spectre.Console;

namespace Pipeline.Cli.Simulation;

/// <summary>Live progress while the fleet runs: a refreshing line on a terminal, a line every 5 s otherwise.</summary>
public static class ProgressDisplay
{
    public static async Task ShowAsync(Task run, SimulationCounters counters, SimulationOptions options, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var interactive = !Console.IsErrorRedirected && !Console.IsOutputRedirected;
        long lastSent = 0;
        var lastTime = TimeSpan.Zero;
        string Line()
        {
            var elapsed = watch.Elapsed;
            var sent = counters.Sent;
            var rate = (sent - lastSent) / Math.Max(0.001, (elapsed - lastTime).TotalSeconds);
            (lastSent, lastTime) = (sent, elapsed);
            return $"{elapsed:mm\\:ss}/{options.Duration:mm\\:ss}  devices {counters.Connected}/{options.Devices}  sent {sent}  acknowledged {counters.Acknowledged}  refused {counters.Refused}  failed {counters.Failed}  {rate:0}/s";
        }
        if (interactive)
        {
            await AnsiConsole.Status().StartAsync("starting", async context =>
            {
                while (!run.IsCompleted && !ct.IsCancellationRequested)
                {
                    await Task.WhenAny(run, Task.Delay(500, CancellationToken.None));
                    context.Status(Markup.Escape(Line()));
                }
            });
            return;
        }
        while (!run.IsCompleted && !ct.IsCancellationRequested)
        {
            await Task.WhenAny(run, Task.Delay(5000, CancellationToken.None));
            Console.Error.WriteLine(Line());
        }
    }
}
