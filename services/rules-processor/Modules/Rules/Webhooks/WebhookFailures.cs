using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Confluent.SchemaRegistry;
using Google.Protobuf;
using Pipeline.Contracts;
using Pipeline.Contracts.Serialization;
using Pipeline.RulesProcessor.Topology;
using Pipeline.RulesSql.Definitions;

namespace Pipeline.RulesProcessor.Modules.Rules.Webhooks;

/// <summary>
/// Hands a webhook that failed after its retries to the rule's error action when it is a kafka action (the rule as it
/// is now), otherwise to iot.rejected as RULE_ACTION_FAILED; waits for Kafka's acknowledgement before the dispatcher
/// commits the request.
/// </summary>
public sealed class WebhookFailures(IProducer<string, byte[]> producer, ISchemaRegistryClient registry, KafkaTopics topics, RuleBook book)
{
    private int? _rejectedSchemaId;

    public async Task ReportAsync(WebhookRequest request, string error, string sourceTopic, CancellationToken cancellationToken)
    {
        var failedAction = SecretRedaction.Redact($"action {request.Action} http:{request.Url}");
        if (book.Current.TryGet(request.Rule, out var rule) && rule.ErrorAction is { Type: RuleActionType.Kafka, Target.IsConstant: true } errorAction)
        {
            var document = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
            {
                ["ruleName"] = request.Rule,
                ["ruleVersion"] = request.Version,
                ["clientId"] = request.DeviceId,
                ["failedAction"] = failedAction,
                ["errorMessage"] = SecretRedaction.Redact(error),
                ["payload"] = JsonDocument.Parse(request.BodyJson).RootElement.Clone(),
            });
            await producer.ProduceAsync(errorAction.Target.Text, new Message<string, byte[]> { Key = request.DeviceId, Value = document }, cancellationToken)
                .ConfigureAwait(false);
            return;
        }
        _rejectedSchemaId ??= await new ProtobufSerializer<RejectedMessage>(registry).SchemaIdForAsync(topics.Rejected).ConfigureAwait(false);
        var rejection = new RejectedMessage
        {
            Reason = RejectedMessage.Types.Reason.RuleActionFailed,
            Detail = $"rule '{request.Rule}' (version {request.Version}), {failedAction}: {SecretRedaction.Redact(error)}",
            DeviceId = request.DeviceId,
            Topic = sourceTopic,
            Payload = ByteString.CopyFrom(Encoding.UTF8.GetBytes(request.BodyJson)),
            ReceivedTsMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            Stage = Rejections.Stage,
        };
        await producer.ProduceAsync(topics.Rejected,
            new Message<string, byte[]> { Key = request.DeviceId, Value = ProtobufSerializer<RejectedMessage>.Encode(rejection, _rejectedSchemaId.Value) },
            cancellationToken).ConfigureAwait(false);
    }
}
