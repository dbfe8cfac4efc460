using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Pipeline.Contracts;
using Pipeline.MqttBridge.Policy;

namespace Pipeline.MqttBridge.Ingest;

/// <summary>
/// Telemetry payloads (contract.md) to the <see cref="Telemetry"/> message: JSON, where ts and seq
/// are optional and every other top-level number and every number in "metrics" is a metric; or
/// Protobuf Telemetry. Anything without metrics, with a non-finite value, or with a non-number in
/// "metrics" is refused with a reason saying which key was wrong.
/// </summary>
public static partial class TelemetryParser
{
    public const int MaxMetrics = MetricNames.DefaultMaxMetrics;
    public const int MaxMetricNameLength = MetricNames.DefaultMaxLength;

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 32, CommentHandling = JsonCommentHandling.Disallow };

    [GeneratedRegex(@"(^|[\[:,])\s*[-+]?(NaN|Infinity|inf)\b", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex NonFiniteLiteral();

    public static ParseResult<Telemetry> ParseJson(ReadOnlySequence<byte> payload)
    {
        try
        {
            var reader = new Utf8JsonReader(payload, ReaderOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return Refusal.Malformed("telemetry must be a JSON object");
            var telemetry = new Telemetry();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                reader.Read();
                if (!seen.Add(name))
                    return Refusal.Malformed($"key '{Shown(name)}' appears twice");
                var refusal = name switch
                {
                    "ts" => ReadTimestamp(ref reader, telemetry),
                    "seq" => ReadSeq(ref reader, telemetry),
                    "metrics" => ReadMetricsObject(ref reader, telemetry),
                    _ => ReadTopLevel(ref reader, name, telemetry),
                };
                if (refusal is not null)
                    return refusal;
            }
            if (reader.Read())
                return Refusal.Malformed("unexpected content after the JSON object");
            return Validate(telemetry);
        }
        catch (InvalidOperationException e)
        {
            return Refusal.Malformed($"not valid JSON text: {e.Message}");
        }
        catch (JsonException e)
        {
            if (LooksNonFinite(payload))
                return Refusal.NonFinite("NaN and Infinity are not valid metric values (JSON has no such numbers)");
            return Refusal.Malformed($"not valid JSON: {e.Message}");
        }
    }

    public static ParseResult<Telemetry> ParseProtobuf(ReadOnlySequence<byte> payload)
    {
        Telemetry telemetry;
        try
        {
            telemetry = Telemetry.Parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException e)
        {
            return Refusal.Malformed($"not a Protobuf Telemetry message: {e.Message}");
        }
        if (telemetry.HasTsMs && telemetry.TsMs < 0)
            return Refusal.Malformed("ts_ms must not be negative");
        foreach (var (name, value) in telemetry.Metrics)
            if (!double.IsFinite(value))
                return Refusal.NonFinite($"metric '{Shown(name)}' is {value}");
        return Validate(telemetry);
    }

    private static Refusal? ReadTimestamp(ref Utf8JsonReader reader, Telemetry telemetry)
    {
        if (!DeviceTimestamp.TryRead(ref reader, out var ms, out var error))
            return Refusal.Malformed(error!);
        if (ms is { } value)
            telemetry.TsMs = value;
        return null;
    }

    private static Refusal? ReadSeq(ref Utf8JsonReader reader, Telemetry telemetry)
    {
        if (reader.TokenType == JsonTokenType.Null)
            return null;
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetUInt64(out var seq))
        {
            telemetry.Seq = seq;
            return null;
        }
        return Refusal.Malformed("seq must be an unsigned integer");
    }

    private static Refusal? ReadMetricsObject(ref Utf8JsonReader reader, Telemetry telemetry)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
            return Refusal.Malformed("metrics must be a JSON object of numbers");
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            if (reader.TokenType != JsonTokenType.Number)
                return Refusal.Malformed($"metrics.{Shown(name)} is not a number");
            if (AddMetric(ref reader, name, telemetry) is { } refusal)
                return refusal;
        }
        return null;
    }

    private static Refusal? ReadTopLevel(ref Utf8JsonReader reader, string name, Telemetry telemetry)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Number:
                return AddMetric(ref reader, name, telemetry);
            case JsonTokenType.StartObject or JsonTokenType.StartArray:
                reader.Skip(); // other structure is allowed and ignored; only numbers are metrics
                return null;
            default:
                return null; // strings, booleans, null: not metrics
        }
    }

    private static Refusal? AddMetric(ref Utf8JsonReader reader, string name, Telemetry telemetry)
    {
        if (!reader.TryGetDouble(out var value) || !double.IsFinite(value))
            return Refusal.NonFinite($"metric '{Shown(name)}' does not fit a finite double");
        if (!telemetry.Metrics.TryAdd(name, value))
            return Refusal.Malformed($"metric '{Shown(name)}' appears twice");
        return telemetry.Metrics.Count > MaxMetrics
            ? Refusal.TooManyMetrics($"more than {MaxMetrics} metrics in one message")
            : null;
    }

    private static ParseResult<Telemetry> Validate(Telemetry telemetry)
    {
        if (telemetry.Metrics.Count == 0)
            return Refusal.Malformed("no metrics: give at least one number at the top level or in \"metrics\"");
        if (telemetry.Metrics.Count > MaxMetrics)
            return Refusal.TooManyMetrics($"{telemetry.Metrics.Count} metrics in one message; at most {MaxMetrics}");
        foreach (var name in telemetry.Metrics.Keys)
            if (!MetricNames.IsValid(name, MaxMetricNameLength))
                return Refusal.InvalidMetricName($"metric name '{Shown(name)}' must be {MetricNames.Rule}, 1-{MaxMetricNameLength} characters");
        return telemetry;
    }

    private static bool LooksNonFinite(ReadOnlySequence<byte> payload) =>
        payload.Length <= 1024 * 1024 && NonFiniteLiteral().IsMatch(Encoding.UTF8.GetString(payload));

    private static string Shown(string text) => text.Length <= 60 ? text : text[..60] + "...";
}
