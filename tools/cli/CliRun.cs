using System.Net.Sockets;

namespace Pipeline.Cli;

public static class CliRun
{
    /// <summary>Turns the failures a user can act on into a message and an exit code instead of a stack trace.</summary>
    public static async Task<int> GuardAsync(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (CliException e)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return e.ExitCode;
        }
        catch (Exception e) when (AddressInUse(e) is { } failure)
        {
            // The usual cause is a second `up` (or `devstack`) while one runs: say so, not a stack trace.
            await Console.Error.WriteLineAsync($"error: {failure} Another program listens there: a pipeline already running " +
                "(`./pipeline status` shows it; Ctrl-C where it runs stops it), or set another address (docs/operations.md, Configuration).");
            return 1;
        }
        catch (OperationCanceledException)
        {
            return 130;
        }
    }

    /// <summary>What failed to bind (Kestrel's "Failed to bind to address ...: address already in use."), when that is the failure.</summary>
    internal static string? AddressInUse(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
            if (inner is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse })
                return e is IOException ? e.Message : inner.Message;
        return null;
    }
}
