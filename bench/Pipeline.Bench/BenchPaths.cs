namespace Pipeline.Bench;

/// <summary>Where the repository is and where the other benchmark programs were built (same configuration as this one).</summary>
internal static class BenchPaths
{
    public static string Root { get; } = FindRoot();

    // bin/<Configuration>/<tfm>/ of this program: the projects it starts were built into the same pair of folders.
    private static readonly string Configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')).Parent!.Name;
    private static readonly string Framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')).Name;

    public static string Output(string projectFolder, string assembly) =>
        Path.Combine(Root, projectFolder, "bin", Configuration, Framework, assembly + ".dll");

    public static string Cli => Output("tools/cli", "Pipeline.Cli");
    public static string SinkBenchmark => Output("bench/SinkWriter.Benchmarks", "Pipeline.SinkWriter.Benchmarks");
    public static string RulesBenchmark => Output("bench/RulesProcessor.Benchmarks", "Pipeline.RulesProcessor.Benchmarks");
    public static string ResultsDir => Path.Combine(Root, "bench", "results");

    private static string FindRoot()
    {
        if (Environment.GetEnvironmentVariable("PIPELINE_HOME") is { Length: > 0 } home) return Path.GetFullPath(home);
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Pipeline.sln")))
                return dir.FullName;
        return Directory.GetCurrentDirectory();
    }
}
