using Confluent.Kafka;
using Confluent.SchemaRegistry;
using Google.Protobuf;
using Pipeline.Contracts;
using Pipeline.Contracts.Serialization;

namespace Pipeline.TestPeer;

/// <summary>
/// serde-encode &lt;registryUrl&gt; &lt;topic&gt; &lt;recordJson&gt;: parses a TelemetryRecord from Protobuf JSON, writes it
/// with ProtobufSerializer (which registers the schema under &lt;topic&gt;-value) and prints the bytes as base64.
/// </summary>
public sealed class SerdeEncodeCommand : IPeerCommand
{
    public string Name => "serde-encode";

    public async Task<int> RunAsync(string[] args)
    {
        if (args.Length != 3)
        {
            Console.Error.WriteLine("usage: serde-encode <registryUrl> <topic> <recordJson>");
            return 2;
        }
        TelemetryRecord record;
        try
        {
            record = JsonParser.Default.Parse<TelemetryRecord>(args[2]);
        }
        catch (InvalidProtocolBufferException e)
        {
            Console.Error.WriteLine($"not a TelemetryRecord in Protobuf JSON: {e.Message}");
            return 2;
        }
        using var registry = new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = args[0] });
        var serializer = new ProtobufSerializer<TelemetryRecord>(registry);
        var bytes = await serializer.SerializeAsync(record, new SerializationContext(MessageComponentType.Value, args[1]));
        Console.WriteLine(Convert.ToBase64String(bytes));
        return 0;
    }
}
