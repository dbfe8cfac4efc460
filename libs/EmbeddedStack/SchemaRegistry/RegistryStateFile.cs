using System.Text.Json;

namespace Pipeline.EmbeddedStack.SchemaRegistry;

/// <summary>
/// The registry's state on disk: one JSON file, replaced atomically (written to a temp file, flushed to
/// disk, then renamed over the old one) so a crash mid-write leaves the previous state, never half a file.
/// A lock file keeps a second registry from sharing the directory and overwriting this one's ids.
/// </summary>
internal sealed class RegistryStateFile : IDisposable
{
    public const string FileName = "schemas.json";
    private const string LockName = ".lock";

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    private readonly string _path;
    private readonly FileStream _lock;

    private RegistryStateFile(string directory, FileStream lockStream)
    {
        _path = Path.Combine(directory, FileName);
        _lock = lockStream;
    }

    public static RegistryStateFile Open(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        directory = Path.GetFullPath(directory);
        Directory.CreateDirectory(directory);
        FileStream lockStream;
        try
        {
            lockStream = new FileStream(Path.Combine(directory, LockName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new IOException($"The schema registry storage {directory} is in use by another registry (its {LockName} is locked).", e);
        }
        foreach (var leftover in Directory.EnumerateFiles(directory, FileName + ".*.tmp"))
            File.Delete(leftover); // a write that crashed before its rename
        return new RegistryStateFile(directory, lockStream);
    }

    public RegistryState Load()
    {
        if (!File.Exists(_path))
            return new RegistryState();
        RegistryState? state;
        try
        {
            state = JsonSerializer.Deserialize<RegistryState>(File.ReadAllBytes(_path), Options);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The schema registry state {_path} is not valid JSON ({e.Message}); fix or remove it.", e);
        }
        if (state is null || state.Format != RegistryState.CurrentFormat)
            throw new InvalidDataException($"The schema registry state {_path} has format {state?.Format}, this registry reads format {RegistryState.CurrentFormat}.");
        return state;
    }

    public void Save(RegistryState state)
    {
        var temp = $"{_path}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                JsonSerializer.Serialize(stream, state, Options);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, _path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    public void Dispose() => _lock.Dispose();
}
