using Confluent.Kafka;
using Confluent.SchemaRegistry;
using Google.Protobuf;
using Pipeline.Contracts;
using Pipeline.Contracts.Serialization;

namespace Pipeline.TestPeer;

/// <summary>
/// serde-decode &lt;registryUrl&gt; &lt;base64&gt;: reads the bytes as a TelemetryRecord in the Confluent wire format,
/// checking the schema id against the registry, and prints the record as one line of Protobuf JSON (all
/// fields, defaults included). A value that is not a readable record prints {"error":"&lt;WireFormatError&gt;"}
/// and exits 3.
/// </summary>
public sealed class SerdeDecodeCommand : IPeerCommand
{
    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    public string Name => "serde-decode";

    public async Task<int> RunAsync(string[] args)
    {
        if (args.Length != 2)
        {
            Console.Error.WriteLine("usage: serde-decode <registryUrl> <base64>");
            return 2;
        }
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(args[1]);
        }
        catch (FormatException)
        {
            Console.Error.WriteLine("the value is not base64");
            return 2;
        }
        using var registry = new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = args[0] });
        var deserializer = new ProtobufDeserializer<TelemetryRecord>(registry);
        try
        {
            var record = await deserializer.DeserializeAsync(bytes, isNull: false, new SerializationContext(MessageComponentType.Value, "peer"));
            Console.WriteLine(Json.Format(record));
            return 0;
        }
        catch (WireFormatException e)
        {
            Console.WriteLine($"{{\"error\":\"{e.Error}\"}}");
            Console.Error.WriteLine(e.Message);
            return 3;
        }
    }
}
