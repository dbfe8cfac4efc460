using Pipeline.Contracts;
using Pipeline.DeviceRegistry;
using Pipeline.ServiceDefaults;
using Pipeline.ServiceDefaults.Kafka;
using Pipeline.TestSupport;
using Pipeline.TestSupport.Fixtures;

namespace Pipeline.MqttBridge.IntegrationTests;

/// <summary>The registry client (what `./pipeline devices` calls) and the live view, against Kafka and the Schema Registry.</summary>
public sealed class DeviceRegistryTests : IDisposable
{
    private readonly string _topic = KafkaFixture.Shared.CreateUniqueTopic("devices", partitions: 3);
    private readonly FleetCertificateAuthority _ca = FleetCertificateAuthority.CreateEphemeral();
    private readonly DeviceRegistryClient _client;
    private static readonly KafkaClientFactory Clients = new(new KafkaOptions { BootstrapServers = KafkaFixture.Shared.BootstrapServers }, "registry-test");

    public DeviceRegistryTests() =>
        _client = new DeviceRegistryClient(Clients, SchemaRegistryFixture.Shared.CreateClient(), _ca, _topic)
        {
            TokenHashIterations = 1000,
        };

    public void Dispose()
    {
        _client.Dispose();
        _ca.Dispose();
    }

    [Fact]
    public async Task Add_returns_the_token_once_and_stores_only_its_hash()
    {
        var added = await _client.AddAsync("meter-1", new Dictionary<string, string> { ["site"] = "berlin" }, issueCertificate: false, CancellationToken.None);

        Assert.False(string.IsNullOrEmpty(added.Token));
        Assert.Null(added.Certificate);
        var listed = Assert.Single(await _client.ListAsync(CancellationToken.None));
        Assert.Equal("meter-1", listed.DeviceId);
        Assert.Equal("berlin", listed.Attributes["site"]);
        Assert.False(listed.Revoked);
        Assert.DoesNotContain(added.Token, listed.ToString());
        Assert.True(DeviceTokens.Verify(added.Token, listed.Token));
    }

    [Fact]
    public async Task Add_with_a_certificate_returns_the_pem_and_records_its_thumbprint()
    {
        var added = await _client.AddAsync("meter-2", new Dictionary<string, string>(), issueCertificate: true, CancellationToken.None);
        Assert.NotNull(added.Certificate);
        Assert.Contains("BEGIN CERTIFICATE", added.Certificate.CertificatePem);
        Assert.Contains("BEGIN PRIVATE KEY", added.Certificate.PrivateKeyPem);
        Assert.Equal(_ca.CertificatePem, added.CaCertificatePem);
        var listed = Assert.Single(await _client.ListAsync(CancellationToken.None));
        Assert.Equal(added.Certificate.Sha256Thumbprint, listed.CertificateThumbprint);
    }

    [Fact]
    public async Task A_duplicate_id_is_refused()
    {
        await _client.AddAsync("meter-3", new Dictionary<string, string>(), false, CancellationToken.None);
        var error = await Assert.ThrowsAsync<DeviceRegistryException>(() =>
            _client.AddAsync("meter-3", new Dictionary<string, string>(), false, CancellationToken.None));
        Assert.Equal(DeviceRegistryError.DuplicateId, error.Error);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("a/b")]
    [InlineData("devices/#")]
    public async Task An_invalid_id_is_refused_before_anything_is_written(string id)
    {
        var error = await Assert.ThrowsAsync<DeviceRegistryException>(() => _client.AddAsync(id, new Dictionary<string, string>(), false, CancellationToken.None));
        Assert.Equal(DeviceRegistryError.InvalidId, error.Error);
    }

    [Fact]
    public async Task Many_devices_are_added_with_one_call_and_each_gets_its_own_token()
    {
        var ids = Enumerable.Range(0, 200).Select(i => $"sim-{i:00000}").ToList();
        var added = await _client.AddManyAsync(ids, new Dictionary<string, string> { ["site"] = "lab" }, issueCertificate: false, CancellationToken.None);
        Assert.Equal(ids, added.Select(a => a.DeviceId));
        Assert.Equal(200, added.Select(a => a.Token).Distinct().Count());
        var listed = await _client.ListAsync(CancellationToken.None);
        Assert.Equal(200, listed.Count);
        Assert.True(DeviceTokens.Verify(added[123].Token, listed.Single(d => d.DeviceId == "sim-00123").Token));

        var error = await Assert.ThrowsAsync<DeviceRegistryException>(() =>
            _client.AddManyAsync(["sim-00001", "new-one"], new Dictionary<string, string>(), false, CancellationToken.None));
        Assert.Equal(DeviceRegistryError.DuplicateId, error.Error);
        Assert.Contains("sim-00001", error.Message);
        Assert.Equal(200, (await _client.ListAsync(CancellationToken.None)).Count);
    }

    [Fact]
    public async Task Revoking_an_unknown_device_is_an_error()
    {
        var error = await Assert.ThrowsAsync<DeviceRegistryException>(() => _client.RevokeAsync("ghost", CancellationToken.None));
        Assert.Equal(DeviceRegistryError.UnknownId, error.Error);
    }

