using Confluent.SchemaRegistry;

namespace Pipeline.ServiceDefaults.Kafka;

/// <summary>
/// Every Schema Registry client of the services and tools is configured here from the "Kafka" section: the URL,
/// basic auth (Kafka:SchemaRegistryUsername/Password, sent as Confluent's user info) and the CA of an https
/// registry. So a registry that requires credentials or TLS needs configuration only.
/// </summary>
public static class SchemaRegistryClients
{
    public static SchemaRegistryConfig Config(KafkaOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var config = new SchemaRegistryConfig { Url = options.SchemaRegistryUrl };
        if (!string.IsNullOrEmpty(options.SchemaRegistryUsername))
        {
            config.BasicAuthCredentialsSource = AuthCredentialsSource.UserInfo;
            config.BasicAuthUserInfo = $"{options.SchemaRegistryUsername}:{options.SchemaRegistryPassword}";
        }
        if (!string.IsNullOrEmpty(options.SchemaRegistryCaLocation))
            config.SslCaLocation = options.SchemaRegistryCaLocation;
        return config;
    }

    public static CachedSchemaRegistryClient Create(KafkaOptions options) => new(Config(options));
}
