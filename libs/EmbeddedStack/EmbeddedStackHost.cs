using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Pipeline.Contracts;
using Pipeline.EmbeddedStack.ClickHouse;
using Pipeline.EmbeddedStack.Credentials;
using Pipeline.EmbeddedStack.Faults;
using Pipeline.EmbeddedStack.Kafka;
using Pipeline.EmbeddedStack.Persistence;
using Pipeline.EmbeddedStack.SchemaRegistry;

namespace Pipeline.EmbeddedStack;

/// <summary>
/// Kafka (mock cluster), the Schema Registry and ClickHouse (chDB behind its HTTP interface) in
/// this process, with state under <see cref="EmbeddedStackOptions.StateDir"/>. Stopping it saves
/// the compacted topics (registry, shadows) so the next start has them back.
/// </summary>
public sealed class EmbeddedStackHost : IAsyncDisposable
{
    private readonly List<CompactedTopicMirror> _mirrors = [];
    private readonly ILogger _logger;

    private EmbeddedStackHost(ILogger logger) => _logger = logger;

    public MockKafkaCluster Kafka { get; private set; } = null!;
    public EmbeddedSchemaRegistry SchemaRegistry { get; private set; } = null!;
    public ChdbEngine ClickHouseEngine { get; private set; } = null!;
    public ClickHouseHttpEndpoint ClickHouse { get; private set; } = null!;
    /// <summary>The run's users and tokens, from StateDir/credentials.json (generated at the first start).</summary>
    public StackCredentials Credentials { get; private set; } = null!;
    /// <summary>Outages on demand; null unless EmbeddedStack:FaultControlUrl is set.</summary>
    public FaultControlEndpoint? Faults { get; private set; }

    public StackEndpoints Endpoints => new()
    {
        Kafka = Kafka.BootstrapServers,
        SchemaRegistry = SchemaRegistry.Url,
        Clickhouse = ClickHouse.Url,
    };

    public static async Task<EmbeddedStackHost> StartAsync(
        EmbeddedStackOptions options, KafkaTopics topics, ILoggerFactory loggers, CancellationToken ct)
    {
        var host = new EmbeddedStackHost(loggers.CreateLogger<EmbeddedStackHost>());
        try
        {
            await host.StartPartsAsync(options, topics, loggers, ct);
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    private async Task StartPartsAsync(EmbeddedStackOptions options, KafkaTopics topics, ILoggerFactory loggers, CancellationToken ct)
    {
        var state = Path.GetFullPath(options.StateDir);
        Directory.CreateDirectory(state);
        var watch = Stopwatch.StartNew();

        Kafka = MockKafkaCluster.Start(options.KafkaBrokers);
        // A new consumer group gets its partitions at once instead of after the mock's 3 s delay.
        Kafka.SetGroupInitialRebalanceDelay(TimeSpan.Zero);
        Kafka.CreateTopics(topics.All.Concat(options.ExtraTopics).Distinct(), options.Partitions);
        _logger.LogInformation("Kafka (mock cluster, {Brokers} broker(s), {Partitions} partitions per topic) at {Bootstrap}",
            options.KafkaBrokers, options.Partitions, Kafka.BootstrapServers);

        Credentials = StackCredentials.LoadOrCreate(state);
        var writer = Credentials.SchemaRegistryWriter;
        SchemaRegistry = await EmbeddedSchemaRegistry.StartAsync(options.SchemaRegistryUrl, Path.Combine(state, "schema-registry"),
            loggers.CreateLogger<EmbeddedSchemaRegistry>(), new RegistryWriter(writer.User, writer.Password), ct);
        _logger.LogInformation("Schema Registry at {Url}; changes need user {User}, password in {File}", SchemaRegistry.Url, writer.User, StackCredentials.PathIn(state));

        var library = Path.GetFullPath(options.ResolvedChdbLibrary);
        if (!File.Exists(library))
            throw new FileNotFoundException($"The ClickHouse engine is missing at {library}; run ./pipeline once to fetch it (or set EmbeddedStack:ChdbLibrary).", library);
        ClickHouseEngine = ChdbEngine.Open(library, Path.Combine(state, "clickhouse"));
        ClickHouse = await ClickHouseHttpEndpoint.StartAsync(ClickHouseEngine, Credentials.ClickHouseUsers(), options.ClickHouseUrl, loggers, ct);
        // Where the secrets are, never the secrets themselves.
        _logger.LogInformation("ClickHouse (chDB) at {Url}; users {Users}, passwords in {File}",
            ClickHouse.Url, string.Join(", ", Credentials.ClickHouseUsers()), StackCredentials.PathIn(state));

        foreach (var topic in topics.Compacted)
        {
            var mirror = new CompactedTopicMirror(Kafka.BootstrapServers, topic,
                Path.Combine(state, "kafka", topic + ".snapshot"), _logger);
            await mirror.StartAsync(ct);
            _mirrors.Add(mirror);
        }
        if (options.FaultControlUrl is { Length: > 0 } faultUrl)
        {
            Faults = await FaultControlEndpoint.StartAsync(faultUrl, Kafka, ClickHouse, ct);
            _logger.LogWarning("Fault control at {Url}: it can take Kafka and ClickHouse down (fault drills only)", Faults.Url);
        }
        _logger.LogInformation("Embedded stack ready in {Seconds:0.0} s", watch.Elapsed.TotalSeconds);
    }

    public async ValueTask DisposeAsync()
    {
        if (Faults is not null) await Faults.DisposeAsync();
        foreach (var mirror in _mirrors)
            await mirror.DisposeAsync();
        if (ClickHouse is not null) await ClickHouse.DisposeAsync();
        ClickHouseEngine?.Dispose();
        if (SchemaRegistry is not null) await SchemaRegistry.DisposeAsync();
        Kafka?.Dispose();
    }
}
