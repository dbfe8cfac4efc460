using System.Text.Json.Nodes;

namespace Pipeline.Shadows;

/// <summary>
/// The stored state of one shadow. A deleted shadow keeps its version (<see cref="Exists"/> false)
/// so that the next update continues the numbering, as AWS IoT does.
/// Immutable from the outside: the engine works on clones and returns a new document.
/// </summary>
public sealed class ShadowDocument
{
    private readonly JsonObject _desired;
    private readonly JsonObject _reported;
    private readonly JsonObject _desiredMetadata;
    private readonly JsonObject _reportedMetadata;

    public ShadowDocument(bool exists, long version, long timestamp,
        JsonObject? desired = null, JsonObject? reported = null,
        JsonObject? desiredMetadata = null, JsonObject? reportedMetadata = null)
    {
        Exists = exists;
        Version = version;
        Timestamp = timestamp;
        _desired = desired ?? [];
        _reported = reported ?? [];
        _desiredMetadata = desiredMetadata ?? [];
        _reportedMetadata = reportedMetadata ?? [];
    }

    public bool Exists { get; }
    public long Version { get; }

    /// <summary>Epoch seconds of the last accepted change.</summary>
    public long Timestamp { get; }

    public JsonObject Desired => (JsonObject)_desired.DeepClone();
    public JsonObject Reported => (JsonObject)_reported.DeepClone();
    public JsonObject DesiredMetadata => (JsonObject)_desiredMetadata.DeepClone();
    public JsonObject ReportedMetadata => (JsonObject)_reportedMetadata.DeepClone();

    /// <summary>Desired fields whose value differs from reported (see <see cref="ShadowDelta"/>).</summary>
    public JsonObject Delta => ShadowDelta.Compute(_desired, _reported);

    public JsonObject DeltaMetadata => ShadowDelta.Metadata(_desired, _reported, _desiredMetadata);

    /// <summary>
    /// The full document as AWS IoT returns it from get: state (desired, reported, delta),
    /// metadata (desired, reported), version, timestamp. Empty sections are left out.
    /// </summary>
    public JsonObject ToJson(bool includeDelta = true)
    {
        var state = new JsonObject();
        AddIfNotEmpty(state, "desired", Desired);
        AddIfNotEmpty(state, "reported", Reported);
        if (includeDelta) AddIfNotEmpty(state, "delta", Delta);
        var metadata = new JsonObject();
        AddIfNotEmpty(metadata, "desired", DesiredMetadata);
        AddIfNotEmpty(metadata, "reported", ReportedMetadata);
        return new JsonObject
        {
            ["state"] = state,
            ["metadata"] = metadata,
            ["version"] = Version,
            ["timestamp"] = Timestamp,
        };
    }

    /// <summary>The form kept in the processor's state store: the document plus the deleted flag.</summary>
    public string ToStoredJson()
    {
        var json = ToJson(includeDelta: false);
        if (!Exists) json["deleted"] = true;
        return json.ToJsonString();
    }

    public static ShadowDocument FromStoredJson(string json)
    {
        var root = JsonNode.Parse(json) as JsonObject
            ?? throw new FormatException("a stored shadow document must be a JSON object");
        var state = root["state"] as JsonObject;
        var metadata = root["metadata"] as JsonObject;
        return new ShadowDocument(
            exists: root["deleted"]?.GetValue<bool>() != true,
            version: root["version"]?.GetValue<long>() ?? 0,
            timestamp: root["timestamp"]?.GetValue<long>() ?? 0,
            desired: state?["desired"]?.DeepClone() as JsonObject,
            reported: state?["reported"]?.DeepClone() as JsonObject,
            desiredMetadata: metadata?["desired"]?.DeepClone() as JsonObject,
            reportedMetadata: metadata?["reported"]?.DeepClone() as JsonObject);
    }

    private static void AddIfNotEmpty(JsonObject target, string name, JsonObject section)
    {
        if (section.Count > 0) target[name] = section;
    }
}
