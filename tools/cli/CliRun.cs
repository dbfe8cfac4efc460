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
        catch (OperationCanceledException)
        {
            return 130;
        }
    }
}
