using Confluent.SchemaRegistry;
using Pipeline.EmbeddedStack.SchemaRegistry;

namespace Pipeline.TestSupport.Fixtures;

/// <summary>
/// The Schema Registry that tests talk to, one per test process: the embedded registry on an ephemeral
/// port with a temporary storage directory, or the real registry named by PIPELINE_TEST_SCHEMA_REGISTRY
/// (its URL). Subjects are global, so tests use unique subject/topic names (KafkaFixture.UniqueName).
/// </summary>
public sealed class SchemaRegistryFixture
{
    public const string EnvironmentVariable = "PIPELINE_TEST_SCHEMA_REGISTRY";

    private static readonly Lazy<SchemaRegistryFixture> _shared = new(Create, LazyThreadSafetyMode.ExecutionAndPublication);

    private SchemaRegistryFixture(string url, EmbeddedSchemaRegistry? embedded)
    {
        Url = url;
        Embedded = embedded;
    }

    /// <summary>The process-wide instance, started on first use; the embedded one stops when the process exits.</summary>
    public static SchemaRegistryFixture Shared => _shared.Value;

    public string Url { get; }

    public bool IsEmbedded => Embedded is not null;

    /// <summary>The embedded registry (request counters), or null against a real registry.</summary>
    public EmbeddedSchemaRegistry? Embedded { get; }

    /// <summary>A new client with its own caches; the caller disposes it.</summary>
    public ISchemaRegistryClient CreateClient() => CreateClient(Url);

    public static ISchemaRegistryClient CreateClient(string url) =>
        new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = url, RequestTimeoutMs = 10_000 });

    /// <summary>A fresh empty directory under the temp folder, removed when the process exits.</summary>
    public static string CreateTempStorageDir()
    {
        var dir = NewTempDir();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => TryDelete(dir);
        return dir;
    }

    private static SchemaRegistryFixture Create()
    {
        var external = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(external))
            return new SchemaRegistryFixture(external.TrimEnd('/'), embedded: null);
        // Started off the caller's thread: xunit's synchronisation context must not be blocked on Kestrel's start.
        var dir = NewTempDir();
        var registry = Task.Run(() => EmbeddedSchemaRegistry.StartAsync("http://127.0.0.1:0", dir)).GetAwaiter().GetResult();
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            registry.StopAsync().GetAwaiter().GetResult();
            TryDelete(dir);
        };
        return new SchemaRegistryFixture(registry.Url, registry);
    }

    private static string NewTempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"pipeline-schema-registry-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static void TryDelete(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
            // a registry a test left running still writes there; the OS cleans the temp folder eventually
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
