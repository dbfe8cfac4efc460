using Confluent.SchemaRegistry;
using Microsoft.Extensions.Options;
using MQTTnet.Diagnostics.Logger;
using Pipeline.Contracts;
using Pipeline.DeviceRegistry;
using Pipeline.MqttBridge.Auth;
using Pipeline.MqttBridge.Commands;
using Pipeline.MqttBridge.Connections;
using Pipeline.MqttBridge.Hosting;
using Pipeline.MqttBridge.Ingest;
using Pipeline.MqttBridge.Kafka;
using Pipeline.MqttBridge.Listeners;
using Pipeline.MqttBridge.Options;
using Pipeline.MqttBridge.ShadowApi;
using Pipeline.ServiceDefaults;
using Pipeline.ServiceDefaults.Kafka;
using Pipeline.ServiceDefaults.Kafka.Topics;

namespace Pipeline.MqttBridge;

public static class Extensions
{
    /// <summary>Everything the bridge needs; its settings are validated when the host starts.</summary>
    public static IServiceCollection AddMqttBridge(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<ListenersOptions>(ListenersOptions.SectionName);
        services.AddValidatedOptions<LimitsOptions>(LimitsOptions.SectionName);
        services.AddValidatedOptions<BridgeOptions>(BridgeOptions.SectionName);
        services.AddValidatedOptions<ShadowApiOptions>(ShadowApiOptions.SectionName);

        services.AddSingleton<ISchemaRegistryClient>(sp =>
            sp.GetRequiredService<KafkaClientFactory>().CreateSchemaRegistryClient());
        services.AddSingleton(sp => new DeviceRegistryView(
            sp.GetRequiredService<KafkaClientFactory>(),
            sp.GetRequiredService<IOptions<KafkaTopics>>().Value.Devices,
            sp.GetRequiredService<ILogger<DeviceRegistryView>>()));

        services.AddSingleton(sp => new ConnectThrottle(sp.GetRequiredService<IOptions<LimitsOptions>>().Value.FailedConnectsPerMinute));
        services.AddSingleton<TokenVerificationCache>();
        services.AddSingleton(sp => new DeviceAuthenticator(
            sp.GetRequiredService<DeviceRegistryView>(), sp.GetRequiredService<ConnectThrottle>(),
            sp.GetRequiredService<TokenVerificationCache>(), () => sp.GetRequiredService<BridgeProducer>().IsReady));

        services.AddSingleton(sp => new TokenBucketRateLimiter(sp.GetRequiredService<IOptions<LimitsOptions>>().Value.RateLimitBurstSeconds));
        services.AddSingleton(sp => new IngestBuffer(sp.GetRequiredService<IOptions<BridgeOptions>>().Value.BufferBytes));
        services.AddSingleton<BridgeProducer>();
        services.AddSingleton<PublishIngest>();

        services.AddSingleton<MqttNetLogger>();
        services.AddSingleton<IMqttNetLogger>(sp => sp.GetRequiredService<MqttNetLogger>());
        services.AddSingleton<ConnectedDevices>();
        services.AddSingleton<ConnectionFactory>();
        services.AddSingleton<TlsMaterialProvider>();
        services.AddSingleton<FleetServerAdapter>();
        services.AddSingleton<WebSocketListener>();
        services.AddSingleton<MqttServerEvents>();
        services.AddSingleton(sp =>
        {
            var limits = sp.GetRequiredService<IOptions<LimitsOptions>>().Value;
            return new SessionExpiry(limits.MaxSessionExpiry, limits.DefaultSessionExpiry);
        });
        services.AddSingleton<BridgeEndpoints>();
        services.AddSingleton<BridgeServer>();
        services.AddHostedService(sp => sp.GetRequiredService<BridgeServer>());
        services.AddSingleton<SessionExpirySweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<SessionExpirySweeper>());

        services.AddSingleton(sp => new CommandOutcomes(sp.GetRequiredService<BridgeProducer>(), sp.GetRequiredService<IngestBuffer>(),
            sp.GetRequiredService<IOptions<BridgeOptions>>().Value.InstanceId));
        services.AddHostedService<CommandDispatcher>();
        services.AddHostedService<Shadows.ShadowResponseDispatcher>();
        services.AddSingleton<Shadows.ShadowDocumentsView>();
        services.AddHostedService(sp => sp.GetRequiredService<Shadows.ShadowDocumentsView>());
        services.AddHostedService<Shadows.PendingDeltaOnSubscribe>();
        services.AddSingleton<ShadowApi.PendingShadowAnswers>();
        services.AddSingleton<ShadowApi.ShadowApiHandler>();

        // Checked at start (exit 78 when missing, or a changelog not compacted): what the bridge writes and follows.
        services.AddTopicNeeds(sp =>
        {
            var t = sp.GetRequiredService<IOptions<KafkaTopics>>().Value;
            return TopicNeed.Existing(t, [t.TelemetryRaw, t.EventsRaw, t.Rejected, t.ShadowRequests, t.Devices, t.Commands, t.ShadowResponses, t.Shadows]);
        });
        services.AddHealthChecks().AddCheck<BridgeHealthCheck>("mqtt-bridge");
        return services;
    }

    /// <summary>The bridge's HTTP endpoints: /healthz, /metrics and the shadow API for applications.</summary>
    public static WebApplication MapBridgeEndpoints(this WebApplication app)
    {
        app.MapServiceEndpoints();
        app.MapShadowApi();
        return app;
    }
}
