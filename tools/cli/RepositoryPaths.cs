namespace Pipeline.Cli;

/// <summary>Where the repository and its runtime state are. `./pipeline` sets PIPELINE_HOME to the repository root.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>Runtime state of embedded runs (.pipeline/ unless PIPELINE_STATE_DIR says otherwise): data, CA, engines, endpoints file.</summary>
    public static string StateDir =>
        Environment.GetEnvironmentVariable("PIPELINE_STATE_DIR") is { Length: > 0 } dir ? Path.GetFullPath(dir) : Path.Combine(Root, ".pipeline");

    public static string EndpointsFile => Path.Combine(StateDir, "endpoints.json");

    private static string FindRoot()
    {
        var home = Environment.GetEnvironmentVariable("PIPELINE_HOME");
        if (!string.IsNullOrEmpty(home)) return Path.GetFullPath(home);
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Pipeline.sln")))
                return dir.FullName;
        return Directory.GetCurrentDirectory();
    }
}
