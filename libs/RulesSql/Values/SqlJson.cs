using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Encodings.Web;
using System.Text.Json.Nodes;

namespace Pipeline.RulesSql.Values;

/// <summary>JSON in and out of the value model.</summary>
public static class SqlJson
{
    /// <summary>Device payloads are at most 128 KiB, so 64 levels is generous and keeps the
    /// recursive reader far from the stack's end.</summary>
    public const int MaxDepth = 64;

    // Results go to Kafka, MQTT and webhooks, not into HTML: keep non-ASCII text readable.
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
        MaxDepth = 1000,
    };

    /// <summary>Reads one JSON value. Throws JsonException for text that is not JSON.</summary>
    public static SqlValue Parse(ReadOnlySpan<byte> utf8Json)
    {
        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = MaxDepth });
        if (!reader.Read()) throw new JsonException("empty JSON");
        var value = ReadValue(ref reader);
        if (reader.Read()) throw new JsonException("text after the JSON value");
        return value;
    }

    public static SqlValue Parse(string json) => Parse(Encoding.UTF8.GetBytes(json));

    /// <summary>Reads a JSON object, as a rule's message must be one.</summary>
    public static SqlObject ParseObject(ReadOnlySpan<byte> utf8Json)
    {
        var value = Parse(utf8Json);
        return value.Kind == SqlValueKind.Object ? value.AsObject : throw new JsonException("the message is not a JSON object");
    }

    public static SqlObject ParseObject(string json) => ParseObject(Encoding.UTF8.GetBytes(json));

    private static SqlValue ReadValue(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                var fields = new SqlObjectBuilder();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    var name = reader.GetString()!;
                    reader.Read();
                    // A JSON null field stays Null: only a missing field is Undefined.
                    fields.Set(name, ReadValue(ref reader));
                }
                return SqlValue.FromObject(fields.Build());
            case JsonTokenType.StartArray:
                var items = new List<SqlValue>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray) items.Add(ReadValue(ref reader));
                return SqlValue.FromArray([.. items]);
            case JsonTokenType.String: return SqlValue.FromString(reader.GetString()!);
            case JsonTokenType.Number:
                return reader.TryGetInt64(out var whole) ? SqlValue.FromInt(whole) : SqlNumbers.Normalize(reader.GetDouble());
            case JsonTokenType.True: return SqlValue.True;
            case JsonTokenType.False: return SqlValue.False;
            case JsonTokenType.Null: return SqlValue.Null;
            default: throw new JsonException($"unexpected JSON token {reader.TokenType}");
        }
    }

    /// <summary>Converts a System.Text.Json node (null = JSON null).</summary>
    public static SqlValue FromNode(JsonNode? node) => node switch
    {
        null => SqlValue.Null,
        JsonObject obj => SqlValue.FromObject(FromJsonObject(obj)),
        JsonArray array => SqlValue.FromArray([.. array.Select(FromNode)]),
        JsonValue value => Parse(Encoding.UTF8.GetBytes(value.ToJsonString())),
        _ => SqlValue.Undefined,
    };

    public static SqlObject FromJsonObject(JsonObject obj)
    {
        var fields = new SqlObjectBuilder(obj.Count);
        foreach (var (name, node) in obj) fields.Set(name, FromNode(node));
        return fields.Build();
    }

    /// <summary>Writes the value; an Undefined value inside an array is written as null (JSON has no
    /// Undefined), inside an object it is left out.</summary>
    public static void Write(Utf8JsonWriter writer, SqlValue value)
    {
        switch (value.Kind)
        {
            case SqlValueKind.Undefined:
            case SqlValueKind.Null: writer.WriteNullValue(); break;
            case SqlValueKind.Boolean: writer.WriteBooleanValue(value.AsBoolean); break;
            case SqlValueKind.Int: writer.WriteNumberValue(value.AsInt); break;
            case SqlValueKind.Decimal: writer.WriteNumberValue(value.AsDecimal); break;
            case SqlValueKind.String: writer.WriteStringValue(value.AsString); break;
            case SqlValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in value.AsArray) Write(writer, item);
                writer.WriteEndArray();
                break;
            case SqlValueKind.Object:
                WriteObject(writer, value.AsObject);
                break;
        }
    }

    public static void WriteObject(Utf8JsonWriter writer, SqlObject obj)
    {
        writer.WriteStartObject();
        for (var i = 0; i < obj.Count; i++)
        {
            var field = obj.ValueAt(i);
            if (field.IsUndefined) continue;
            writer.WritePropertyName(obj.NameAt(i));
            Write(writer, field);
        }
        writer.WriteEndObject();
    }

    public static byte[] ToJsonBytes(SqlValue value)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            Write(writer, value);
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static string ToJsonString(SqlValue value) => Encoding.UTF8.GetString(ToJsonBytes(value));
}
