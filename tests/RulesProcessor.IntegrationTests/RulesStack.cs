using Confluent.Kafka;
using Confluent.SchemaRegistry;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Pipeline.Contracts;
using Pipeline.Contracts.Serialization;
using Pipeline.RulesProcessor.Hosting;
using Pipeline.ServiceDefaults;
using Pipeline.TestSupport;
using Pipeline.TestSupport.Fixtures;

namespace Pipeline.RulesProcessor.IntegrationTests;

/// <summary>
/// One test's own topics (unique names, configured through Topics:*), its Streamiz application id, and the
/// service itself (the same registration as Program.cs) started in-process on an ephemeral HTTP port.
/// </summary>
public sealed class RulesStack : IAsyncDisposable
{
    private readonly List<string> _stateDirs = [];
    private readonly ISchemaRegistryClient _registry = SchemaRegistryFixture.Shared.CreateClient();
    private readonly IProducer<string, byte[]> _producer;

    public RulesStack(string name, params (string Key, string Value)[] settings)
        : this(KafkaFixture.Shared, name, settings)
    {
    }

    /// <summary>A stack on <paramref name="kafka"/> (a private embedded cluster for fault injection) instead of the shared one.</summary>
    public RulesStack(KafkaFixture kafka, string name, params (string Key, string Value)[] settings)
    {
        Kafka = kafka;
        Settings = new Dictionary<string, string>
        {
            ["Kafka:BootstrapServers"] = Kafka.BootstrapServers,
            ["Kafka:SchemaRegistryUrl"] = SchemaRegistryFixture.Shared.Url,
            ["Http:Url"] = "http://127.0.0.1:0",
            ["Rules:ApplicationId"] = KafkaFixture.UniqueName($"rules-{name}"),
            ["Rules:CommitInterval"] = "00:00:00.100",
        };
        foreach (var property in typeof(KafkaTopics).GetProperties().Where(p => p.PropertyType == typeof(string)))
            Settings[$"{KafkaTopics.SectionName}:{property.Name}"] = KafkaFixture.UniqueName($"{name}-{property.Name.ToLowerInvariant()}");
        foreach (var (key, value) in settings)
            Settings[key] = value;
        Topics = Configuration().GetSection(KafkaTopics.SectionName).Get<KafkaTopics>()!;
        // The embedded Kafka cannot create topics on demand: create what --list-topics names, as `./pipeline up` does.
        Kafka.CreateTopics(ListTopicsCommand.Topics(Configuration()), partitions: 2);
        _producer = new ProducerBuilder<string, byte[]>(new ProducerConfig
        {
            BootstrapServers = Kafka.BootstrapServers, Acks = Acks.All, EnableIdempotence = true, LingerMs = 0,
        }).Build();
    }

    public KafkaFixture Kafka { get; }

    public Dictionary<string, string> Settings { get; }

    public KafkaTopics Topics { get; }

    public WebApplication? Service { get; private set; }

    public string HttpUrl => Service!.Urls.First();

