using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pipeline.Contracts;
using Pipeline.DeviceRegistry;
using Pipeline.MqttBridge.Hosting;
using Pipeline.ServiceDefaults;
using Pipeline.ServiceDefaults.Kafka;
using Pipeline.TestSupport;
using Pipeline.TestSupport.Fixtures;

namespace Pipeline.MqttBridge.IntegrationTests.Support;

/// <summary>
/// A real bridge in this process, the same way Program.cs builds it, on ephemeral ports, with its
/// own topics and fleet CA directory, against the shared Kafka and Schema Registry fixtures (or a
/// private Kafka cluster for fault injection).
/// </summary>
public sealed class TestBridge : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly LogCollector _logs;
    private readonly string _caDirectory;

    private TestBridge(WebApplication app, LogCollector logs, string bootstrapServers, KafkaTopics topics, string caDirectory, DeviceRegistryClient registry, FleetCertificateAuthority ca)
    {
        _app = app;
        _logs = logs;
        BootstrapServers = bootstrapServers;
        Topics = topics;
        _caDirectory = caDirectory;
        Registry = registry;
        Ca = ca;
        Endpoints = app.Services.GetRequiredService<BridgeEndpoints>();
    }

    /// <summary>The token pepper test bridges are configured with (a setting can replace it).</summary>
    public const string TokenPepperSecret = "test-bridge-token-pepper-0123456789abcdef";

    public string BootstrapServers { get; }
    public KafkaTopics Topics { get; }
    public BridgeEndpoints Endpoints { get; }
    public DeviceRegistryClient Registry { get; }
    public FleetCertificateAuthority Ca { get; }
    public IServiceProvider Services => _app.Services;
    public string HttpUrl => _app.Urls.First();
    public IReadOnlyCollection<string> LoggedErrors => _logs.Errors;

    /// <param name="settings">Extra configuration (e.g. "Limits:RateLimitPerSecond" = "5").</param>
    /// <param name="bootstrapServers">A private Kafka (its topics are created here); the shared fixture when null.</param>
    /// <param name="createTopics">Creates topics on the Kafka in use; the shared fixture's when null.</param>
    /// <param name="fleetOf">Another bridge whose Kafka and topics this one shares: a second instance of the same fleet.</param>
    /// <param name="waitUntilHealthy">False for a bridge that is meant to stay not ready (what it refuses then is the test).</param>
    public static async Task<TestBridge> StartAsync(
        IReadOnlyDictionary<string, string>? settings = null, string? bootstrapServers = null, Action<IEnumerable<string>>? createTopics = null,
        TestBridge? fleetOf = null, bool waitUntilHealthy = true)
    {
        var kafka = KafkaFixture.Shared;
        bootstrapServers ??= fleetOf?.BootstrapServers ?? kafka.BootstrapServers;
        createTopics ??= fleetOf is null ? names => kafka.CreateTopics(names, partitions: 3) : _ => { };
        var id = Guid.NewGuid().ToString("N")[..12];
        var topics = fleetOf?.Topics ?? new KafkaTopics
        {
            TelemetryRaw = $"bridge-test-{id}.telemetry.raw",
            EventsRaw = $"bridge-test-{id}.events.raw",
            Rejected = $"bridge-test-{id}.rejected",
            Devices = $"bridge-test-{id}.devices",
            Commands = $"bridge-test-{id}.commands",
            ShadowRequests = $"bridge-test-{id}.shadow.requests",
            ShadowResponses = $"bridge-test-{id}.shadow.responses",
            Shadows = $"bridge-test-{id}.shadows",
            Rules = $"bridge-test-{id}.rules",
            Retained = $"bridge-test-{id}.retained",
            Connectivity = $"bridge-test-{id}.connectivity",
            Presence = $"bridge-test-{id}.presence",
            Sessions = $"bridge-test-{id}.sessions",
        };
        createTopics([topics.TelemetryRaw, topics.EventsRaw, topics.Rejected, topics.Devices, topics.Commands,
            topics.ShadowRequests, topics.ShadowResponses, topics.Shadows, topics.Rules, topics.Retained, topics.Connectivity, topics.Presence, topics.Sessions]);
        var caDirectory = Path.Combine(Path.GetTempPath(), $"bridge-test-ca-{id}");

        var config = new Dictionary<string, string>
        {
            ["Kafka:BootstrapServers"] = bootstrapServers,
            ["Kafka:SchemaRegistryUrl"] = SchemaRegistryFixture.Shared.Url,
            ["Topics:TelemetryRaw"] = topics.TelemetryRaw,
            ["Topics:EventsRaw"] = topics.EventsRaw,
            ["Topics:Rejected"] = topics.Rejected,
            ["Topics:Devices"] = topics.Devices,
            ["Topics:Commands"] = topics.Commands,
            ["Topics:ShadowRequests"] = topics.ShadowRequests,
            ["Topics:ShadowResponses"] = topics.ShadowResponses,
            ["Topics:Shadows"] = topics.Shadows,
            ["Topics:Rules"] = topics.Rules,
            ["Topics:Retained"] = topics.Retained,
            ["Topics:Connectivity"] = topics.Connectivity,
            ["Topics:Presence"] = topics.Presence,
            ["Topics:Sessions"] = topics.Sessions,
            ["Listeners:TcpPort"] = "0",
            ["Listeners:TlsPort"] = "0",
            ["Listeners:WebSocketPort"] = "0",
            ["Listeners:CaDirectory"] = caDirectory,
            ["Limits:FailedConnectsPerMinute"] = "1000000",
            ["Bridge:InstanceId"] = $"test-bridge-{id}",
            ["Bridge:LingerMs"] = "0",
            ["Http:Url"] = "http://127.0.0.1:0",
            ["DeviceTokens:Pepper"] = TokenPepperSecret,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            config[key] = value;

        var logs = new LogCollector();
        var args = config.Select(kv => $"--{kv.Key}={kv.Value}").ToArray();
        var builder = ServiceDefaultsExtensions.CreateServiceBuilder(args, "http://127.0.0.1:0");
        builder.Logging.AddProvider(logs);
        builder.Services.AddMqttBridge(builder.Configuration);
        var app = builder.Build();
        app.MapBridgeEndpoints();
        await app.StartAsync();

        var ca = FleetCertificateAuthority.LoadOrCreate(caDirectory);
        var registry = new DeviceRegistryClient(new KafkaClientFactory(new KafkaOptions { BootstrapServers = bootstrapServers }, "bridge-test"), SchemaRegistryFixture.Shared.CreateClient(), ca, topics.Devices)
        {
            Pepper = TokenPepper.FromSecret(config["DeviceTokens:Pepper"]),
        };
        var bridge = new TestBridge(app, logs, bootstrapServers, topics, caDirectory, registry, ca);
        if (waitUntilHealthy)
            await bridge.WaitUntilHealthyAsync();
        return bridge;
    }

    public async Task<string> HealthAsync()
    {
        using var http = new HttpClient();
        var response = await http.GetAsync($"{HttpUrl}/healthz");
        return $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
    }

    public async Task WaitUntilHealthyAsync() =>
        await Eventually.HoldsAsync(HealthAsync, h => h.StartsWith("200", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "bridge /healthz ready");

    /// <summary>Registers a device and waits until this bridge's registry view knows it.</summary>
    public async Task<DeviceAdded> AddDeviceAsync(string? id = null, IReadOnlyDictionary<string, string>? attributes = null, bool certificate = false)
    {
        id ??= $"dev-{Guid.NewGuid():N}"[..20];
        var added = await Registry.AddAsync(id, attributes ?? new Dictionary<string, string>(), certificate, CancellationToken.None);
        var view = Services.GetRequiredService<DeviceRegistryView>();
        await Eventually.HoldsAsync(() => view.TryGet(id, out _), TimeSpan.FromSeconds(20), $"bridge knows device {id}");
        return added;
    }

    /// <summary>Waits until this bridge's registry view knows a device another bridge of the fleet registered.</summary>
    public async Task WaitForDeviceAsync(string id)
    {
        var view = Services.GetRequiredService<DeviceRegistryView>();
        await Eventually.HoldsAsync(() => view.TryGet(id, out _), TimeSpan.FromSeconds(20), $"bridge knows device {id}");
    }

    public async Task RevokeAsync(string id)
    {
        await Registry.RevokeAsync(id, CancellationToken.None);
        var view = Services.GetRequiredService<DeviceRegistryView>();
        await Eventually.HoldsAsync(() => view.TryGet(id, out var r) && r.Revoked, TimeSpan.FromSeconds(20), $"bridge sees {id} revoked");
    }

    public Task<IReadOnlyList<(string Key, T Value)>> WaitForRecordsAsync<T>(string topic, Func<T, bool> match, int count = 1, TimeSpan? timeout = null)
        where T : Google.Protobuf.IMessage<T>, new() =>
        KafkaRecords.ReadAsync(BootstrapServers, topic, match, count, timeout ?? TimeSpan.FromSeconds(30));

    public Task<IReadOnlyList<(string Key, T Value)>> RecordsNowAsync<T>(string topic, Func<T, bool> match)
        where T : Google.Protobuf.IMessage<T>, new() =>
        KafkaRecords.ReadAllNowAsync(BootstrapServers, topic, match);

    public Task<RejectedMessage> WaitForRejectionAsync(string deviceId, RejectedMessage.Types.Reason reason) =>
        WaitForRecordsAsync<RejectedMessage>(Topics.Rejected, r => r.DeviceId == deviceId && r.Reason == reason)
            .ContinueWith(t => t.Result[0].Value, TaskScheduler.Default);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Registry.Dispose();
        Ca.Dispose();
        try
        {
            Directory.Delete(_caDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
