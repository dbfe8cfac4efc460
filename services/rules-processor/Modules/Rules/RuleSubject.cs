using System.Text;
using Pipeline.Contracts;
using Pipeline.RulesSql.Values;

namespace Pipeline.RulesProcessor.Modules.Rules;

/// <summary>
/// A record as the rules see it: the MQTT topic it came on (what FROM filters), the device, the time the bridge received
/// it (timestamp(): deterministic across replays) and the device's attributes; the message is built only when a rule's
/// topic filter matches.
/// </summary>
public abstract class RuleSubject(string deviceId, string topic, long receivedTsMs, IReadOnlyDictionary<string, string> attributes)
{
    public string DeviceId { get; } = deviceId;
    public string Topic { get; } = topic;
    public long ReceivedTsMs { get; } = receivedTsMs;
    public IReadOnlyDictionary<string, string> Attributes { get; } = attributes;

    /// <summary>The message as the device published it; throws (JsonException) when it cannot be one, an evaluation error.</summary>
    public abstract SqlObject Message();

    /// <summary>The message's bytes for a rejection when it could not be evaluated.</summary>
    public abstract byte[] RawPayload();
}

/// <summary>Telemetry: {"ts": device time, "seq": seq (when sent), each metric by name}, built directly (no JSON text in between).</summary>
public sealed class TelemetrySubject(EnrichedTelemetry telemetry)
    : RuleSubject(telemetry.Record.DeviceId, telemetry.Record.Topic, telemetry.Record.ReceivedTsMs, telemetry.Attributes)
{
    // Doubles of an integer value read as integers, as the device's JSON "21" would in AWS IoT (and print as 21, not 21.0).
    private const double MaxExactInteger = 9_007_199_254_740_992; // 2^53

    // Built straight into arrays (no SqlObjectBuilder): the names are distinct (a map's keys beside ts and seq, which a
    // metric of the same name does not replace) and an Undefined value (a metric that is not finite) is left out, as the
    // builder would. Once per record that some rule's FROM matches.
    public override SqlObject Message()
    {
        var record = telemetry.Record;
        var names = new string[record.Metrics.Count + 2];
        var values = new SqlValue[names.Length];
        var count = 0;
        Add(names, values, ref count, "ts", SqlValue.FromInt(record.DeviceTsMs));
        if (record.HasSeq)
            Add(names, values, ref count, "seq", record.Seq <= long.MaxValue ? SqlValue.FromInt((long)record.Seq) : SqlValue.FromDecimal(record.Seq));
        foreach (var (name, value) in record.Metrics)
        {
            // ts and seq are the envelope's; they win over a metric of the same name.
            if (name is not ("ts" or "seq"))
                Add(names, values, ref count, name, Number(value));
        }
        if (count < names.Length)
        {
            Array.Resize(ref names, count);
            Array.Resize(ref values, count);
        }
        return SqlObject.OfDistinct(names, values);
    }

    private static void Add(string[] names, SqlValue[] values, ref int count, string name, SqlValue value)
    {
        if (value.IsUndefined)
            return;
        names[count] = name;
        values[count++] = value;
    }

    public override byte[] RawPayload() => SqlJson.ToJsonBytes(SqlValue.FromObject(Message()));

    private static SqlValue Number(double value) =>
        Math.Abs(value) <= MaxExactInteger && value == Math.Floor(value) ? SqlValue.FromInt((long)value) : SqlValue.FromDecimal(value);
}

/// <summary>A device event: its JSON body as published, on devices/&lt;id&gt;/events.</summary>
public sealed class EventSubject(DeviceEvent deviceEvent)
    : RuleSubject(deviceEvent.DeviceId, $"devices/{deviceEvent.DeviceId}/events", deviceEvent.ReceivedTsMs, NoAttributes)
{
    private static readonly IReadOnlyDictionary<string, string> NoAttributes = new Dictionary<string, string>();

    public override SqlObject Message() => SqlJson.ParseObject(Encoding.UTF8.GetBytes(deviceEvent.BodyJson));

    public override byte[] RawPayload() => Encoding.UTF8.GetBytes(deviceEvent.BodyJson);
}
