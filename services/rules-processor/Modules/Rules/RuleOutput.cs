using Pipeline.Contracts;

namespace Pipeline.RulesProcessor.Modules.Rules;

public enum RuleOutputKind
{
    /// <summary>A kafka action's result (or an error action's document) to <see cref="RuleOutput.Topic"/>.</summary>
    Kafka,

    /// <summary>A republish action's <see cref="DeviceCommand"/> to iot.commands.</summary>
    Command,

    /// <summary>A clickhouse action's row envelope to iot.rule.rows, inserted by the sink-writer.</summary>
    Row,

    /// <summary>An http action's request envelope to iot.rule.http, posted by the webhook dispatcher.</summary>
    Http,

    /// <summary>A failure with no error action (or whose error action failed too) to iot.rejected.</summary>
    Rejection,
}

/// <summary>One thing a rule makes of one record, on its way to a sink. Keyed by the device id like its input.</summary>
public sealed class RuleOutput
{
    private RuleOutput(RuleOutputKind kind, string rule, string topic, byte[] json, DeviceCommand? command, RejectedMessage? rejection)
    {
        Kind = kind;
        Rule = rule;
        Topic = topic;
        Json = json;
        Command = command;
        Rejection = rejection;
    }

    public RuleOutputKind Kind { get; }

    /// <summary>"name:version" of the rule that made it (the kafka action's <c>iot-rule</c> header).</summary>
    public string Rule { get; }

    /// <summary>The Kafka topic it goes to.</summary>
    public string Topic { get; }

    /// <summary>The JSON written (kafka, row, http); empty for a command or a rejection.</summary>
    public byte[] Json { get; }

    public DeviceCommand? Command { get; }

    public RejectedMessage? Rejection { get; }

    public static RuleOutput Kafka(string rule, string topic, byte[] json) => new(RuleOutputKind.Kafka, rule, topic, json, null, null);

    public static RuleOutput Row(string rule, string topic, byte[] json) => new(RuleOutputKind.Row, rule, topic, json, null, null);

    public static RuleOutput Http(string rule, string topic, byte[] json) => new(RuleOutputKind.Http, rule, topic, json, null, null);

    public static RuleOutput Of(string rule, string topic, DeviceCommand command) => new(RuleOutputKind.Command, rule, topic, [], command, null);

    public static RuleOutput Of(string rule, string topic, RejectedMessage rejection) => new(RuleOutputKind.Rejection, rule, topic, [], null, rejection);
}