    /// <summary>
    /// What the service reads: its appsettings.json (copied next to the tests) under the test's settings. The topics
    /// are listed from this too, so a module enabled by a setting gets its changelog (else the stream hangs in REBALANCING).
    /// </summary>
    public IConfiguration Configuration() => new ConfigurationBuilder()
        .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: false)
        .AddInMemoryCollection(Settings!)
        .Build();

    /// <summary>Starts the service; each start gets a fresh state folder unless <paramref name="stateDir"/> is given.</summary>
    public async Task<string> StartAsync(string? stateDir = null)
    {
        stateDir ??= Path.Combine(Path.GetTempPath(), $"rules-it-{Guid.NewGuid():N}");
        _stateDirs.Add(stateDir);
        var args = Settings.Select(s => $"--{s.Key}={s.Value}").Append($"--Rules:StateDir={stateDir}").ToArray();
        var builder = ServiceDefaultsExtensions.CreateServiceBuilder(args, "http://127.0.0.1:0");
        builder.AddRulesProcessor();
        Service = builder.Build();
        Service.MapServiceEndpoints();
        await Service.StartAsync();
        return stateDir;
    }

    /// <summary>What SIGTERM does: the host stops, the stream drains and commits.</summary>
    public async Task StopAsync()
    {
        if (Service is null)
            return;
        await Service.StopAsync();
        await Service.DisposeAsync();
        Service = null;
    }

    /// <summary>The changelog topics of the processor's state stores under this stack's configuration.</summary>
    public List<string> ChangelogTopics() =>
        ListTopicsCommand.Topics(Configuration())
            .Where(t => t.StartsWith(Settings["Rules:ApplicationId"] + "-", StringComparison.Ordinal) && t.EndsWith("-changelog", StringComparison.Ordinal))
            .ToList();

    public async Task<int> SchemaIdAsync(string topic) => await SchemaIdAsync<TelemetryRecord>(topic);

    /// <summary>The schema id of <typeparamref name="T"/> registered under <paramref name="topic"/>'s value subject.</summary>
    public async Task<int> SchemaIdAsync<T>(string topic) where T : class, IMessage<T>, new() =>
        await new ProtobufSerializer<T>(_registry).SchemaIdForAsync(topic);

    public async Task SendAsync(TelemetryRecord record) =>
        await ProduceAsync(Topics.TelemetryRaw, record.DeviceId, ProtobufSerializer<TelemetryRecord>.Encode(record, await SchemaIdAsync(Topics.TelemetryRaw)));

    public async Task RegisterAsync(string deviceId, params (string Key, string Value)[] attributes)
    {
        var device = new DeviceRecord { DeviceId = deviceId, CreatedTsMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() };
        foreach (var (key, value) in attributes)
            device.Attributes[key] = value;
        await ProduceAsync(Topics.Devices, deviceId, ProtobufSerializer<DeviceRecord>.Encode(device, await SchemaIdAsync(Topics.Devices)));
    }

    public async Task ProduceAsync(string topic, string? key, byte[] value) =>
        await _producer.ProduceAsync(topic, new Message<string, byte[]> { Key = key!, Value = value });

    /// <summary>Reads a topic from the start (committed records only) until <paramref name="done"/> holds for what was read.</summary>
    public async Task<List<T>> ReadUntilAsync<T>(string topic, Func<List<T>, bool> done, string what) where T : class, IMessage<T>, new()
    {
        using var consumer = ReaderOf(topic);
        var read = new List<T>();
        try
        {
            return await Eventually.HoldsAsync(() =>
            {
                while (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } result)
                    read.Add(ProtobufDeserializer<T>.Decode(result.Message.Value));
                return Task.FromResult(read);
            }, done, TimeSpan.FromSeconds(90), what);
        }
        finally
        {
            consumer.Close();
        }
    }

    /// <summary>Reads a topic of JSON (or any bytes) from the start until <paramref name="done"/> holds: the records with their headers.</summary>
    public async Task<List<Message<string, byte[]>>> ReadMessagesUntilAsync(string topic, Func<List<Message<string, byte[]>>, bool> done, string what)
    {
        using var consumer = ReaderOf(topic);
        var read = new List<Message<string, byte[]>>();
        try
        {
            return await Eventually.HoldsAsync(() =>
            {
                while (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } result)
                    read.Add(result.Message);
                return Task.FromResult(read);
            }, done, TimeSpan.FromSeconds(90), what);
        }
        finally
        {
            consumer.Close();
        }
    }

    /// <summary>Like <see cref="ReadUntilAsync{T}"/>, but returns what was read when <paramref name="timeout"/> passes first, for the test to say what is missing.</summary>
    public async Task<List<T>> ReadAsync<T>(string topic, Func<List<T>, bool> done, TimeSpan timeout) where T : class, IMessage<T>, new()
    {
        using var consumer = ReaderOf(topic);
        var read = new List<T>();
        var deadline = DateTime.UtcNow + timeout;
        while (!done(read) && DateTime.UtcNow < deadline)
            while (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } result)
                read.Add(ProtobufDeserializer<T>.Decode(result.Message.Value));
        // A second more: anything written twice comes right behind.
        var settle = DateTime.UtcNow.AddSeconds(1);
        while (DateTime.UtcNow < settle)
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } result)
                read.Add(ProtobufDeserializer<T>.Decode(result.Message.Value));
        consumer.Close();
        return await Task.FromResult(read);
    }

    /// <summary>Reads a topic from the start (committed records only) until <paramref name="count"/> records were read: the key and partition of each.</summary>
    public async Task<List<(string Key, int Partition)>> ReadPlacementsAsync(string topic, int count)
    {
        using var consumer = ReaderOf(topic);
        var read = new List<(string, int)>();
        try
        {
            return await Eventually.HoldsAsync(() =>
            {
                while (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } result)
                    read.Add((result.Message.Key, result.Partition.Value));
                return Task.FromResult(read);
            }, r => r.Count >= count, TimeSpan.FromSeconds(90), $"{count} records in {topic}");
        }
        finally
        {
            consumer.Close();
        }
    }

    /// <summary>A new group reading <paramref name="topic"/> from the start, committed records only.</summary>
    private IConsumer<string, byte[]> ReaderOf(string topic)
    {
        var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = Kafka.BootstrapServers,
            GroupId = KafkaFixture.UniqueName("rules-it-reader"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            IsolationLevel = IsolationLevel.ReadCommitted,
            EnableAutoCommit = false,
        }).Build();
        consumer.Subscribe(topic);
        return consumer;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _producer.Dispose();
        _registry.Dispose();
        foreach (var dir in _stateDirs)
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (DirectoryNotFoundException)
            {
            }
    }
}
