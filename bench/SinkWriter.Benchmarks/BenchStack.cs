using Pipeline.ClickHouseSchema;
using Pipeline.EmbeddedStack.ClickHouse;
using Pipeline.EmbeddedStack.Credentials;
using Pipeline.EmbeddedStack.Kafka;
using Pipeline.EmbeddedStack.SchemaRegistry;

namespace Pipeline.SinkWriter.Benchmarks;

/// <summary>The embedded stack in this process: Kafka mock cluster, Schema Registry, chDB behind its HTTP endpoint.</summary>
internal sealed class BenchStack : IAsyncDisposable
{
    private readonly string _dir;

    private BenchStack(string dir, MockKafkaCluster kafka, EmbeddedSchemaRegistry registry, ChdbEngine engine, ClickHouseHttpEndpoint clickHouse, StackCredentials credentials)
    {
        _dir = dir;
        Credentials = credentials;
        Kafka = kafka;
        Registry = registry;
        Engine = engine;
        ClickHouse = clickHouse;
    }

    public MockKafkaCluster Kafka { get; }
    public EmbeddedSchemaRegistry Registry { get; }
    public ChdbEngine Engine { get; }
    public ClickHouseHttpEndpoint ClickHouse { get; }

    /// <summary>Users as under `up`: the migrator applies the schema, the sink and the driver reference insert as the sink.</summary>
    public StackCredentials Credentials { get; }

    public static async Task<BenchStack> StartAsync(string chdbLibrary)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"sink-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path.Combine(dir, "registry"));
        var kafka = MockKafkaCluster.Start();
        kafka.SetGroupInitialRebalanceDelay(TimeSpan.Zero);
        var registry = await EmbeddedSchemaRegistry.StartAsync("http://127.0.0.1:0", Path.Combine(dir, "registry"));
        var engine = ChdbEngine.Open(chdbLibrary, Path.Combine(dir, "clickhouse"));
        var credentials = StackCredentials.Generate();
        var clickHouse = await ClickHouseHttpEndpoint.StartAsync(engine, credentials.ClickHouseUsers(), "http://127.0.0.1:0");
        return new BenchStack(dir, kafka, registry, engine, clickHouse, credentials);
    }

    /// <summary>A ClickHouse.Driver connection string as the sink user (or the given role's).</summary>
    public string ConnectionString(string database, ClickHouseRole role = ClickHouseRole.Sink)
    {
        var user = Credentials.ClickHouse.For(role);
        return $"Host=127.0.0.1;Port={ClickHouse.Port};Database={database};Username={user.User};Password={user.Password}";
    }

    public async Task MigrateAsync(string database)
    {
        using var migrator = new ClickHouseMigrator(ConnectionString(database, ClickHouseRole.Migrator), database);
        await migrator.MigrateAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await ClickHouse.DisposeAsync();
        await Registry.DisposeAsync();
        Kafka.Dispose();
        Engine.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // chDB may still hold a file; the temp folder is cleaned by the OS eventually.
        }
    }
}
