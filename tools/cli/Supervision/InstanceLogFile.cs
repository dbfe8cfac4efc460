namespace Pipeline.Cli.Supervision;

/// <summary>
/// One supervised process's output, appended to its own file across restarts (each line stamped with the UTC
/// time it was read), so an instance's history can be read without the other instances' lines in between.
/// </summary>
public sealed class InstanceLogFile : IDisposable
{
    private readonly Lock _lock = new();
    private readonly StreamWriter _writer;
    private bool _closed;

    public InstanceLogFile(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
    }

    public void Write(string line)
    {
        lock (_lock)
            if (!_closed) _writer.WriteLine($"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} {line}");
    }

    public void Dispose()
    {
        lock (_lock)
        {
            // Output of a process that is still exiting may arrive after this; it goes to the console only.
            _closed = true;
            _writer.Dispose();
        }
    }
}
