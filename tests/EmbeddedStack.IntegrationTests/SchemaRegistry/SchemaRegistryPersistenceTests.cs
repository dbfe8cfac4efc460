using Confluent.SchemaRegistry;
using Pipeline.EmbeddedStack.SchemaRegistry;
using Pipeline.TestSupport.Fixtures;

namespace Pipeline.EmbeddedStack.IntegrationTests.SchemaRegistry;

/// <summary>The registry's state lives in its storage directory: a restart keeps every id and version.</summary>
public sealed class SchemaRegistryPersistenceTests
{
    [Fact]
    public async Task Ids_and_versions_survive_a_restart_on_the_same_storage()
    {
        var dir = SchemaRegistryFixture.CreateTempStorageDir();
        var iot = new Schema(Schemas.Iot, [], SchemaType.Protobuf);
        var other = new Schema(Schemas.UniqueProto("restart"), [], SchemaType.Protobuf);
        int iotId, otherId;
        await using (var before = await PrivateRegistry.StartAsync(dir))
        using (var client = SchemaRegistryFixture.CreateClient(before.Url))
        {
            iotId = await client.RegisterSchemaAsync("iot.telemetry.raw-value", iot);
            otherId = await client.RegisterSchemaAsync("other-value", other);
            await client.RegisterSchemaAsync("other-value", iot);
        }
        Assert.True(File.Exists(Path.Combine(dir, "schemas.json")));

        await using var after = await PrivateRegistry.StartAsync(dir);
        using var fresh = SchemaRegistryFixture.CreateClient(after.Url);

        Assert.Equal(Schemas.Iot, (await fresh.GetSchemaAsync(iotId)).SchemaString);
        Assert.Equal(other.SchemaString, (await fresh.GetSchemaAsync(otherId)).SchemaString);
        Assert.Equal((2, iotId), ((await fresh.GetLatestSchemaAsync("other-value")).Version, (await fresh.GetLatestSchemaAsync("other-value")).Id));
        Assert.Equal(iotId, await fresh.RegisterSchemaAsync("iot.telemetry.raw-value", iot));
        Assert.Equal(iotId, await fresh.RegisterSchemaAsync("a-new-subject-value", iot));
        var newId = await fresh.RegisterSchemaAsync("other-value", new Schema(Schemas.UniqueProto("after"), [], SchemaType.Protobuf));
        Assert.True(newId > Math.Max(iotId, otherId), $"a new schema after the restart got id {newId}, which was already taken");
        Assert.Equal(0, after.ServerErrorCount);
    }

    [Fact]
    public async Task Two_registries_cannot_share_one_storage_directory()
    {
        var dir = SchemaRegistryFixture.CreateTempStorageDir();
        await using var first = await PrivateRegistry.StartAsync(dir);

        var e = await Assert.ThrowsAsync<IOException>(() => PrivateRegistry.StartAsync(dir));
        Assert.Contains("in use by another registry", e.Message);
    }

    [Fact]
    public async Task A_corrupt_state_file_stops_the_start_with_its_path()
    {
        var dir = SchemaRegistryFixture.CreateTempStorageDir();
        await File.WriteAllTextAsync(Path.Combine(dir, "schemas.json"), "{ this is not json");

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => PrivateRegistry.StartAsync(dir));
        Assert.Contains(Path.Combine(dir, "schemas.json"), e.Message);

        // the failed start released the directory: fixing the file is enough
        File.Delete(Path.Combine(dir, "schemas.json"));
        await using var registry = await PrivateRegistry.StartAsync(dir);
    }

    [Fact]
    public async Task A_url_that_is_not_an_http_address_is_refused_before_binding()
    {
        var dir = SchemaRegistryFixture.CreateTempStorageDir();
        await Assert.ThrowsAsync<ArgumentException>(() => EmbeddedSchemaRegistry.StartAsync("https://127.0.0.1:0", dir));
        await Assert.ThrowsAsync<ArgumentException>(() => EmbeddedSchemaRegistry.StartAsync("http://example.invalid:0", dir));
        await Assert.ThrowsAsync<ArgumentException>(() => EmbeddedSchemaRegistry.StartAsync("127.0.0.1:8081", dir));
    }
}
