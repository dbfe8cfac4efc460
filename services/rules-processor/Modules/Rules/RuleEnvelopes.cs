using System.Buffers;
using System.Text.Json;
using Pipeline.RulesSql;
using Pipeline.RulesSql.Definitions;

namespace Pipeline.RulesProcessor.Modules.Rules;

/// <summary>
/// The JSON the clickhouse and http actions hand over through Kafka (iot.rule.rows, iot.rule.http), read by the
/// sink-writer and the webhook dispatcher.
/// </summary>
public static class RuleEnvelopes
{
    /// <summary>{"table","rule","version","action","deviceId","row":{result}}.</summary>
    public static byte[] Row(RuleInvocation invocation, PreparedAction action, string table, RuleResult result) =>
        Write(invocation, action, w =>
        {
            w.WriteString("table", table);
            w.WritePropertyName("row");
            result.WriteTo(w);
        });

    /// <summary>{"url","idempotencyKey","rule","version","action","deviceId","body":{result}}.</summary>
    public static byte[] Http(RuleInvocation invocation, PreparedAction action, string url, RuleResult result) =>
        Write(invocation, action, w =>
        {
            w.WriteString("url", url);
            w.WriteString("idempotencyKey", invocation.Source.ActionId(invocation.Rule.Name, action.Index));
            w.WritePropertyName("body");
            result.WriteTo(w);
        });

    private static byte[] Write(RuleInvocation invocation, PreparedAction action, Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("rule", invocation.Rule.Name);
            w.WriteNumber("version", invocation.Rule.Version);
            w.WriteNumber("action", action.Index + 1);
            w.WriteString("deviceId", invocation.Subject.DeviceId);
            body(w);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
