namespace Pipeline.DeviceRegistry;

/// <summary>Writes PEM files; private keys are created with mode 0600 from the start (never briefly world-readable).</summary>
public static class PemFiles
{
    public static void WriteNew(string path, string pem, bool privateFile)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = privateFile
                ? UnixFileMode.UserRead | UnixFileMode.UserWrite
                : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        using var stream = new FileStream(path, options);
        using var writer = new StreamWriter(stream);
        writer.Write(pem);
        if (!pem.EndsWith('\n'))
            writer.Write('\n');
    }
}

/// <summary>An exclusive lock file in a directory, so two processes never create the same CA files at once.</summary>
internal sealed class DirectoryLock(FileStream stream) : IDisposable
{
    public static DirectoryLock Acquire(string directory, TimeSpan? timeout = null)
    {
        var path = Path.Combine(directory, ".lock");
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            try
            {
                return new DirectoryLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(50); // another process holds the lock for the few milliseconds creation takes
            }
        }
    }

    public void Dispose() => stream.Dispose();
}
