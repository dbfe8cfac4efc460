namespace Pipeline.Cli.IntegrationTests;

/// <summary>
/// A private state folder for one CLI run, and the environment that points the CLI at it: every
/// embedded endpoint on an ephemeral port, the ClickHouse engine the repository's set-up fetched.
/// </summary>
public sealed class CliHome : IDisposable
{
    public CliHome()
    {
        StateDir = Path.Combine(Path.GetTempPath(), "pipeline-cli-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(StateDir);
        Environment = new Dictionary<string, string>
        {
            ["PIPELINE_STATE_DIR"] = StateDir,
            ["PIPELINE_CHDB_LIBRARY"] = Pipeline.TestSupport.Fixtures.ClickHouseFixture.FindLibrary(),
            ["PIPELINE__EmbeddedStack__StateDir"] = StateDir,
            ["PIPELINE__EmbeddedStack__SchemaRegistryUrl"] = "http://127.0.0.1:0",
            ["PIPELINE__EmbeddedStack__ClickHouseUrl"] = "http://127.0.0.1:0",
        };
    }

    public string StateDir { get; }
    public string EndpointsFile => Path.Combine(StateDir, "endpoints.json");
    public string CredentialsFile => Pipeline.EmbeddedStack.Credentials.StackCredentials.PathIn(StateDir);

    /// <summary>The running stack's ClickHouse user of <paramref name="role"/>, from its credentials.json.</summary>
    public Pipeline.EmbeddedStack.Credentials.UserCredential ClickHouseUser(Pipeline.EmbeddedStack.ClickHouse.ClickHouseRole role) =>
        (Pipeline.EmbeddedStack.Credentials.StackCredentials.Read(StateDir)
            ?? throw new InvalidOperationException($"{CredentialsFile} does not exist: no stack has started in this home.")).ClickHouse.For(role);
    public Dictionary<string, string> Environment { get; }

    /// <summary>
    /// The last lines of the services' logs that `up` wrote in this home (its warnings and errors), for a failure
    /// message: the home is deleted with the test, so what the services said must travel in the assertion.
    /// </summary>
    /// <param name="everything">Every line, not only warnings and errors: what a stalled service did last.</param>
    public string ServiceLogTail(string service, int lines = 5, bool everything = false)
    {
        var logs = Path.Combine(StateDir, "logs");
        if (!Directory.Exists(logs)) return "(no service logs)";
        var text = new System.Text.StringBuilder();
        foreach (var file in Directory.GetFiles(logs, service + "*.log").Order(StringComparer.Ordinal))
        {
            string[] all;
            try { all = File.ReadAllLines(file); } catch (IOException) { continue; }
            var notable = all.Where(l => everything || l.Contains("warn", StringComparison.OrdinalIgnoreCase) || l.Contains("fail", StringComparison.OrdinalIgnoreCase)
                || l.Contains("error", StringComparison.OrdinalIgnoreCase)).TakeLast(lines);
            text.Append("\n--- ").Append(Path.GetFileName(file)).Append(everything ? " (last " : " (warnings and errors, last ").Append(lines).Append(")\n")
                .AppendJoin('\n', notable);
        }
        return text.ToString();
    }

    public void Dispose()
    {
        try { Directory.Delete(StateDir, recursive: true); } catch (IOException) { }
    }
}
