using System.Text.Json;
using Pipeline.RulesSql.Values;

namespace Pipeline.RulesSql;

/// <summary>What a rule produced for one message: the SELECT's object (Undefined items already
/// left out), ready to be written as JSON for an action.</summary>
public sealed class RuleResult(SqlObject fields)
{
    public SqlObject Fields { get; } = fields;

    public SqlValue this[string name] => Fields.Get(name);

    public byte[] ToJsonBytes() => SqlJson.ToJsonBytes(SqlValue.FromObject(Fields));

    public string ToJsonString() => SqlJson.ToJsonString(SqlValue.FromObject(Fields));

    public void WriteTo(Utf8JsonWriter writer) => SqlJson.WriteObject(writer, Fields);

    public override string ToString() => ToJsonString();
}
