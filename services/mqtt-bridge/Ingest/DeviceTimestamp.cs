using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Pipeline.MqttBridge.Ingest;

/// <summary>The device time of a message: epoch milliseconds as a JSON integer, or an ISO-8601 string (UTC when it has no offset).</summary>
public static partial class DeviceTimestamp
{
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?([Zz]|[+-]\d{2}:?\d{2})?$", RegexOptions.CultureInvariant)]
    private static partial Regex Iso8601();

    /// <summary>Reads the value the reader is on. Null token = absent. An error message when the value is not a timestamp.</summary>
    public static bool TryRead(ref Utf8JsonReader reader, out long? epochMs, out string? error)
    {
        epochMs = null;
        error = null;
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return true;
            case JsonTokenType.Number when reader.TryGetInt64(out var ms) && ms >= 0:
                epochMs = ms;
                return true;
            case JsonTokenType.String:
                var text = reader.GetString()!;
                if (Iso8601().IsMatch(text) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture,
                        DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed) && parsed.ToUnixTimeMilliseconds() >= 0)
                {
                    epochMs = parsed.ToUnixTimeMilliseconds();
                    return true;
                }
                error = $"ts '{(text.Length > 40 ? text[..40] + "..." : text)}' is not an ISO-8601 time";
                return false;
            default:
                error = "ts must be epoch milliseconds (a non-negative integer) or an ISO-8601 string";
                return false;
        }
    }
}
