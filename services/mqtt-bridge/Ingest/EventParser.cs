using System.Buffers;
using System.Text;
using System.Text.Json;
using Pipeline.MqttBridge.Policy;

namespace Pipeline.MqttBridge.Ingest;

/// <summary>A device event: any JSON object, kept as its text. A top-level "ts" (epoch ms or ISO-8601) is its device time.</summary>
public static class EventParser
{
    public sealed record ParsedEvent(string BodyJson, long? TsMs);

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 64, CommentHandling = JsonCommentHandling.Disallow };

    public static ParseResult<ParsedEvent> Parse(ReadOnlySequence<byte> payload)
    {
        long? ts = null;
        try
        {
            var reader = new Utf8JsonReader(payload, ReaderOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return Refusal.Malformed("an event must be a JSON object");
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isTs = reader.ValueTextEquals("ts"u8);
                reader.Read();
                if (isTs && reader.CurrentDepth == 1)
                {
                    if (!DeviceTimestamp.TryRead(ref reader, out ts, out var error))
                        return Refusal.Malformed(error!);
                }
                else
                {
                    reader.Skip();
                }
            }
            if (reader.Read())
                return Refusal.Malformed("unexpected content after the JSON object");
        }
        catch (JsonException e)
        {
            return Refusal.Malformed($"not valid JSON: {e.Message}");
        }
        catch (InvalidOperationException e)
        {
            return Refusal.Malformed($"not valid JSON text: {e.Message}");
        }
        try
        {
            return new ParsedEvent(StrictUtf8.GetString(payload), ts);
        }
        catch (DecoderFallbackException)
        {
            return Refusal.Malformed("the event is not valid UTF-8");
        }
    }
}
