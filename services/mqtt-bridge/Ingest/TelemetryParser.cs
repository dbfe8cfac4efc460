using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Google.Protobuf.Collections;
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
        var telemetry = new Telemetry();
        if (ParseJson(payload, telemetry.Metrics, out var tsMs, out var seq) is { } refusal)
            return refusal;
        if (tsMs is { } ts)
            telemetry.TsMs = ts;
        if (seq is { } s)
            telemetry.Seq = s;
        return telemetry;
    }

    /// <summary>
    /// Parses a JSON payload into <paramref name="metrics"/> (the map of the record being built: the bridge's hot path
    /// builds no intermediate <see cref="Telemetry"/>, whose map cost as much again), with its ts and seq when given.
    /// </summary>
    /// <returns>Null when the payload is valid telemetry; else why not (the map then holds what was read up to it).</returns>
    public static Refusal? ParseJson(ReadOnlySequence<byte> payload, MapField<string, double> metrics, out long? tsMs, out ulong? seq)
    {
        var target = new Target(metrics);
        var refusal = ParseJsonInto(payload, ref target);
        (tsMs, seq) = (target.TsMs, target.Seq);
        return refusal;
    }

    private static Refusal? ParseJsonInto(ReadOnlySequence<byte> payload, ref Target target)
    {
        try
        {
            var reader = new Utf8JsonReader(payload, ReaderOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return Refusal.Malformed("telemetry must be a JSON object");
            var seen = new SeenKeys();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                reader.Read();
                if (!seen.Add(name))
                    return Refusal.Malformed($"key '{Shown(name)}' appears twice");
                var refusal = name switch
                {
                    "ts" => ReadTimestamp(ref reader, ref target),
                    "seq" => ReadSeq(ref reader, ref target),
                    "metrics" => ReadMetricsObject(ref reader, ref target),
                    _ => ReadTopLevel(ref reader, name, ref target),
                };
                if (refusal is not null)
                    return refusal;
            }
            if (reader.Read())
                return Refusal.Malformed("unexpected content after the JSON object");
            return Validate(target.Metrics.Count, target.FirstInvalidName);
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

    /// <summary>
    /// The top-level keys read so far. A telemetry payload has a handful, so the first ones are compared in place; a
    /// set is made only for a payload with more (a set for every message was measurable on the bridge's hot path).
    /// </summary>
    private struct SeenKeys
    {
        private string? _k0, _k1, _k2, _k3;
        private int _count;
        private HashSet<string>? _more;

        /// <returns>False when the key was read before.</returns>
        public bool Add(string key)
        {
            if (_more is not null)
                return _more.Add(key);
            if (key == _k0 || key == _k1 || key == _k2 || key == _k3)
                return false;
            switch (_count++)
            {
                case 0: _k0 = key; return true;
                case 1: _k1 = key; return true;
                case 2: _k2 = key; return true;
                case 3: _k3 = key; return true;
            }
            _more = new HashSet<string>(StringComparer.Ordinal) { _k0!, _k1!, _k2!, _k3!, key };
            return true;
        }
    }

    /// <summary>What a JSON payload gave so far: its metrics go straight into the record's map.</summary>
    private struct Target(MapField<string, double> metrics)
    {
        public readonly MapField<string, double> Metrics = metrics;
        public long? TsMs;
        public ulong? Seq;
        // Names are checked as they are added; reported only once the whole payload parsed, as before.
        public string? FirstInvalidName;
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
        string? firstInvalid = null;
        foreach (var (name, value) in telemetry.Metrics)
        {
            if (!double.IsFinite(value))
                return Refusal.NonFinite($"metric '{Shown(name)}' is {value}");
            if (firstInvalid is null && !MetricNames.IsValid(name, MaxMetricNameLength))
                firstInvalid = name;
        }
        return Validate(telemetry.Metrics.Count, firstInvalid) is { } refusal ? refusal : telemetry;
    }

    private static Refusal? ReadTimestamp(ref Utf8JsonReader reader, ref Target target)
    {
        if (!DeviceTimestamp.TryRead(ref reader, out var ms, out var error))
            return Refusal.Malformed(error!);
        if (ms is { } value)
            target.TsMs = value;
        return null;
    }

    private static Refusal? ReadSeq(ref Utf8JsonReader reader, ref Target target)
    {
        if (reader.TokenType == JsonTokenType.Null)
            return null;
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetUInt64(out var seq))
        {
            target.Seq = seq;
            return null;
        }
        return Refusal.Malformed("seq must be an unsigned integer");
    }

    private static Refusal? ReadMetricsObject(ref Utf8JsonReader reader, ref Target target)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
            return Refusal.Malformed("metrics must be a JSON object of numbers");
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            if (reader.TokenType != JsonTokenType.Number)
                return Refusal.Malformed($"metrics.{Shown(name)} is not a number");
            if (AddMetric(ref reader, name, ref target) is { } refusal)
                return refusal;
        }
        return null;
    }

    private static Refusal? ReadTopLevel(ref Utf8JsonReader reader, string name, ref Target target)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Number:
                return AddMetric(ref reader, name, ref target);
            case JsonTokenType.StartObject or JsonTokenType.StartArray:
                reader.Skip(); // other structure is allowed and ignored; only numbers are metrics
                return null;
            default:
                return null; // strings, booleans, null: not metrics
        }
    }

    private static Refusal? AddMetric(ref Utf8JsonReader reader, string name, ref Target target)
    {
        if (!reader.TryGetDouble(out var value) || !double.IsFinite(value))
            return Refusal.NonFinite($"metric '{Shown(name)}' does not fit a finite double");
        if (!target.Metrics.TryAdd(name, value))
            return Refusal.Malformed($"metric '{Shown(name)}' appears twice");
        if (target.FirstInvalidName is null && !MetricNames.IsValid(name, MaxMetricNameLength))
            target.FirstInvalidName = name;
        return target.Metrics.Count > MaxMetrics
            ? Refusal.TooManyMetrics($"more than {MaxMetrics} metrics in one message")
            : null;
    }

    /// <param name="firstInvalidName">The first metric name, in the payload's order, that breaks <see cref="MetricNames.Rule"/>.</param>
    private static Refusal? Validate(int count, string? firstInvalidName)
    {
        if (count == 0)
            return Refusal.Malformed("no metrics: give at least one number at the top level or in \"metrics\"");
        if (count > MaxMetrics)
            return Refusal.TooManyMetrics($"{count} metrics in one message; at most {MaxMetrics}");
        if (firstInvalidName is not null)
            return Refusal.InvalidMetricName($"metric name '{Shown(firstInvalidName)}' must be {MetricNames.Rule}, 1-{MaxMetricNameLength} characters");
        return null;
    }

    private static bool LooksNonFinite(ReadOnlySequence<byte> payload) =>
        payload.Length <= 1024 * 1024 && NonFiniteLiteral().IsMatch(Encoding.UTF8.GetString(payload));

    private static string Shown(string text) => text.Length <= 60 ? text : text[..60] + "...";
}
