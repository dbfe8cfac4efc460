namespace Pipeline.EmbeddedStack.ClickHouse;

/// <summary>Where libchdb.so is: given, from PIPELINE_CHDB_LIBRARY, or where `./pipeline` installs it.</summary>
public static class ChdbLibrary
{
    private const string RelativePath = ".pipeline/engines/chdb/node_modules/@chdb/lib-linux-x64-gnu/libchdb.so";

    public static string Find(string? given)
    {
        var path = string.IsNullOrWhiteSpace(given) ? Environment.GetEnvironmentVariable("PIPELINE_CHDB_LIBRARY") : given;
        if (!string.IsNullOrWhiteSpace(path))
            return File.Exists(path) ? Path.GetFullPath(path) : throw new FileNotFoundException($"libchdb.so is not at {path}.", path);
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, RelativePath);
                if (File.Exists(candidate))
                    return candidate;
            }
        throw new FileNotFoundException($"The embedded ClickHouse engine ({RelativePath}) was not found; run ./pipeline once to install it, or pass --chdb-library.");
    }
}
