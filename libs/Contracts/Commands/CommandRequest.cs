using System.Globalization;
using System.Text.Json;
using Google.Protobuf;

namespace Pipeline.Contracts.Commands;

/// <summary>
/// A command an application asks to send to a device (CLI <c>commands send</c>, HTTP <c>POST /commands/&lt;id&gt;</c>),
/// checked the same way on both paths: the payload is JSON of at most <see cref="MaxPayloadBytes"/>, QoS is 0 or 1,
/// an expiry is between 1 s and <see cref="MaxExpiry"/>. With retain, an empty payload clears the retained message.
/// </summary>
public sealed record CommandRequest(string DeviceId, byte[] Payload, int Qos, TimeSpan? Expires, bool Retain)
{
    /// <summary>AWS IoT Core's MQTT message size limit; commands are MQTT messages to the device.</summary>
    public const int MaxPayloadBytes = 128 * 1024;

    public static readonly TimeSpan MaxExpiry = TimeSpan.FromDays(7);

    /// <summary>The device's commands topic, which is also the key of its retained message on iot.retained.</summary>
    public string Topic => TopicOf(DeviceId);

    /// <summary>A retain request with an empty payload: clear the retained message, send nothing.</summary>
    public bool ClearsRetained => Retain && Payload.Length == 0;

    public static string TopicOf(string deviceId) => $"devices/{deviceId}/commands";

    /// <summary>The request, or the reason it is refused (for a 400 or a CLI error).</summary>
    public static (CommandRequest? Request, string? Error) Create(string deviceId, byte[] payload, int qos, TimeSpan? expires, bool retain)
    {
        if (qos is not (0 or 1))
            return (null, $"qos must be 0 or 1 (got {qos}); QoS 2 is not supported, as in AWS IoT Core.");
        if (expires is { } e && (e < TimeSpan.FromSeconds(1) || e > MaxExpiry))
            return (null, $"expires must be between 1s and {MaxExpiry.TotalDays:0}d.");
        if (payload.Length > MaxPayloadBytes)
            return (null, $"The payload is {payload.Length} bytes; a command carries at most {MaxPayloadBytes} bytes.");
        if (payload.Length == 0 && !retain)
            return (null, "The payload is empty: a command's payload is a JSON document (an empty payload only clears a retained message, with retain).");
        if (payload.Length > 0 && JsonError(payload) is { } error)
            return (null, $"The payload is not valid JSON: {error}");
        return (new CommandRequest(deviceId, payload, qos, expires, retain), null);
    }

    /// <summary>The record for iot.commands (and, with retain, for iot.retained).</summary>
    public DeviceCommand ToRecord(string commandId, DateTimeOffset now) => new()
    {
        CommandId = commandId,
        DeviceId = DeviceId,
        Payload = ByteString.CopyFrom(Payload),
        ContentType = "application/json",
        CreatedTsMs = now.ToUnixTimeMilliseconds(),
        ExpiresTsMs = Expires is { } e ? (now + e).ToUnixTimeMilliseconds() : 0,
        Qos = Qos,
    };

    public static string NewCommandId() => Guid.NewGuid().ToString("N");

    /// <summary>"90s", "10m", "2h", "1d", or a TimeSpan ("00:10:00"); null when the text is none of these.</summary>
    public static TimeSpan? ParseDuration(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return null;
        text = text.Trim();
        var unit = text[^1];
        if (char.IsLetter(unit) && double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n >= 0)
        {
            return unit switch
            {
                's' => TimeSpan.FromSeconds(n),
                'm' => TimeSpan.FromMinutes(n),
                'h' => TimeSpan.FromHours(n),
                'd' => TimeSpan.FromDays(n),
                _ => null,
            };
        }
        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) ? span : null;
    }

    private static string? JsonError(byte[] payload)
    {
        try
        {
            using var _ = JsonDocument.Parse(payload);
            return null;
        }
        catch (JsonException e)
        {
            return e.Message;
        }
        catch (ArgumentException)
        {
            return "it is not UTF-8 text.";
        }
    }
}
