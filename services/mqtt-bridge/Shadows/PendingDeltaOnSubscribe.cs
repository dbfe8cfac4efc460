using Microsoft.Extensions.Hosting;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;
using Pipeline.MqttBridge.Hosting;
using Pipeline.Shadows;
using EngineDocument = Pipeline.Shadows.ShadowDocument;

namespace Pipeline.MqttBridge.Shadows;

/// <summary>
/// A device that was offline while its desired state changed gets the pending delta as soon as it
/// subscribes to a filter matching its .../update/delta topic (classic or named), as the issue asks;
/// it can always ask with get as well.
/// </summary>
public sealed class PendingDeltaOnSubscribe(BridgeServer bridgeServer, BridgeEndpoints endpoints, ShadowDocumentsView documents) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await endpoints.Started.WaitAsync(stoppingToken).ConfigureAwait(false);
        bridgeServer.Server.ClientSubscribedTopicAsync += OnSubscribed;
    }

    private async Task OnSubscribed(ClientSubscribedTopicEventArgs e)
    {
        var filter = e.TopicFilter.Topic;
        if (filter is null)
            return;
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        foreach (var stored in documents.Of(e.ClientId))
        {
            var topic = stored.ShadowName.Length == 0
                ? $"devices/{stored.DeviceId}/shadow/update/delta"
                : $"devices/{stored.DeviceId}/shadow/name/{stored.ShadowName}/update/delta";
            if (MqttTopicFilterComparer.Compare(topic, filter) != MqttTopicFilterCompareResult.IsMatch)
                continue;
            if (ShadowDeltas.Pending(EngineDocument.FromStoredJson(stored.DocumentJson), now) is not { } delta)
                continue;
            var message = new MqttApplicationMessageBuilder()
                .WithTopic(topic)
                .WithPayload(delta.Payload)
                .WithContentType("application/json")
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build();
            await bridgeServer.Server.InjectApplicationMessage(new InjectedMqttApplicationMessage(message)).ConfigureAwait(false);
        }
    }
}
