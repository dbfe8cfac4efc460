using System.Text.RegularExpressions;
using Google.Protobuf;
using Pipeline.Contracts;
using Pipeline.DeviceRegistry;
using Pipeline.RulesProcessor.Topology;
using Pipeline.RulesSql;
using Pipeline.RulesSql.Definitions;
using Pipeline.RulesSql.Values;

namespace Pipeline.RulesProcessor.Modules.Rules;

/// <summary>
/// Turns one action of a rule into its output: the target rendered from the message, checked (a rendered topic or URL
/// the action cannot use is a failure of the action, not of the stream), and the document the action's sink writes.
/// A failure goes to the rule's error action, or to iot.rejected (RULE_ACTION_FAILED).
/// </summary>
public sealed partial class RuleActionWriter(KafkaTopics topics, RuleActionOptions options, RuleMetrics metrics, IRuleTopicDirectory topicDirectory)
{
    public const string ErrorActionLabel = "error";

    public void Perform(RuleInvocation invocation, PreparedAction action, List<RuleOutput> into)
    {
        var output = Make(invocation, action, out var problem);
        var type = RuleActionTypes.Name(action.Type);
        if (output is not null)
        {
            into.Add(output);
            // An http action succeeds when the webhook dispatcher delivered it, and is counted there.
            if (action.Type != RuleActionType.Http)
                metrics.Action(invocation.Rule.Name, type, succeeded: true);
            return;
        }
        metrics.Action(invocation.Rule.Name, type, succeeded: false);
        Failed(invocation, action, problem!, payload: null, into);
    }

    /// <summary>
    /// Hands a failure (of <paramref name="action"/>, or of the evaluation when null) to the error action, or to the rejected
    /// topic. <paramref name="payload"/>: the bytes to keep when there is no result (an unreadable message).
    /// </summary>
    public void Failed(RuleInvocation invocation, PreparedAction? action, string error, byte[]? payload, List<RuleOutput> into)
    {
        var rule = invocation.Rule;
        var failedAction = action is null ? "evaluation" : SecretRedaction.Redact($"action {action.Index + 1} {action.Action}");
        if (rule.ErrorAction is { } errorAction)
        {
            var document = ErrorDocument(invocation, failedAction, error, payload);
            var output = Make(invocation with { Result = new RuleResult(document) }, errorAction, out var problem);
            if (output is not null)
            {
                into.Add(output);
                metrics.Action(rule.Name, ErrorActionLabel, succeeded: true);
                return;
            }
            metrics.Action(rule.Name, ErrorActionLabel, succeeded: false);
            error = $"{error}; its error action {errorAction.Action} failed too: {problem}";
        }
        var subject = invocation.Subject;
        into.Add(RuleOutput.Of(invocation.Tag, topics.Rejected, new RejectedMessage
        {
            Reason = RejectedMessage.Types.Reason.RuleActionFailed,
            Detail = $"rule '{rule.Name}' (version {rule.Version}), {failedAction}: {SecretRedaction.Redact(error)}",
            DeviceId = subject.DeviceId,
            Topic = subject.Topic,
            Payload = ByteString.CopyFrom(payload ?? PayloadJson(invocation)),
            ReceivedTsMs = subject.ReceivedTsMs,
            Stage = Rejections.Stage,
        }));
    }

    private RuleOutput? Make(RuleInvocation invocation, PreparedAction action, out string? problem)
    {
        problem = null;
        string target;
        try
        {
            target = action.Target.Render(invocation.Message, invocation.Context, invocation.Result);
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            problem = $"its target could not be rendered: {error.Message}";
            return null;
        }
        var result = invocation.Result!;
        switch (action.Type)
        {
            case RuleActionType.Kafka:
                if (!KafkaTopic().IsMatch(target) || target is "." or ".." || target.StartsWith("iot.", StringComparison.Ordinal))
                {
                    problem = $"'{target}' is not a Kafka topic a rule may write (A-Z a-z 0-9 . _ -, not the pipeline's own iot.*)";
                    return null;
                }
                if (!topicDirectory.Exists(target, out problem))
                    return null;
                return RuleOutput.Kafka(invocation.Tag, target, result.ToJsonBytes());
            case RuleActionType.Republish:
                var match = CommandsTopic().Match(target);
                if (!match.Success || !DeviceIds.IsValid(match.Groups[1].Value))
                {
                    problem = $"'{target}' is not a device's commands topic (devices/<device id>/commands)";
                    return null;
                }
                return RuleOutput.Of(invocation.Tag, topics.Commands, Command(invocation, action, match.Groups[1].Value, result));
            case RuleActionType.ClickHouse:
                return RuleOutput.Row(invocation.Tag, topics.RuleRows, RuleEnvelopes.Row(invocation, action, target, result));
            case RuleActionType.Http:
                if (!Uri.TryCreate(target, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
                {
                    problem = $"'{target}' is not an absolute http or https URL";
                    return null;
                }
                return RuleOutput.Http(invocation.Tag, topics.RuleHttp, RuleEnvelopes.Http(invocation, action, url.AbsoluteUri, result));
            default:
                problem = $"unknown action type {action.Type}";
                return null;
        }
    }

    private DeviceCommand Command(RuleInvocation invocation, PreparedAction action, string deviceId, RuleResult result)
    {
        var created = invocation.Subject.ReceivedTsMs;
        return new DeviceCommand
        {
            CommandId = invocation.Source.ActionId(invocation.Rule.Name, action.Index),
            DeviceId = deviceId,
            Payload = ByteString.CopyFrom(result.ToJsonBytes()),
            ContentType = "application/json",
            CreatedTsMs = created,
            ExpiresTsMs = options.CommandExpiry == TimeSpan.Zero ? 0 : created + (long)options.CommandExpiry.TotalMilliseconds,
            Qos = action.Action.Qos,
        };
    }

    /// <summary>What an error action receives, after AWS IoT's error action message: the rule, the failure, the payload.</summary>
    private static SqlObject ErrorDocument(RuleInvocation invocation, string failedAction, string error, byte[]? payload)
    {
        var document = new SqlObjectBuilder()
            .Set("ruleName", SqlValue.FromString(invocation.Rule.Name))
            .Set("ruleVersion", SqlValue.FromInt(invocation.Rule.Version))
            .Set("topic", SqlValue.FromString(invocation.Subject.Topic))
            .Set("clientId", SqlValue.FromString(invocation.Subject.DeviceId))
            .Set("timestamp", SqlValue.FromInt(invocation.Subject.ReceivedTsMs))
            .Set("failedAction", SqlValue.FromString(failedAction))
            .Set("errorMessage", SqlValue.FromString(error));
        if (payload is not null)
            document.Set("base64OriginalPayload", SqlValue.FromString(Convert.ToBase64String(payload)));
        else
            document.Set("payload", SqlValue.FromObject(invocation.Result?.Fields ?? invocation.Message));
        return document.Build();
    }

    private static byte[] PayloadJson(RuleInvocation invocation) =>
        SqlJson.ToJsonBytes(SqlValue.FromObject(invocation.Result?.Fields ?? invocation.Message));

    [GeneratedRegex("^[A-Za-z0-9._-]{1,249}$")]
    private static partial Regex KafkaTopic();

    [GeneratedRegex("^devices/([^/]+)/commands$")]
    private static partial Regex CommandsTopic();
}