    [Fact]
    public async Task The_view_catches_up_then_follows_revokes_live()
    {
        await _client.AddAsync("meter-4", new Dictionary<string, string>(), false, CancellationToken.None);
        await _client.AddAsync("meter-5", new Dictionary<string, string>(), false, CancellationToken.None);
        using var view = new DeviceRegistryView(Clients, _topic);
        var revoked = new List<string>();
        view.DeviceRevoked += r =>
        {
            lock (revoked)
                revoked.Add(r.DeviceId);
        };
        view.Start();
        await view.WaitUntilReadyAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        Assert.Equal(2, view.Count);

        await _client.RevokeAsync("meter-5", CancellationToken.None);

        await Eventually.HoldsAsync(() => { lock (revoked) return revoked.Contains("meter-5"); }, TimeSpan.FromSeconds(20), "the view raises the revoke");
        Assert.True(view.TryGet("meter-5", out var record) && record.Revoked && record.RevokedTsMs > 0);
        Assert.True(view.TryGet("meter-4", out var other) && !other.Revoked);
    }

    [Fact]
    public async Task A_registry_record_written_again_with_kcat_does_not_undo_a_revocation()
    {
        await _client.AddAsync("meter-6", new Dictionary<string, string>(), false, CancellationToken.None);
        // The record as it was before the revocation, as any local user can read it back from the embedded Kafka.
        var before = ReadRecordBytes("meter-6");
        using var live = new DeviceRegistryView(Clients, _topic);
        live.Start();
        await live.WaitUntilReadyAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        await _client.RevokeAsync("meter-6", CancellationToken.None);
        await Eventually.HoldsAsync(() => live.TryGet("meter-6", out var r) && r.Revoked, TimeSpan.FromSeconds(20), "the live view sees the revocation");

        var file = Path.Combine(Path.GetTempPath(), $"registry-replay-{Guid.NewGuid():N}.bin");
        try
        {
            await File.WriteAllBytesAsync(file, before);
            // kcat sends a file as one message, keyed like the registry's own records (same default partitioner).
            await RunAsync("kcat", "-P", "-b", KafkaFixture.Shared.BootstrapServers, "-t", _topic, "-k", "meter-6", file);
        }
        finally
        {
            File.Delete(file);
        }

        // A view started now reads the whole topic, the replayed record last, before it is ready: as a bridge starting later.
        using var fresh = new DeviceRegistryView(Clients, _topic);
        fresh.Start();
        await fresh.WaitUntilReadyAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        Assert.True(fresh.TryGet("meter-6", out var seen) && seen.Revoked, "a view that read the replayed record still holds the device revoked");
        Assert.True(live.TryGet("meter-6", out var held) && held.Revoked, "the live view still holds the device revoked");
    }

    /// <summary>The value bytes of the first record in the registry topic keyed <paramref name="deviceId"/>.</summary>
    private byte[] ReadRecordBytes(string deviceId)
    {
        using var consumer = new Confluent.Kafka.ConsumerBuilder<string, byte[]>(new Confluent.Kafka.ConsumerConfig
        {
            BootstrapServers = KafkaFixture.Shared.BootstrapServers, GroupId = KafkaFixture.UniqueName("registry-replay"),
            AutoOffsetReset = Confluent.Kafka.AutoOffsetReset.Earliest, EnableAutoCommit = false,
        }).Build();
        consumer.Subscribe(_topic);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { Message.Key: var key } result && key == deviceId)
                return result.Message.Value;
        throw new TimeoutException($"No record for {deviceId} in {_topic} within 30 s.");
    }

    private static async Task RunAsync(string tool, params string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo(tool) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        using var process = System.Diagnostics.Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        Assert.True(process.ExitCode == 0, $"{CommandLine.Redacted(tool, args)} exited {process.ExitCode}: {await stderr}");
    }

    [Fact]
    public async Task An_empty_registry_is_ready_at_once()
    {
        using var view = new DeviceRegistryView(Clients, _topic);
        view.Start();
        await view.WaitUntilReadyAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        Assert.Equal(0, view.Count);
    }

    [Fact]
    public async Task A_missing_topic_gives_a_clear_error_instead_of_hanging()
    {
        using var client = new DeviceRegistryClient(Clients, SchemaRegistryFixture.Shared.CreateClient(), _ca,
            "no-such-topic-" + Guid.NewGuid().ToString("N")) { Timeout = TimeSpan.FromSeconds(3) };
        var error = await Assert.ThrowsAsync<DeviceRegistryException>(() => client.ListAsync(CancellationToken.None));
        Assert.Equal(DeviceRegistryError.RegistryUnavailable, error.Error);
        Assert.Contains("could not be read", error.Message);
    }

    [Fact]
    public void Records_round_trip_through_the_wire_format()
    {
        var record = new DeviceRecord { DeviceId = "x", Token = DeviceTokens.Hash("t", 1000) };
        var bytes = Contracts.Serialization.ProtobufSerializer<DeviceRecord>.Encode(record, 7);
        Assert.Equal(record, Contracts.Serialization.ProtobufDeserializer<DeviceRecord>.Decode(bytes));
    }
}
