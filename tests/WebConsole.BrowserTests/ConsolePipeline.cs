using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Pipeline.Cli.IntegrationTests;
using Pipeline.EmbeddedStack.Credentials;
using Pipeline.TestSupport;

namespace Pipeline.WebConsole.BrowserTests;

/// <summary>
/// One `up --fresh` on free ports and one headless Debian chromium (Playwright, ExecutablePath: it cannot download
/// its own browser here) for the test class. Stopped with SIGTERM at the end; the stop must be clean.
/// </summary>
public sealed class ConsolePipeline : IAsyncLifetime
{
    private CliProcess _up = null!;
    private IPlaywright _playwright = null!;

    public CliHome Home { get; } = new();
    public IBrowser Browser { get; private set; } = null!;
    public string ConsoleUrl { get; private set; } = "";
    public string TcpPort => Home.Environment["PIPELINE__Listeners__TcpPort"];
    public string OperatorToken => StackCredentials.Read(Home.StateDir)!.OperatorToken;

    public async Task InitializeAsync()
    {
        foreach (var key in new[] { "TcpPort", "TlsPort", "WebSocketPort", "HttpsPort" })
            Home.Environment[$"PIPELINE__Listeners__{key}"] = FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var service in new[] { "Bridge", "Rules", "Sink", "Console" })
            Home.Environment[$"PIPELINE__Services__{service}HttpUrl"] = $"http://127.0.0.1:{FreePorts.Next()}";
        _up = CliProcess.Start(Home, "up", "--fresh");
        await Eventually.HoldsAsync(() => File.Exists(Home.EndpointsFile) || _up.HasExited, TimeSpan.FromSeconds(120), "up writes the endpoints file");
        Assert.False(_up.HasExited, $"up exited early: {_up.Stdout}{_up.Stderr}");
        ConsoleUrl = JsonNode.Parse(await File.ReadAllTextAsync(Home.EndpointsFile))!["console"]!.GetValue<string>();

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium(),
            Headless = true,
            // As root (the CI container) chromium refuses to start with its sandbox.
            Args = Environment.UserName == "root" ? ["--no-sandbox"] : [],
        });
    }

    /// <summary>A fresh browser context (its own cookies) with a page that records every dialog (alert, confirm) it was shown.</summary>
    public async Task<ConsolePage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = ConsoleUrl, AcceptDownloads = true, ViewportSize = new() { Width = 1280, Height = 900 } });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        return new ConsolePage(context, page);
    }

    public async Task<ConsolePage> SignedInPageAsync()
    {
        var console = await NewPageAsync();
        await console.Page.GotoAsync("/signin");
        await console.Page.FillAsync("#token", OperatorToken);
        await console.Page.ClickAsync("form button[type=submit] >> text=Sign in");
        await Assertions.Expect(console.Page.Locator("h1")).ToHaveTextAsync("Fleet");
        return console;
    }

    /// <summary>A device registered with `./pipeline devices add --json` (its token for mosquitto).</summary>
    public async Task<(string Id, string Token)> AddDeviceAsync(string id, params string[] attributes)
    {
        var args = new List<string> { "devices", "add", id, "--json" };
        foreach (var a in attributes) args.AddRange(["--attr", a]);
        await using var add = await CliProcess.RunAsync(Home, [.. args]);
        Assert.True(add.ExitCode == 0, add.Stderr + add.Stdout);
        var token = JsonDocument.Parse(add.Stdout).RootElement.GetProperty("token").GetString()!;
        await WaitUntilAcceptedAsync(id, token);
        return (id, token);
    }

    /// <summary>The bridge learns a new device from the registry topic within moments: until then it refuses its CONNECT.</summary>
    public Task WaitUntilAcceptedAsync(string id, string token) =>
        Eventually.HoldsAsync(
            async () => (await ExternalTool.TryRunAsync("mosquitto_pub", [.. MqttArgs(id, token), "-V", "mqttv5", "-q", "1", "-t", $"devices/{id}/events", "-m", """{"type":"registered"}"""])).Exit,
            exit => exit == 0, TimeSpan.FromSeconds(30), $"the bridge accepts {id}'s credentials");

    public string[] MqttArgs(string id, string token) => ["-h", "127.0.0.1", "-p", TcpPort, "-i", id, "-u", id, "-P", token];

    /// <summary>Publishes with mosquitto_pub; a failure says what the bridge logged about the device (the fixture's `up` output is gone after the run).</summary>
    public async Task PublishAsync(string id, string token, string topic, string payload)
    {
        var (exit, _, stderr) = await ExternalTool.TryRunAsync("mosquitto_pub", [.. MqttArgs(id, token), "-V", "mqttv5", "-q", "1", "-t", topic, "-m", payload]);
        if (exit == 0)
            return;
        var log = (_up.Stdout + _up.Stderr).Split('\n');
        var aboutDevice = log.Where(l => l.Contains(id, StringComparison.Ordinal)).TakeLast(30);
        Assert.Fail($"mosquitto_pub as {id} to {topic} exited {exit}: {stderr.Trim()}\nup's lines about {id} (last 30):\n{string.Join('\n', aboutDevice)}\n"
            + $"up's output (last 40 lines):\n{string.Join('\n', log.TakeLast(40))}");
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
            await Browser.CloseAsync();
        _playwright?.Dispose();
        _up.Signal(CliProcess.SigTerm);
        await _up.WaitForExitAsync(TimeSpan.FromSeconds(90));
        var exit = _up.ExitCode;
        var output = _up.Stdout + _up.Stderr;
        await _up.DisposeAsync();
        Home.Dispose();
        Assert.True(exit == 0, output);
    }

    private static string Chromium()
    {
        foreach (var candidate in new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" })
            if (File.Exists(candidate))
                return candidate;
        throw new InvalidOperationException("Debian's chromium is not installed (apt-get install chromium; ./pipeline's set-up installs it).");
    }
}

/// <summary>One browser context and page; <see cref="Dialogs"/> lists every dialog a script opened (none should).</summary>
public sealed class ConsolePage : IAsyncDisposable
{
    private readonly List<string> _dialogs = [];

    public ConsolePage(IBrowserContext context, IPage page)
    {
        Context = context;
        Page = page;
        page.Dialog += async (_, dialog) =>
        {
            lock (_dialogs) _dialogs.Add($"{dialog.Type}: {dialog.Message}");
            await dialog.DismissAsync();
        };
    }

    public IBrowserContext Context { get; }
    public IPage Page { get; }
    public IReadOnlyList<string> Dialogs { get { lock (_dialogs) return [.. _dialogs]; } }

    /// <summary>A full-page screenshot into docs/console/, for docs/console.md.</summary>
    public Task ScreenshotAsync(string name) =>
        Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Docs.ScreenshotDir, name + ".png"), FullPage = true });

    public ValueTask DisposeAsync() => new(Context.CloseAsync());
}

internal static class Docs
{
    /// <summary>docs/console/ of the repository these tests were built from.</summary>
    public static string ScreenshotDir { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Pipeline.sln")))
                return Directory.CreateDirectory(Path.Combine(dir.FullName, "docs", "console")).FullName;
        throw new InvalidOperationException("Pipeline.sln not found above " + AppContext.BaseDirectory);
    }
}
