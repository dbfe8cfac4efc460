using ClickHouse.Driver;
using Confluent.SchemaRegistry;
using Microsoft.Extensions.Options;
using Pipeline.Cli.Devices;
using Pipeline.Contracts;
using Pipeline.DeviceRegistry;
using Pipeline.ServiceDefaults;
using Pipeline.ServiceDefaults.Kafka;

namespace Pipeline.WebConsole.Data;

/// <summary>One device as the Fleet page lists it.</summary>
public sealed record FleetDevice(DeviceRecord Record, bool Connected, string Instance, DateTimeOffset? LastSeen)
{
    public string Site => Record.Attributes.TryGetValue("site", out var site) ? site : "";
}

/// <summary>
/// The fleet: the registry (iot.devices, through the same <see cref="DeviceRegistryClient"/> as `./pipeline devices`)
/// joined with presence from iot.connectivity (the CLI's <see cref="PresenceRule"/>). Adding and revoking go
/// through the registry client too, so its checks (ids, attributes, duplicates) refuse bad input the same way.
/// </summary>
public sealed class FleetReader(KafkaClientFactory kafka, IOptions<KafkaOptions> kafkaOptions, IOptions<ClickHouseOptions> clickHouse,
    IOptions<DeviceTokenOptions> tokens, ILogger<FleetReader> logger)
{
    public async Task<(IReadOnlyList<FleetDevice> Devices, string? PresenceError)> ListAsync(CancellationToken ct)
    {
        using var registry = Registry();
        var records = await registry.ListAsync(ct);
        IReadOnlyDictionary<string, DeviceConnectivity> devices = new Dictionary<string, DeviceConnectivity>();
        IReadOnlyDictionary<string, InstanceLiveness> instances = new Dictionary<string, InstanceLiveness>();
        string? presenceError = null;
        try
        {
            (devices, instances) = await ConnectivityReader.ReadAsync(clickHouse.Value, ct);
        }
        catch (Exception e) when (e is ClickHouseServerException or HttpRequestException)
        {
            presenceError = $"Connectivity unknown: reading iot.connectivity failed ({e.Message}).";
        }
        var now = DateTimeOffset.UtcNow;
        return (records.OrderBy(r => r.DeviceId, StringComparer.Ordinal).Select(r =>
        {
            var known = devices.TryGetValue(r.DeviceId, out var d);
            return new FleetDevice(r, known && PresenceRule.IsConnected(d!, instances, now), known ? d!.Instance : "", known ? d!.LastSeen : null);
        }).ToList(), presenceError);
    }

    public async Task<DeviceAdded> AddAsync(string id, IReadOnlyDictionary<string, string> attributes, CancellationToken ct)
    {
        using var registry = Registry();
        var added = await registry.AddAsync(id, attributes, issueCertificate: false, ct);
        logger.LogInformation("Console added device {DeviceId}", id);
        return added;
    }

    public async Task RevokeAsync(string id, CancellationToken ct)
    {
        using var registry = Registry();
        await registry.RevokeAsync(id, ct);
        logger.LogInformation("Console revoked device {DeviceId}", id);
    }

    // One Schema Registry client for the process (it caches schema ids); a registry client per request, since
    // each call reads the compacted topic afresh anyway.
    private readonly Lazy<CachedSchemaRegistryClient> _schemaRegistry = new(() => SchemaRegistryClients.Create(kafkaOptions.Value));

    private readonly Lazy<TokenPepper?> _pepper = new(() => tokens.Value.Load());

    private DeviceRegistryClient Registry() => new(kafka, _schemaRegistry.Value) { Pepper = _pepper.Value };
}
