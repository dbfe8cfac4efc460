using Confluent.SchemaRegistry;
using Pipeline.TestSupport.Fixtures;

namespace Pipeline.EmbeddedStack.IntegrationTests.SchemaRegistry;

/// <summary>Many producers starting at once (each registering its schema) get consistent ids.</summary>
public sealed class SchemaRegistryConcurrencyTests
{
    [Fact]
    public async Task Parallel_registrations_give_one_id_per_schema_and_one_version_per_subject()
    {
        var dir = SchemaRegistryFixture.CreateTempStorageDir();
        var shared = new Schema(Schemas.UniqueProto("shared"), [], SchemaType.Protobuf);
        int[] sharedIds, ownIds;
        await using (var registry = await PrivateRegistry.StartAsync(dir))
        {
            // separate clients, so nothing is answered from a client cache
            var clients = Enumerable.Range(0, 16).Select(_ => SchemaRegistryFixture.CreateClient(registry.Url)).ToList();
            try
            {
                sharedIds = await Task.WhenAll(clients.Select((c, i) => c.RegisterSchemaAsync($"shared-{i}-value", shared)));
                ownIds = await Task.WhenAll(clients.Select((c, i) =>
                    c.RegisterSchemaAsync("one-subject-value", new Schema(Schemas.UniqueProto($"own{i}"), [], SchemaType.Protobuf))));
                Assert.Equal(Enumerable.Range(1, 16), await clients[0].GetSubjectVersionsAsync("one-subject-value"));
            }
            finally
            {
                clients.ForEach(c => c.Dispose());
            }
            Assert.Equal(0, registry.ServerErrorCount);
        }

        Assert.Single(sharedIds.Distinct());
        Assert.Equal(16, ownIds.Distinct().Count());
        Assert.DoesNotContain(sharedIds[0], ownIds);

        await using var restarted = await PrivateRegistry.StartAsync(dir);
        using var client = SchemaRegistryFixture.CreateClient(restarted.Url);
        foreach (var id in ownIds.Append(sharedIds[0]))
            await client.GetSchemaAsync(id); // every id handed out was saved
    }
}
