using System.Runtime.InteropServices;
using Pipeline.ServiceDefaults;

namespace Pipeline.Cli;

/// <summary>
/// Completes on Ctrl-C (SIGINT), SIGTERM or cancellation, so a long-running command
/// can drain and stop cleanly; also when the process that started this one and named itself in
/// PIPELINE_SUPERVISOR_PID (a test host, a wrapper script) is gone: left alone, `up` outlived a killed test host and
/// kept restarting its services beside the tests that followed.
/// </summary>
public static class ShutdownSignal
{
    public static async Task WaitAsync(CancellationToken ct)
    {
        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Handler(PosixSignalContext context)
        {
            context.Cancel = true; // we stop ourselves, after draining
            stop.TrySetResult();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Handler);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handler);
        using var registration = ct.Register(() => stop.TrySetResult());
        using var watching = new CancellationTokenSource();
        if (SupervisorWatch.NamedSupervisor() is { } supervisor)
            _ = WatchAsync(supervisor, stop, watching.Token);
        await stop.Task;
        await watching.CancelAsync();
    }

    private static async Task WatchAsync(int supervisor, TaskCompletionSource stop, CancellationToken ct)
    {
        try
        {
            await SupervisorWatch.WaitUntilGoneAsync(supervisor, ct);
        }
        catch (OperationCanceledException)
        {
            return; // stopped for another reason
        }
        await Console.Error.WriteLineAsync($"The process that started this one ({SupervisorWatch.EnvironmentVariable}={supervisor}) is gone; stopping.");
        stop.TrySetResult();
    }
}
