using System.Runtime.InteropServices;

namespace Pipeline.Cli;

/// <summary>Completes on Ctrl-C (SIGINT), SIGTERM or cancellation, so a long-running command can drain and stop cleanly.</summary>
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
        await stop.Task;
    }
}
