using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Pipeline.ServiceDefaults.Kafka;

public static class KafkaServiceCollectionExtensions
{
    /// <summary>
    /// The validated "Kafka" section, the one <see cref="KafkaClientFactory"/> of the process, and the start-up access
    /// check, then the start-up topic check (topics a service adds with AddTopicNeeds). Call before the service's own hosted services: hosted services start in registration order, and the
    /// check must fail the start before anything else connects.
    /// </summary>
    public static IServiceCollection AddKafkaClients(this IServiceCollection services, string serviceName)
    {
        services.AddValidatedOptions<KafkaOptions>(KafkaOptions.SectionName);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KafkaOptions>, KafkaOptionsValidator>());
        services.AddSingleton(sp => new KafkaClientFactory(
            sp.GetRequiredService<IOptions<KafkaOptions>>().Value, serviceName, sp.GetRequiredService<ILoggerFactory>()));
        services.AddHostedService<KafkaAccessCheck>();
        // After the access check (a refused login is the clearer message), before the service's own parts.
        services.AddHostedService<Topics.KafkaTopicCheck>();
        return services;
    }

    /// <summary>"MqttBridge" -> "mqtt-bridge": the project name as the services call themselves.</summary>
    public static string ServiceName(string? applicationName) =>
        string.IsNullOrWhiteSpace(applicationName) ? "service" : string.Concat(applicationName.Select((c, i) => i > 0 && char.IsUpper(c) && !char.IsUpper(applicationName[i - 1]) ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
