using Google.Protobuf;
using Google.Protobuf.Reflection;
using Pipeline.Contracts.Serialization;

namespace Pipeline.Contracts.UnitTests.Serialization;

/// <summary>
/// The message indexes we write must be the ones a reader of the registered .proto text computes
/// (Confluent's resolver counts the messages declared at each level of the text, enums aside).
/// </summary>
public sealed class MessageIndexTests
{
    [Fact]
    public void Indexes_computed_from_descriptors_match_the_declarations_in_iot_proto()
    {
        var fromText = ProtoDeclarations.MessagePaths(ProtobufSchema.TextOf(TelemetryRecord.Descriptor));
        var descriptors = AllMessages(IotReflection.Descriptor.MessageTypes).ToList();

        Assert.Equal(fromText.Keys.Order(), descriptors.Select(d => d.FullName).Order());
        foreach (var descriptor in descriptors)
            Assert.True(fromText[descriptor.FullName].SequenceEqual(ProtobufSchema.MessageIndexesOf(descriptor)),
                $"{descriptor.FullName}: text says [{string.Join(',', fromText[descriptor.FullName])}], " +
                $"MessageIndexesOf says [{string.Join(',', ProtobufSchema.MessageIndexesOf(descriptor))}]");
    }

    [Fact]
    public void The_declared_order_of_iot_proto_is_the_permanent_one()
    {
        // The wire format names a message by position, so records already written depend on this order.
        string[] expected = ["Telemetry", "TelemetryRecord", "EnrichedTelemetry", "MetricAggregate", "DeviceEvent", "RejectedMessage", "DeviceRecord", "DeviceCommand",
            "ShadowRequest", "ShadowDocument", "ShadowResponse", "ConnectivityEvent"];
        Assert.Equal(expected, IotReflection.Descriptor.MessageTypes.Select(m => m.Name));
    }

    [Fact]
    public void Map_entry_types_do_not_shift_a_nested_message_declared_after_a_map_field()
    {
        // message Outer { map<string, string> tags = 1; message Inner {} }
        // protoc puts the synthetic TagsEntry before Inner among Outer's nested types; the text has only Inner.
        var file = new FileDescriptorProto
        {
            Name = "map_then_nested.proto", Package = "t", Syntax = "proto3",
            MessageType =
            {
                new DescriptorProto
                {
                    Name = "Outer",
                    Field = { new FieldDescriptorProto { Name = "tags", Number = 1, Label = FieldDescriptorProto.Types.Label.Repeated, Type = FieldDescriptorProto.Types.Type.Message, TypeName = ".t.Outer.TagsEntry", JsonName = "tags" } },
                    NestedType =
                    {
                        new DescriptorProto
                        {
                            Name = "TagsEntry", Options = new MessageOptions { MapEntry = true },
                            Field =
                            {
                                new FieldDescriptorProto { Name = "key", Number = 1, Label = FieldDescriptorProto.Types.Label.Optional, Type = FieldDescriptorProto.Types.Type.String, JsonName = "key" },
                                new FieldDescriptorProto { Name = "value", Number = 2, Label = FieldDescriptorProto.Types.Label.Optional, Type = FieldDescriptorProto.Types.Type.String, JsonName = "value" },
                            },
                        },
                        new DescriptorProto { Name = "Inner" },
                    },
                },
            },
        };
        var outer = FileDescriptor.BuildFromByteStrings([file.ToByteString()])[0].MessageTypes[0];
        Assert.True(outer.NestedTypes[0].IsMapEntry);

        Assert.Equal([0, 0], ProtobufSchema.MessageIndexesOf(outer.NestedTypes[1]));
    }

    [Fact]
    public void TextOf_is_the_iot_proto_file_as_committed()
    {
        var onDisk = File.ReadAllText(Path.Combine(RepositoryRoot(), "proto", "iot", "v1", "iot.proto"));
        var text = ProtobufSchema.TextOf(TelemetryRecord.Descriptor);
        Assert.Equal(onDisk, text);
        Assert.Contains("package iot.v1;", text);
        Assert.Same(text, ProtobufSchema.TextOf(DeviceRecord.Types.TokenHash.Descriptor)); // one text per file, cached
    }

    private static IEnumerable<MessageDescriptor> AllMessages(IEnumerable<MessageDescriptor> level) =>
        level.Where(m => !m.IsMapEntry).SelectMany(m => AllMessages(m.NestedTypes).Prepend(m));

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Pipeline.sln")))
                return dir.FullName;
        throw new DirectoryNotFoundException($"No Pipeline.sln above {AppContext.BaseDirectory}.");
    }
}
