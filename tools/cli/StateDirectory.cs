namespace Pipeline.Cli;

public static class StateDirectory
{
    /// <summary>Deletes an embedded run's data (registry, schemas, ClickHouse, CA) but keeps the downloaded engines and build stamp.</summary>
    public static void Clear(string stateDir)
    {
        if (!Directory.Exists(stateDir)) return;
        foreach (var entry in Directory.EnumerateFileSystemEntries(stateDir))
        {
            var name = Path.GetFileName(entry);
            if (name is "engines" or "build.stamp" or "test-results") continue;
            if (Directory.Exists(entry)) Directory.Delete(entry, recursive: true);
            else File.Delete(entry);
        }
    }
}
