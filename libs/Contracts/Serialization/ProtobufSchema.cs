using System.Collections.Concurrent;
using Google.Protobuf.Reflection;

namespace Pipeline.Contracts.Serialization;

/// <summary>The .proto text registered for a message type, and the type's index path inside that file.</summary>
public static class ProtobufSchema
{
    private static readonly ConcurrentDictionary<string, string> Texts = new();

    /// <summary>The source text of the .proto file that declares <paramref name="descriptor"/>.</summary>
    public static string TextOf(MessageDescriptor descriptor) =>
        Texts.GetOrAdd(descriptor.File.Name, static fileName =>
        {
            var resource = "proto/" + Path.GetFileName(fileName);
            using var stream = typeof(ProtobufSchema).Assembly.GetManifestResourceStream(resource)
                ?? throw new InvalidOperationException($"The schema text of {fileName} is not embedded as resource '{resource}'.");
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        });

    /// <summary>
    /// Path of the message in its file: top-level position, then nested positions, counting the
    /// messages as declared in the .proto text. The map-entry types protoc synthesises for map fields
    /// are left out: they are not declared, and Confluent's registry-side resolver (which reads the
    /// schema text) does not count them, so a nested message declared after a map field would
    /// otherwise get an index one too high.
    /// </summary>
    public static int[] MessageIndexesOf(MessageDescriptor descriptor)
    {
        var path = new List<int>();
        for (var current = descriptor; current is not null; current = current.ContainingType)
        {
            var siblings = current.ContainingType?.NestedTypes ?? current.File.MessageTypes;
            path.Add(IndexOf(siblings, current));
        }
        path.Reverse();
        return path.ToArray();
    }

    private static int IndexOf(IList<MessageDescriptor> siblings, MessageDescriptor descriptor)
    {
        var index = 0;
        foreach (var sibling in siblings)
        {
            if (sibling.FullName == descriptor.FullName)
                return index;
            if (!sibling.IsMapEntry)
                index++;
        }
        throw new InvalidOperationException($"{descriptor.FullName} is not among its file's messages.");
    }
}
