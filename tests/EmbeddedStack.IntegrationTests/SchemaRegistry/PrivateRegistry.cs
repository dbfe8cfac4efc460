using Pipeline.EmbeddedStack.SchemaRegistry;
using Pipeline.TestSupport.Fixtures;

namespace Pipeline.EmbeddedStack.IntegrationTests.SchemaRegistry;

/// <summary>
/// An embedded registry of the test's own (port 0, temp storage), for what the shared one cannot give:
/// restarts, request counters no other test touches, the exact error bodies of our server.
/// </summary>
internal static class PrivateRegistry
{
    public static Task<EmbeddedSchemaRegistry> StartAsync(string? storageDir = null) =>
        EmbeddedSchemaRegistry.StartAsync("http://127.0.0.1:0", storageDir ?? SchemaRegistryFixture.CreateTempStorageDir());
}

internal static class Schemas
{
    /// <summary>iot.proto as the serializers register it.</summary>
    public static string Iot => Pipeline.Contracts.Serialization.ProtobufSchema.TextOf(Pipeline.Contracts.TelemetryRecord.Descriptor);

    /// <summary>A small valid .proto with a name of its own, so each test's schema is new to the registry.</summary>
    public static string UniqueProto(string name) =>
        $"syntax = \"proto3\";\npackage test.{name};\n\nmessage M {{\n  string id = 1;\n}}\n";
}
