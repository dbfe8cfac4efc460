using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Pipeline.Contracts;
using Pipeline.RulesProcessor.Hosting;
using Pipeline.RulesProcessor.Modules.Dedupe;
using Pipeline.RulesProcessor.Modules.Enrich;
using Pipeline.RulesProcessor.Modules.Rules;
using Pipeline.RulesProcessor.Modules.Shadow;
using Pipeline.RulesProcessor.Modules.ThresholdAlert;
using Pipeline.RulesProcessor.Modules.Validate;
using Pipeline.RulesProcessor.Modules.Window;
using Pipeline.RulesProcessor.Topology;
using Pipeline.ServiceDefaults;
using Pipeline.ServiceDefaults.Kafka.Topics;

namespace Pipeline.RulesProcessor;

public static class Extensions
{
    /// <summary>The service: topology, the hosted stream, its health check and metrics.</summary>
    public static WebApplicationBuilder AddRulesProcessor(this WebApplicationBuilder builder)
    {
        builder.Services.AddRulesTopology();
        builder.Services.AddSingleton<StreamStatus>();
        builder.Services.AddSingleton<RulesStreamService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RulesStreamService>());
        // Checked at start (exit 78 when wrong): what the topology reads and writes must exist; the changelogs must be
        // compacted when they exist (on a real broker Streamiz creates a missing one itself).
        builder.Services.AddTopicNeeds(sp =>
        {
            var topology = sp.GetRequiredService<RulesTopology>();
            var topics = sp.GetRequiredService<IOptions<KafkaTopics>>().Value;
            return TopicNeed.Existing(topics, topology.InputTopics.Concat(topology.OutputTopics))
                .Concat(topology.InternalTopics.Select(t => new TopicNeed(t, MustExist: false, MustCompact: true)));
        });
        builder.Services.AddSingleton<RuleBookFollower>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RuleBookFollower>());
        builder.Services.AddHostedService<Modules.Rules.Webhooks.WebhookDispatcher>();
        builder.Services.AddHealthChecks().AddCheck<StreamHealthCheck>("stream");
        return builder;
    }

    /// <summary>
    /// The modules, their validated options and the <see cref="RulesTopology"/> of the enabled ones; no Kafka.
    /// Needs an <see cref="Microsoft.Extensions.Configuration.IConfiguration"/> in the container.
    /// A new built-in module is one more line here.
    /// </summary>
    public static IServiceCollection AddRulesTopology(this IServiceCollection services)
    {
        services.AddOptions<KafkaTopics>().BindConfiguration(KafkaTopics.SectionName);
        services.AddLogging();
        services.TryAddSingleton(_ => new RulesMetrics());
        services.AddValidatedOptions<RulesOptions>(RulesOptions.SectionName);
        services.AddSingleton<IValidateOptions<RulesOptions>, RulesOptionsValidator>();

        services.AddModule<ValidateModule, ValidateOptions, ValidateOptionsValidator>(ValidateOptions.SectionName);
        services.AddModule<DedupeModule, DedupeOptions, DedupeOptionsValidator>(DedupeOptions.SectionName);
        services.AddSingleton<ITopologyModule, EnrichModule>();
        services.AddModule<WindowModule, WindowOptions, WindowOptionsValidator>(WindowOptions.SectionName);
        services.AddModule<ThresholdAlertModule, ThresholdAlertOptions, ThresholdAlertOptionsValidator>(ThresholdAlertOptions.SectionName);
        services.AddSingleton<ITopologyModule, ShadowModule>();
        services.AddValidatedOptions<RuleActionOptions>(RuleActionOptions.SectionName);
        services.AddSingleton<IValidateOptions<RuleActionOptions>, RuleActionOptionsValidator>();
        services.TryAddSingleton(sp => sp.GetRequiredService<RulesMetrics>().Rules);
        services.AddSingleton<RuleBook>();
        services.AddSingleton<IRuleTopicDirectory>(sp => new KafkaRuleTopicDirectory(() => sp.GetRequiredService<Pipeline.ServiceDefaults.Kafka.KafkaClientFactory>()));
        services.AddSingleton<ITopologyModule, RulesModule>();

        services.AddSingleton(sp =>
        {
            var rules = sp.GetRequiredService<IOptions<RulesOptions>>().Value;
            var all = sp.GetServices<ITopologyModule>().ToDictionary(m => m.Name);
            return new RulesTopology(
                rules.EnabledModules.Select(name => all[name]).ToList(),
                sp.GetRequiredService<IOptions<KafkaTopics>>().Value,
                rules.ApplicationId,
                rules.Guarantee,
                sp.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>()["Kafka:LogIncarnation"] ?? "",
                rules.CommitInterval);
        });
        return services;
    }

    /// <summary>Registers a module with its options section, validated when the host starts.</summary>
    public static IServiceCollection AddModule<TModule, TOptions, TValidator>(this IServiceCollection services, string section)
        where TModule : class, ITopologyModule
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.AddValidatedOptions<TOptions>(section);
        services.AddSingleton<IValidateOptions<TOptions>, TValidator>();
        services.AddSingleton<ITopologyModule, TModule>();
        return services;
    }
}
