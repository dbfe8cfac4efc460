using System.Runtime.InteropServices;

namespace Pipeline.EmbeddedStack.Kafka;

/// <summary>Finds the librdkafka file that Confluent.Kafka has loaded into this process.</summary>
internal static class LoadedLibraryLocator
{
    /// <summary>Returns the loaded file's path and a handle to it (dlopen of an already-loaded path returns the same copy).</summary>
    public static (string Path, IntPtr Handle) Load()
    {
        // Touching Library.Version makes Confluent.Kafka run its own loader (with its fallbacks) first.
        _ = Confluent.Kafka.Library.Version;

        if (File.Exists("/proc/self/maps"))
        {
            var mapped = File.ReadLines("/proc/self/maps")
                .Select(line => line.IndexOf('/') is var i and >= 0 ? line[i..] : null)
                .Where(path => path is not null && Path.GetFileName(path).Contains("librdkafka", StringComparison.Ordinal))
                .Select(path => path!)
                .Distinct()
                .ToList();
            var path = mapped.Count switch
            {
                1 => mapped[0],
                0 => throw new InvalidOperationException("Confluent.Kafka reports librdkafka loaded, but no librdkafka file is mapped in /proc/self/maps."),
                _ => throw new InvalidOperationException(
                    $"Several librdkafka files are loaded ({string.Join(", ", mapped)}); cannot tell which one Confluent.Kafka uses."),
            };
            return (path, NativeLibrary.Load(path));
        }

        // No /proc (macOS, Windows): the library in the app's runtimes folder is the one Confluent.Kafka loads there.
        return ("librdkafka (runtimes folder)", NativeLibrary.Load("librdkafka", typeof(Confluent.Kafka.Library).Assembly, null));
    }
}
