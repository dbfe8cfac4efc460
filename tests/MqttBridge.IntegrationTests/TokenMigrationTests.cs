using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using Pipeline.DeviceRegistry;
using Pipeline.MqttBridge.IntegrationTests.Support;
using Pipeline.ServiceDefaults;
using Pipeline.ServiceDefaults.Kafka;
using Pipeline.TestSupport;
using Pipeline.TestSupport.Fixtures;

namespace Pipeline.MqttBridge.IntegrationTests;

/// <summary>Registry records from before keyed token hashes (PBKDF2) keep working and are rewritten keyed after a good connect.</summary>
public sealed class TokenMigrationTests(BridgeFixture fixture) : IClassFixture<BridgeFixture>
{
    private TestBridge Bridge => fixture.Bridge;

    [Fact]
    public async Task A_device_registered_with_a_legacy_hash_connects_and_its_record_is_rewritten_keyed()
    {
        // A registry writer without the pepper writes what every writer wrote before: a salted PBKDF2 hash.
        using var legacyWriter = new DeviceRegistryClient(new KafkaClientFactory(new KafkaOptions { BootstrapServers = Bridge.BootstrapServers }, "legacy-writer"),
            SchemaRegistryFixture.Shared.CreateClient(), topic: Bridge.Topics.Devices) { TokenHashIterations = 1000 };
        var id = $"legacy-{Guid.NewGuid():N}"[..20];
        var device = await legacyWriter.AddAsync(id, new Dictionary<string, string> { ["site"] = "plant-1" }, issueCertificate: false, CancellationToken.None);
        Assert.Equal(DeviceTokens.Algorithm, device.Record.Token.Algorithm);
        var view = Bridge.Services.GetRequiredService<DeviceRegistryView>();
        await Eventually.HoldsAsync(() => view.TryGet(id, out _), TimeSpan.FromSeconds(20), $"bridge knows device {id}");

        var options = DeviceClients.Tcp(Bridge.Endpoints, id).WithToken(id, device.Token).Build();
        using (var first = await DeviceClients.ConnectOrThrowAsync(options))
            await first.DisconnectAsync();

        // The registry itself (what every bridge reads at its start) now holds the keyed form, the rest unchanged.
        var migrated = await Eventually.HoldsAsync(
            async () => (await Bridge.Registry.ListAsync(CancellationToken.None)).Single(d => d.DeviceId == id),
            d => d.Token.Algorithm == DeviceTokens.KeyedAlgorithm, TimeSpan.FromSeconds(30), $"{id}'s registry record rewritten keyed");
        Assert.Equal("plant-1", migrated.Attributes["site"]);
        Assert.Equal(device.Record.CreatedTsMs, migrated.CreatedTsMs);
        Assert.True(migrated.UpdatedTsMs > device.Record.UpdatedTsMs);
        Assert.Equal(TokenCheck.Valid, DeviceTokens.Check(device.Token, migrated.Token, TokenPepper.FromSecret(TestBridge.TokenPepperSecret)));
        Assert.Equal(TokenCheck.Refused, DeviceTokens.Check(device.Token, migrated.Token, pepper: null));

        // The same token connects against the rewritten record; a wrong one is still refused.
        await Eventually.HoldsAsync(() => view.TryGet(id, out var held) && held.Token.Algorithm == DeviceTokens.KeyedAlgorithm,
            TimeSpan.FromSeconds(20), "the bridge's view holds the rewritten record");
        using (var again = await DeviceClients.ConnectOrThrowAsync(options))
            await again.DisconnectAsync();
        var (wrong, result, _) = await DeviceClients.ConnectAsync(DeviceClients.Tcp(Bridge.Endpoints, id).WithToken(id, device.Token + "x").Build());
        using (wrong)
            Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, result!.ResultCode);
    }
}
