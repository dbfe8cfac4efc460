using Confluent.SchemaRegistry;
using Pipeline.TestSupport.Fixtures;

namespace Pipeline.EmbeddedStack.IntegrationTests.SchemaRegistry;

/// <summary>
/// Confluent's own client (CachedSchemaRegistryClient 2.16) against the shared registry: everything the
/// serdes and operators do with it works as against Confluent's registry. Runs against a real registry
/// too (PIPELINE_TEST_SCHEMA_REGISTRY), so it uses unique subjects and only subject-level settings.
/// </summary>
public sealed class SchemaRegistryClientTests : IDisposable
{
    private readonly SchemaRegistryFixture _registry = SchemaRegistryFixture.Shared;
    private readonly ISchemaRegistryClient _client = SchemaRegistryFixture.Shared.CreateClient();

    [Fact]
    public async Task A_registered_schema_is_fetched_back_by_id_and_by_subject()
    {
        var subject = Subject("fetch");
        var schema = new Schema(Schemas.Iot, [], SchemaType.Protobuf);

        var id = await _client.RegisterSchemaAsync(subject, schema);

        var byId = await _client.GetSchemaAsync(id);
        Assert.Equal(Schemas.Iot, byId.SchemaString);
        Assert.Equal(SchemaType.Protobuf, byId.SchemaType);
        Assert.Empty(byId.References);

        var latest = await _client.GetLatestSchemaAsync(subject);
        Assert.Equal((subject, 1, id, Schemas.Iot), (latest.Subject, latest.Version, latest.Id, latest.SchemaString));
        Assert.Equal(SchemaType.Protobuf, latest.SchemaType);

        var v1 = await _client.GetRegisteredSchemaAsync(subject, 1);
        Assert.Equal((id, Schemas.Iot), (v1.Id, v1.SchemaString));

        Assert.Equal([1], await _client.GetSubjectVersionsAsync(subject));
        Assert.Contains(subject, await _client.GetAllSubjectsAsync());
        Assert.Equal(id, await _client.GetSchemaIdAsync(subject, schema));
        Assert.Equal(id, await FreshClientLookupAsync(subject, schema));
    }

    [Fact]
    public async Task The_same_schema_again_keeps_its_id_and_version_and_a_new_one_becomes_the_next_version()
    {
        var subject = Subject("versions");
        var first = new Schema(Schemas.UniqueProto(Unique()), [], SchemaType.Protobuf);
        var second = new Schema(Schemas.UniqueProto(Unique()), [], SchemaType.Protobuf);

        var id1 = await _client.RegisterSchemaAsync(subject, first);
        using (var other = _registry.CreateClient()) // no client-side cache: the server must answer the same id
            Assert.Equal(id1, await other.RegisterSchemaAsync(subject, first));
        var id2 = await _client.RegisterSchemaAsync(subject, second);

        Assert.NotEqual(id1, id2);
        Assert.Equal([1, 2], await _client.GetSubjectVersionsAsync(subject));
        var latest = await _client.GetLatestSchemaAsync(subject);
        Assert.Equal((2, id2), (latest.Version, latest.Id));
        Assert.Equal(first.SchemaString, (await _client.GetRegisteredSchemaAsync(subject, 1)).SchemaString);
    }

    [Fact]
    public async Task The_same_schema_under_two_subjects_has_one_id()
    {
        var schema = new Schema(Schemas.UniqueProto(Unique()), [], SchemaType.Protobuf);
        var a = Subject("two-a");
        var b = Subject("two-b");

        var idA = await _client.RegisterSchemaAsync(a, schema);
        var idB = await _client.RegisterSchemaAsync(b, schema);

        Assert.Equal(idA, idB);
        Assert.Equal(1, (await _client.GetLatestSchemaAsync(b)).Version);
    }

    [Fact]
    public async Task Unknown_subject_version_and_id_are_Confluent_error_codes()
    {
        var subject = Subject("errors");

        var noSubject = await Assert.ThrowsAsync<SchemaRegistryException>(() => _client.GetLatestSchemaAsync(subject));
        Assert.Equal((40401, System.Net.HttpStatusCode.NotFound), (noSubject.ErrorCode, noSubject.Status));

        await _client.RegisterSchemaAsync(subject, new Schema(Schemas.UniqueProto(Unique()), [], SchemaType.Protobuf));
        var noVersion = await Assert.ThrowsAsync<SchemaRegistryException>(() => _client.GetRegisteredSchemaAsync(subject, 99));
        Assert.Equal((40402, System.Net.HttpStatusCode.NotFound), (noVersion.ErrorCode, noVersion.Status));

        var noId = await Assert.ThrowsAsync<SchemaRegistryException>(() => _client.GetSchemaAsync(2_000_000_000));
        Assert.Equal((40403, System.Net.HttpStatusCode.NotFound), (noId.ErrorCode, noId.Status));

        var notUnderSubject = await Assert.ThrowsAsync<SchemaRegistryException>(
            () => _client.GetSchemaIdAsync(subject, new Schema(Schemas.UniqueProto(Unique()), [], SchemaType.Protobuf)));
        Assert.Equal(40403, notUnderSubject.ErrorCode);
    }

    [Fact]
    public async Task A_garbled_schema_is_refused_with_42201()
    {
        var e = await Assert.ThrowsAsync<SchemaRegistryException>(() =>
            _client.RegisterSchemaAsync(Subject("garbled"), new Schema("syntax = \"proto3\";\nmessage M {\n  string id = 1;\n", [], SchemaType.Protobuf)));
        Assert.Equal((42201, System.Net.HttpStatusCode.UnprocessableEntity), (e.ErrorCode, e.Status));
    }

    [Fact]
    public async Task Compatibility_level_is_kept_per_subject_and_checks_answer()
    {
        var subject = Subject("compat");
        var schema = new Schema(Schemas.UniqueProto(Unique()), [], SchemaType.Protobuf);
        await _client.RegisterSchemaAsync(subject, schema);

        Assert.Equal(Compatibility.Full, await _client.UpdateCompatibilityAsync(Compatibility.Full, subject));
        Assert.Equal(Compatibility.Full, await _client.GetCompatibilityAsync(subject));
        var global = await _client.GetCompatibilityAsync();
        if (_registry.IsEmbedded)
            Assert.Equal(Compatibility.Backward, global); // Confluent's default; a real registry may be configured otherwise
        Assert.True(await _client.IsCompatibleAsync(subject, schema));
    }

    public void Dispose()
    {
        _client.Dispose();
        Assert.Equal(0, _registry.Embedded?.ServerErrorCount ?? 0);
    }

    private async Task<int> FreshClientLookupAsync(string subject, Schema schema)
    {
        using var fresh = _registry.CreateClient();
        return (await fresh.LookupSchemaAsync(subject, schema, ignoreDeletedSchemas: true)).Id;
    }

    private static string Subject(string what) => KafkaFixture.UniqueName($"sr-{what}") + "-value";

    private static string Unique() => "u" + Guid.NewGuid().ToString("N");
}
