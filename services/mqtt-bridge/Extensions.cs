using Confluent.SchemaRegistry;
using Microsoft.Extensions.Options;
using MQTTnet.Diagnostics.Logger;
using Pipeline.Contracts;
using Pipeline.DeviceRegistry;
using Pipeline.MqttBridge.Auth;
using Pipeline.MqttBridge.CommandApi;
using Pipeline.MqttBridge.Commands;
using Pipeline.MqttBridge.Connections;
using Pipeline.MqttBridge.Hosting;
using Pipeline.MqttBridge.HttpPublish;
using Pipeline.MqttBridge.Ingest;
using Pipeline.MqttBridge.Kafka;
using Pipeline.MqttBridge.Listeners;
using Pipeline.MqttBridge.Options;
using Pipeline.MqttBridge.RulesApi;
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
        services.AddValidatedOptions<OperatorApiOptions>(OperatorApiOptions.SectionName)
            .PostConfigure<IConfiguration>((o, config) => o.Token = string.IsNullOrEmpty(o.Token) ? config[OperatorApiOptions.LegacyTokenSetting] : o.Token);
        services.AddSingleton<OperatorApi.OperatorAuth>();
        services.AddValidatedOptions<CommandsOptions>(CommandsOptions.SectionName);

        services.AddSingleton<ISchemaRegistryClient>(sp =>
            sp.GetRequiredService<KafkaClientFactory>().CreateSchemaRegistryClient());
        services.AddSingleton(sp => new DeviceRegistryView(
            sp.GetRequiredService<KafkaClientFactory>(),
            sp.GetRequiredService<IOptions<KafkaTopics>>().Value.Devices,
            sp.GetRequiredService<ILogger<DeviceRegistryView>>()));

        services.AddSingleton(sp => new ConnectThrottle(sp.GetRequiredService<IOptions<LimitsOptions>>().Value.FailedConnectsPerMinute));
        // Device tokens: keyed hashes with the token pepper; legacy PBKDF2 records are rewritten keyed after a good connect.
        services.AddValidatedOptions<DeviceTokenOptions>(DeviceTokenOptions.SectionName);
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<DeviceTokenOptions>>().Value.Load()
            ?? throw new InvalidOperationException($"{DeviceTokenOptions.SectionName}:Pepper is required."));
        services.AddSingleton(sp => new DeviceRegistryClient(sp.GetRequiredService<KafkaClientFactory>(), sp.GetRequiredService<ISchemaRegistryClient>(),
            topic: sp.GetRequiredService<IOptions<KafkaTopics>>().Value.Devices, logger: sp.GetRequiredService<ILogger<DeviceRegistryClient>>()));
        services.AddSingleton<TokenHashUpgrader>();
        services.AddHostedService(sp => sp.GetRequiredService<TokenHashUpgrader>());
        services.AddSingleton(sp => new TokenVerificationCache(sp.GetRequiredService<TokenPepper>(), sp.GetRequiredService<TokenHashUpgrader>().Enqueue));
        services.AddSingleton(sp => new DeviceAuthenticator(
            sp.GetRequiredService<DeviceRegistryView>(), sp.GetRequiredService<ConnectThrottle>(),
            sp.GetRequiredService<TokenVerificationCache>(), () => sp.GetRequiredService<BridgeProducer>().IsReady));

        services.AddSingleton(sp => new TokenBucketRateLimiter(sp.GetRequiredService<IOptions<LimitsOptions>>().Value.RateLimitBurstSeconds));
        services.AddSingleton(sp => new IngestBuffer(sp.GetRequiredService<IOptions<BridgeOptions>>().Value.BufferBytes));
        services.AddSingleton<BridgeProducer>();
        services.AddSingleton<FullWindowSender>();
        services.AddSingleton<PublishIngest>();
        services.AddSingleton<Wills.WillPublisher>();

        services.AddSingleton<MqttNetLogger>();
        services.AddSingleton<IMqttNetLogger>(sp => sp.GetRequiredService<MqttNetLogger>());
        services.AddSingleton<ConnectedDevices>();
        services.AddSingleton(_ => new DeviceHandover());
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
        services.AddSingleton<Presence.ConnectivityRecorder>();
        services.AddSingleton<Presence.InstanceHeartbeat>();
        services.AddSingleton<Presence.PresenceView>();
        services.AddHostedService(sp => sp.GetRequiredService<Presence.PresenceView>());
        services.AddSingleton<CommandReadPositions>();
        services.AddSingleton<Presence.PresenceWriter>();
        services.AddHostedService<Presence.CrossInstanceTakeover>();
        services.AddSingleton<DurableSessions>();
        services.AddHostedService(sp => sp.GetRequiredService<DurableSessions>());
        services.AddSingleton<DurableSessionKeeper>();
        services.AddSingleton<LateQueuedCommands>();
        services.AddSingleton<BridgeEndpoints>();
        services.AddSingleton<BridgeServer>();
        services.AddHostedService(sp => sp.GetRequiredService<BridgeServer>());
        services.AddSingleton<SessionExpirySweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<SessionExpirySweeper>());
        services.AddHostedService(sp => sp.GetRequiredService<Presence.InstanceHeartbeat>());

        services.AddSingleton(sp => new CommandOutcomeLog(sp.GetRequiredService<IOptions<CommandsOptions>>().Value.RecentOutcomes));
        services.AddSingleton(sp => new CommandOutcomes(sp.GetRequiredService<BridgeProducer>(), sp.GetRequiredService<IngestBuffer>(),
            sp.GetRequiredService<CommandOutcomeLog>(), sp.GetRequiredService<IOptions<BridgeOptions>>().Value.InstanceId));
        services.AddSingleton<CommandApiHandler>();
        services.AddSingleton<CommandRouting>();
        services.AddSingleton<CommandDelivery>();
        services.AddSingleton<CommandDispatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<CommandDispatcher>());
        services.AddHostedService<Retained.RetainedMessagesFollower>();
        services.AddHostedService<Shadows.ShadowResponseDispatcher>();
        services.AddSingleton<Shadows.ShadowDocumentsView>();
        services.AddHostedService(sp => sp.GetRequiredService<Shadows.ShadowDocumentsView>());
        services.AddHostedService<Shadows.PendingDeltaOnSubscribe>();
        services.AddSingleton<ShadowApi.PendingShadowAnswers>();
        services.AddSingleton<ShadowApi.ShadowApiHandler>();
        services.AddSingleton<RulesApi.RulesView>();
        services.AddHostedService(sp => sp.GetRequiredService<RulesApi.RulesView>());
        services.AddSingleton<RulesApi.RulesStore>();
        services.AddSingleton<RulesApi.RulesApiHandler>();
        services.AddSingleton<RulesApi.RuleTester>();

        services.AddSingleton<HttpPublish.HttpDeviceIdentity>();
        services.AddSingleton<HttpPublish.HttpPublishHandler>();

        // Checked at start (exit 78 when missing, or a changelog not compacted): what the bridge writes and follows.
        services.AddTopicNeeds(sp =>
        {
            var t = sp.GetRequiredService<IOptions<KafkaTopics>>().Value;
            return TopicNeed.Existing(t, [t.TelemetryRaw, t.EventsRaw, t.Rejected, t.ShadowRequests, t.Devices, t.Commands, t.ShadowResponses, t.Shadows,
                t.Rules, t.Retained, t.Connectivity, t.Presence, t.Sessions]);
        });
        services.AddHealthChecks().AddCheck<BridgeHealthCheck>("mqtt-bridge");
        return services;
    }

    /// <summary>The bridge's HTTP endpoints: /healthz, /metrics and the operator APIs (shadows, rules).</summary>
    public static WebApplication MapBridgeEndpoints(this WebApplication app)
    {
        app.MapServiceEndpoints();
        app.MapShadowApi();
        app.MapRulesApi();
        app.MapCommandApi();
        app.MapHttpPublish();
        return app;
    }
}
