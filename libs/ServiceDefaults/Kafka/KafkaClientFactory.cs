using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Pipeline.ServiceDefaults.Kafka;

/// <summary>
/// Builds every Kafka client of a process from the one "Kafka" section: brokers, security protocol, SASL user,
/// TLS files, client id, the request timeout and (for group members) the session timeout come from here; the caller adds only its own
/// tuning (acks, linger, fetch sizes, ...) to the config it gets, then builds through this factory, which routes
/// librdkafka's log lines to the service's logger. A service that connects to a secured Kafka therefore needs no
/// code change, and no client can be forgotten.
/// </summary>
public sealed class KafkaClientFactory
{
    private readonly ILogger _librdkafka;

    /// <param name="options">Validated here too (<see cref="KafkaOptionsValidator"/>), for tools that bind options by hand.</param>
    /// <param name="serviceName">Names the instance in the default client id, e.g. "mqtt-bridge".</param>
    public KafkaClientFactory(KafkaOptions options, string serviceName, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceName);
        KafkaOptionsValidator.ThrowIfInvalid(options);
        Options = options;
        InstanceClientId = string.IsNullOrEmpty(options.ClientId)
            ? $"{serviceName}-{Environment.MachineName}-{Environment.ProcessId}"
            : options.ClientId;
        _librdkafka = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger(LibrdkafkaLog.Category);
    }

    public KafkaOptions Options { get; }

    /// <summary>This instance's client id; each client is "&lt;instance&gt;.&lt;role&gt;".</summary>
    public string InstanceClientId { get; }

    public string ClientId(string role) => $"{InstanceClientId}.{role}";

    public ProducerConfig ProducerConfig(string role) => WithCommon(new ProducerConfig(), role);

    /// <summary>A consumer that joins <paramref name="groupId"/>: gets Kafka:SessionTimeoutMs.</summary>
    public ConsumerConfig GroupConsumerConfig(string role, string groupId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(groupId);
        var config = WithCommon(new ConsumerConfig(), role);
        config.GroupId = groupId;
        config.SessionTimeoutMs = Options.SessionTimeoutMs;
        return config;
    }

    /// <summary>
    /// A consumer that assigns partitions itself and never joins a group nor commits. librdkafka wants a group.id
    /// anyway; a unique one keeps any commit by mistake from touching a real group.
    /// </summary>
    public ConsumerConfig ReaderConfig(string role)
    {
        var config = WithCommon(new ConsumerConfig(), role);
        config.GroupId = $"{role}-{Guid.NewGuid():N}";
        config.EnableAutoCommit = false;
        return config;
    }

    /// <summary>
    /// A consumer used only for group bookkeeping (commits, committed offsets, watermarks) under
    /// <paramref name="groupId"/>; it never subscribes, so no session timeout applies.
    /// </summary>
    public ConsumerConfig GroupOffsetsConfig(string role, string groupId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(groupId);
        var config = WithCommon(new ConsumerConfig(), role);
        config.GroupId = groupId;
        config.EnableAutoCommit = false;
        return config;
    }

    public AdminClientConfig AdminConfig(string role) => WithCommon(new AdminClientConfig(), role);

    /// <param name="configure">The caller's handlers (error, statistics, partitioner); not the log handler, which is ours.</param>
    public IProducer<TKey, TValue> CreateProducer<TKey, TValue>(ProducerConfig config, Action<ProducerBuilder<TKey, TValue>>? configure = null)
    {
        var builder = new ProducerBuilder<TKey, TValue>(config).SetLogHandler((_, m) => Log(m));
        configure?.Invoke(builder);
        return builder.Build();
    }

    /// <param name="configure">The caller's handlers (error, rebalance); not the log handler, which is ours.</param>
    public IConsumer<TKey, TValue> CreateConsumer<TKey, TValue>(ConsumerConfig config, Action<ConsumerBuilder<TKey, TValue>>? configure = null)
    {
        var builder = new ConsumerBuilder<TKey, TValue>(config).SetLogHandler((_, m) => Log(m));
        configure?.Invoke(builder);
        return builder.Build();
    }

    public IAdminClient CreateAdmin(AdminClientConfig config, Action<AdminClientBuilder>? configure = null)
    {
        var builder = new AdminClientBuilder(config).SetLogHandler((_, m) => Log(m));
        configure?.Invoke(builder);
        return builder.Build();
    }

    /// <summary>A Schema Registry client with this process's registry URL, basic-auth user and CA (<see cref="SchemaRegistryClients"/>).</summary>
    public Confluent.SchemaRegistry.CachedSchemaRegistryClient CreateSchemaRegistryClient() => SchemaRegistryClients.Create(Options);

    /// <summary>
    /// The settings every client shares, as a plain config: for Streamiz, whose StreamConfig is not a librdkafka
    /// config but takes the same values through its own properties.
    /// </summary>
    public ClientConfig CommonConfig(string role) => WithCommon(new ClientConfig(), role);

    /// <summary>
    /// <paramref name="text"/> with the configured secrets masked. librdkafka does not put them in its messages,
    /// but a broker's error text is not ours to trust: everything from Kafka that we log or throw goes through here.
    /// </summary>
    public string Redact(string text)
    {
        foreach (var secret in new[] { Options.SaslPassword, Options.SslKeyPassword, Options.SchemaRegistryPassword })
            if (!string.IsNullOrEmpty(secret) && !string.IsNullOrEmpty(text))
                text = text.Replace(secret, "***", StringComparison.Ordinal);
        return text;
    }

    private void Log(LogMessage message) =>
        LibrdkafkaLog.Write(_librdkafka, new LogMessage(message.Name, message.Level, message.Facility, Redact(message.Message)));

    private T WithCommon<T>(T config, string role) where T : ClientConfig
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(role);
        var o = Options;
        config.BootstrapServers = o.BootstrapServers;
        config.ClientId = ClientId(role);
        config.SocketTimeoutMs = o.SocketTimeoutMs;
        config.SecurityProtocol = o.SecurityProtocol;
        if (o.UsesSasl)
        {
            config.SaslMechanism = o.SaslMechanism switch
            {
                KafkaSaslMechanism.ScramSha256 => SaslMechanism.ScramSha256,
                KafkaSaslMechanism.ScramSha512 => SaslMechanism.ScramSha512,
                _ => SaslMechanism.Plain,
            };
            config.SaslUsername = o.SaslUsername;
            config.SaslPassword = o.SaslPassword;
        }
        if (o.UsesTls)
        {
            if (!string.IsNullOrEmpty(o.SslCaLocation))
                config.SslCaLocation = o.SslCaLocation;
            if (!string.IsNullOrEmpty(o.SslCertificateLocation))
            {
                config.SslCertificateLocation = o.SslCertificateLocation;
                config.SslKeyLocation = o.SslKeyLocation;
            }
            if (!string.IsNullOrEmpty(o.SslKeyPassword))
                config.SslKeyPassword = o.SslKeyPassword;
        }
        return config;
    }
}
