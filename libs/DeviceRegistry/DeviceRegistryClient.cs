using Confluent.Kafka;
using Confluent.SchemaRegistry;
using Microsoft.Extensions.Logging;
using Pipeline.Contracts;
using Pipeline.Contracts.Serialization;
using Pipeline.ServiceDefaults.Kafka;

namespace Pipeline.DeviceRegistry;

/// <summary>
/// Writes the device registry: one <see cref="DeviceRecord"/> per device on the compacted topic,
/// keyed by device id. What `./pipeline devices add|list|revoke` calls. Each call reads the
/// current registry first (to refuse duplicates and unknown ids), so two operators adding the same
/// id at the same instant can both succeed; the later record wins.
/// </summary>
public sealed class DeviceRegistryClient(
    KafkaClientFactory kafka,
    ISchemaRegistryClient schemaRegistry,
    FleetCertificateAuthority? certificateAuthority = null,
    string topic = "iot.devices",
    ILogger? logger = null) : IDisposable
{
    private readonly ProtobufSerializer<DeviceRecord> _serializer = new(schemaRegistry);
    private IProducer<string, byte[]>? _producer;

    /// <summary>
    /// The server secret new tokens are hashed with (HMAC-SHA256, what the bridges check in microseconds). Without one,
    /// new tokens get the legacy PBKDF2 hash, which the bridge rewrites keyed at the device's first connect.
    /// </summary>
    public TokenPepper? Pepper { get; init; }

    /// <summary>PBKDF2 iterations for new tokens when there is no <see cref="Pepper"/> (stored per record).</summary>
    public int TokenHashIterations { get; init; } = DeviceTokens.DefaultIterations;

    /// <summary>How long a call waits for Kafka before it gives up with <see cref="DeviceRegistryError.RegistryUnavailable"/>.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    public async Task<DeviceAdded> AddAsync(string id, IReadOnlyDictionary<string, string> attributes, bool issueCertificate, CancellationToken cancellationToken)
    {
        DeviceIds.Validate(id);
        ArgumentNullException.ThrowIfNull(attributes);
        DeviceAttributes.Validate(attributes);
        if (issueCertificate && certificateAuthority is not { CanIssue: true })
            throw new InvalidOperationException("A certificate was requested but this registry client has no fleet CA that can issue.");

        var existing = await ReadAsync(cancellationToken).ConfigureAwait(false);
        if (existing.TryGetValue(id, out var current))
            throw new DeviceRegistryException(DeviceRegistryError.DuplicateId,
                current.Revoked ? $"Device '{id}' already exists (revoked); choose another id." : $"Device '{id}' already exists.");

        var added = NewDevice(id, attributes, issueCertificate);
        await WriteAsync(added.Record, cancellationToken).ConfigureAwait(false);
        logger?.LogInformation("Device {DeviceId} added{Certificate}", id, issueCertificate ? " with a client certificate" : "");
        return added;
    }

    private DeviceAdded NewDevice(string id, IReadOnlyDictionary<string, string> attributes, bool issueCertificate)
    {
        var token = DeviceTokens.NewToken();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var record = new DeviceRecord
        {
            DeviceId = id,
            CreatedTsMs = now,
            UpdatedTsMs = now,
            Token = Pepper is null ? DeviceTokens.Hash(token, TokenHashIterations) : DeviceTokens.HashKeyed(token, Pepper),
        };
        foreach (var (key, value) in attributes)
            record.Attributes[key] = value;
        IssuedCertificate? certificate = null;
        if (issueCertificate)
        {
            certificate = certificateAuthority!.IssueDeviceCertificate(id);
            record.CertificateThumbprint = certificate.Sha256Thumbprint;
        }
        return new DeviceAdded(id, token, certificate, issueCertificate ? certificateAuthority!.CertificatePem : null, record);
    }

    /// <summary>
    /// Adds many devices with one read of the registry (what `simulate --register` needs; one
    /// <see cref="AddAsync"/> per device would read the whole registry each time). All ids are
    /// checked before anything is written; tokens are hashed in parallel.
    /// </summary>
    public async Task<IReadOnlyList<DeviceAdded>> AddManyAsync(IReadOnlyList<string> ids, IReadOnlyDictionary<string, string> attributes,
        bool issueCertificate, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ids);
        foreach (var id in ids)
            DeviceIds.Validate(id);
        DeviceAttributes.Validate(attributes);
        if (issueCertificate && certificateAuthority is not { CanIssue: true })
            throw new InvalidOperationException("A certificate was requested but this registry client has no fleet CA that can issue.");
        if (ids.Distinct(StringComparer.Ordinal).Count() != ids.Count)
            throw new DeviceRegistryException(DeviceRegistryError.DuplicateId, "The same device id appears twice in the list.");
        var existing = await ReadAsync(cancellationToken).ConfigureAwait(false);
        var taken = ids.Where(existing.ContainsKey).Take(5).ToList();
        if (taken.Count > 0)
            throw new DeviceRegistryException(DeviceRegistryError.DuplicateId, $"Already registered: {string.Join(", ", taken)}{(taken.Count == 5 ? ", ..." : "")}.");

        var added = new DeviceAdded[ids.Count];
        Parallel.For(0, ids.Count, new ParallelOptions { CancellationToken = cancellationToken }, i => added[i] = NewDevice(ids[i], attributes, issueCertificate));
        await WriteAllAsync(added.Select(d => d.Record).ToList(), cancellationToken).ConfigureAwait(false);
        logger?.LogInformation("{Count} devices added", ids.Count);
        return added;
    }

    /// <summary>Marks the device revoked: every bridge refuses it from then on and closes its live sessions.</summary>
    public async Task<DeviceRecord> RevokeAsync(string id, CancellationToken cancellationToken)
    {
        DeviceIds.Validate(id);
        var existing = await ReadAsync(cancellationToken).ConfigureAwait(false);
        if (!existing.TryGetValue(id, out var current))
            throw new DeviceRegistryException(DeviceRegistryError.UnknownId, $"Device '{id}' is not registered.");
        if (current.Revoked)
            return current;
        var revoked = current.Clone();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        revoked.Revoked = true;
        revoked.RevokedTsMs = now;
        revoked.UpdatedTsMs = now;
        await WriteAsync(revoked, cancellationToken).ConfigureAwait(false);
        logger?.LogInformation("Device {DeviceId} revoked", id);
        return revoked;
    }

    /// <summary>
    /// Rewrites each record (one the caller has just verified a token against) with that token's keyed hash, nothing
    /// else changed, in one batch. Each change time moves past its current record's, so the registry views take it and
    /// refuse a replay of the old form. Revoked records are never rewritten, and a revocation that lands after this
    /// write still wins in every view (a revocation is never undone). Returns the records written.
    /// </summary>
    public async Task<IReadOnlyList<DeviceRecord>> UpgradeTokenHashesAsync(
        IReadOnlyList<(DeviceRecord Current, DeviceRecord.Types.TokenHash Keyed)> upgrades, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(upgrades);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var records = upgrades.Where(u => !u.Current.Revoked).Select(u => DeviceTokens.Rekeyed(u.Current, u.Keyed, now)).ToList();
        if (records.Count > 0)
            await WriteAllAsync(records, cancellationToken).ConfigureAwait(false);
        return records;
    }

    public async Task<IReadOnlyList<DeviceRecord>> ListAsync(CancellationToken cancellationToken) =>
        (await ReadAsync(cancellationToken).ConfigureAwait(false)).Values.OrderBy(d => d.DeviceId, StringComparer.Ordinal).ToList();

    public void Dispose()
    {
        _producer?.Flush(TimeSpan.FromSeconds(10));
        _producer?.Dispose();
    }

    private async Task<Dictionary<string, DeviceRecord>> ReadAsync(CancellationToken cancellationToken)
    {
        using var view = new DeviceRegistryView(kafka, topic, logger);
        view.Start();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            await view.WaitUntilReadyAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DeviceRegistryException(DeviceRegistryError.RegistryUnavailable,
                $"The device registry ({topic} on {kafka.Options.BootstrapServers}) could not be read within {Timeout.TotalSeconds:0} s: {view.Status}.");
        }
        return view.Snapshot().ToDictionary(d => d.DeviceId, StringComparer.Ordinal);
    }

    private Task WriteAsync(DeviceRecord record, CancellationToken cancellationToken) => WriteAllAsync([record], cancellationToken);

    /// <summary>Writes the records and waits until Kafka acknowledged every one (acks=all).</summary>
    private async Task WriteAllAsync(List<DeviceRecord> records, CancellationToken cancellationToken)
    {
        if (_producer is null)
        {
            var config = kafka.ProducerConfig("device-registry");
            config.EnableIdempotence = true;
            config.Acks = Acks.All;
            config.MessageTimeoutMs = (int)Timeout.TotalMilliseconds;
            _producer = kafka.CreateProducer<string, byte[]>(config);
        }
        try
        {
            var schemaId = await _serializer.SchemaIdForAsync(topic).WaitAsync(Timeout, cancellationToken).ConfigureAwait(false);
            var deliveries = records.Select(record => _producer.ProduceAsync(topic,
                new Message<string, byte[]> { Key = record.DeviceId, Value = ProtobufSerializer<DeviceRecord>.Encode(record, schemaId) },
                cancellationToken)).ToList();
            await Task.WhenAll(deliveries).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ProduceException<string, byte[]> or KafkaException or TimeoutException or SchemaRegistryException or HttpRequestException)
        {
            throw new DeviceRegistryException(DeviceRegistryError.RegistryUnavailable,
                $"Writing {(records.Count == 1 ? $"device '{records[0].DeviceId}'" : $"{records.Count} devices")} to {topic} failed: {kafka.Redact(e.Message)}", e);
        }
    }
}
