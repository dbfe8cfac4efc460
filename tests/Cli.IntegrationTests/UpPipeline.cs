using Pipeline.EmbeddedStack.Credentials;

namespace Pipeline.Cli.IntegrationTests;

/// <summary>
/// One `up --fresh` on free ports for a test class (an xunit class fixture): started once, stopped with SIGTERM at
/// the end, and the stop must be clean (exit 0). Subclasses add what their tests need (devices, clients).
/// </summary>
public abstract class UpPipeline : IAsyncLifetime
{
    protected CliProcess Up { get; private set; } = null!;

    public CliHome Home { get; } = new();

    public string BridgeHttp => Home.Environment["PIPELINE__Services__BridgeHttpUrl"];

    public string TcpPort => Home.Environment["PIPELINE__Listeners__TcpPort"];

    /// <summary>The operator APIs' token: `up` generates it into credentials.json and hands it to the bridge.</summary>
    public string OperatorToken => StackCredentials.Read(Home.StateDir)!.OperatorToken;

    public async Task InitializeAsync()
    {
        UpTests.UseFreePorts(Home);
        Configure(Home.Environment);
        Up = CliProcess.Start(Home, "up", "--fresh");
        await UpTests.WaitForEndpointsAsync(Home, Up);
        await StartedAsync();
    }

    /// <summary>Settings for this class's `up` (environment variables), before it starts.</summary>
    protected virtual void Configure(IDictionary<string, string> environment)
    {
    }

    /// <summary>Runs once `up` wrote its endpoints file.</summary>
    protected virtual Task StartedAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        Up.Signal(CliProcess.SigTerm);
        await Up.WaitForExitAsync(TimeSpan.FromSeconds(90));
        var exit = Up.ExitCode;
        var output = Up.Stdout + Up.Stderr;
        await Up.DisposeAsync();
        Home.Dispose();
        Assert.True(exit == 0, output);
    }
}
