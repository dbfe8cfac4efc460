namespace Pipeline.Bench;

/// <summary>
/// One benchmark run per machine at a time. Two at once measure each other: a second run's bridge and load generator
/// share the cores, and its pids get mixed into the first run's figures (seen once: two bridges, the wrong pid held).
/// The lock is the operating system's (an exclusive lock on a file in the temp folder, which .NET takes for
/// FileShare.None): it goes away with the process, also after kill -9, so a crashed run never blocks the next.
/// </summary>
internal sealed class BenchLock : IDisposable
{
    private static readonly string LockPath = Path.Combine(Path.GetTempPath(), "pipeline-bench.lock");
    private static readonly string HolderPath = LockPath + ".holder";
    private readonly FileStream _lock;

    private BenchLock(FileStream held) => _lock = held;

    /// <summary>Takes the lock, waiting (with a line each minute) while another run holds it; null after <paramref name="patience"/>.</summary>
    public static async Task<BenchLock?> AcquireAsync(TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        var nextNotice = DateTime.UtcNow;
        while (true)
        {
            try
            {
                var held = new FileStream(LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                File.WriteAllText(HolderPath, $"pid {Environment.ProcessId}, started {DateTime.UtcNow:u}, {Environment.CurrentDirectory}");
                return new BenchLock(held);
            }
            catch (IOException)
            {
                if (DateTime.UtcNow >= deadline)
                    return null;
                if (DateTime.UtcNow >= nextNotice)
                {
                    Console.Error.WriteLine($"waiting: another benchmark run holds this machine ({Holder()}); figures measured side by side with it would be wrong");
                    nextNotice = DateTime.UtcNow.AddMinutes(1);
                }
                await Task.Delay(TimeSpan.FromSeconds(2));
            }
        }
    }

    /// <summary>Who holds the lock, as the holder wrote it.</summary>
    public static string Holder()
    {
        try
        {
            return File.ReadAllText(HolderPath);
        }
        catch (IOException)
        {
            return "holder unknown";
        }
    }

    public void Dispose() => _lock.Dispose();
}
