using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Pipeline.ServiceDefaults;

/// <summary>
/// When `./pipeline up` runs a service it puts it in its own session (so a Ctrl-C in the terminal
/// reaches only the supervisor, which then stops the services in order) and names itself in
/// PIPELINE_SUPERVISOR_PID. If the supervisor dies without stopping us (kill -9), this drains and
/// stops the service instead of leaving an orphan holding its ports.
/// </summary>
public sealed class SupervisorWatch(IHostApplicationLifetime lifetime, ILogger<SupervisorWatch> logger) : BackgroundService
{
    public const string EnvironmentVariable = "PIPELINE_SUPERVISOR_PID";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (NamedSupervisor() is not { } pid)
            return;
        await WaitUntilGoneAsync(pid, stoppingToken).ConfigureAwait(false);
        logger.LogWarning("Supervisor process {Pid} is gone; stopping", pid);
        lifetime.StopApplication();
    }

    /// <summary>Completes once process <paramref name="pid"/> is gone (looked at every second); throws when cancelled.</summary>
    public static async Task WaitUntilGoneAsync(int pid, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false) && IsAlive(pid))
        {
        }
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>The process named in <see cref="EnvironmentVariable"/>, if this process was given one.</summary>
    public static int? NamedSupervisor() =>
        int.TryParse(Environment.GetEnvironmentVariable(EnvironmentVariable), out var pid) && pid > 0 ? pid : null;

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
