using System.ComponentModel.DataAnnotations;
using Confluent.Kafka;

namespace Pipeline.ServiceDefaults;

/// <summary>
/// Where Kafka and the Schema Registry are, and how every Kafka client of a service connects and authenticates.
/// Section "Kafka". Every producer, consumer, admin client and Streamiz configuration takes these settings from
/// <see cref="Kafka.KafkaClientFactory"/>; the cross-field rules (SASL needs a user, a CA file must exist) are in
/// <see cref="Kafka.KafkaOptionsValidator"/>.
/// </summary>
public sealed class KafkaOptions
{
    public const string SectionName = "Kafka";

    [Required(ErrorMessage = "Kafka:BootstrapServers must name at least one broker (host:port).")]
    public string BootstrapServers { get; set; } = "127.0.0.1:9092";

    [Required(ErrorMessage = "Kafka:SchemaRegistryUrl must be the Schema Registry's base URL.")]
    [Url(ErrorMessage = "Kafka:SchemaRegistryUrl must be an absolute http(s) URL.")]
    public string SchemaRegistryUrl { get; set; } = "http://127.0.0.1:8081";

    /// <summary>Schema Registry basic-auth user (Confluent's basic.auth.user.info); empty = no credentials are sent.</summary>
    public string SchemaRegistryUsername { get; set; } = "";

    /// <summary>Its password. A secret: from the environment (PIPELINE__Kafka__SchemaRegistryPassword), never logged nor shown in status.</summary>
    public string SchemaRegistryPassword { get; set; } = "";

    /// <summary>PEM file of the CA that signed an https Schema Registry's certificate; empty = the system's roots.</summary>
    public string SchemaRegistryCaLocation { get; set; } = "";

    /// <summary>
    /// Consumer group session timeout of every client that joins a group (the processor's stream threads, the
    /// bridge's command and shadow-answer consumers); the sink has its own, SinkWriter:KafkaSessionTimeout, because
    /// how long a dead sink keeps its partitions is a trade against re-inserting held batches. 10 s instead of the
    /// client's 45 s: a killed member's partitions move on sooner, and librdkafka's mock cluster (the embedded stack)
    /// holds a rebalance for session.timeout - 1 s even after a clean close (observed: a rejoin waited the full 45 s).
    /// </summary>
    [Range(6000, 300000, ErrorMessage = "Kafka:SessionTimeoutMs must be between 6000 and 300000.")]
    public int SessionTimeoutMs { get; set; } = 10_000;

    /// <summary>
    /// How long every client waits for a broker to answer one request before it gives the connection up and
    /// reconnects (librdkafka's socket.timeout.ms, default 60 s; Kafka's Java clients wait 30 s). A broker that
    /// goes away without closing its connections (a network partition, a frozen VM, and the embedded mock cluster
    /// after an outage) leaves requests unanswered: with 60 s, the pipeline stood still for up to 40 s after a
    /// 20 s Kafka outage had ended, and each later request that met such a connection (the sink's committed
    /// offsets) cost another 60 s. A failed request is retried (the producer is idempotent), so a shorter wait
    /// costs nothing on a healthy broker, which answers in milliseconds.
    /// </summary>
    [Range(1000, 300000, ErrorMessage = "Kafka:SocketTimeoutMs must be between 1000 and 300000.")]
    public int SocketTimeoutMs { get; set; } = 10_000;

    /// <summary>
    /// Names the life of the cluster's logs: offsets remembered under one value are not applied under
    /// another. Empty for a real Kafka, whose logs persist. `./pipeline up` sets a new value at every run,
    /// because its embedded Kafka starts empty and hands out offset 0 again.
    /// </summary>
    [RegularExpression("^[A-Za-z0-9_.-]{0,64}$", ErrorMessage = "Kafka:LogIncarnation may hold at most 64 letters, digits, '_', '.' or '-'.")]
    public string LogIncarnation { get; set; } = "";

    /// <summary>
    /// How long a consumer's fetch may wait at the broker when there is nothing new (librdkafka's fetch.wait.max.ms,
    /// default 500 ms). A real broker answers as soon as a record arrives, so a shorter wait only adds a few empty
    /// fetches while idle; the embedded mock cluster always waits the full time, so with 500 ms every caught-up hop of
    /// the pipeline (processor, sink, shadow answers) added up to half a second.
    /// </summary>
    [Range(10, 5000, ErrorMessage = "Kafka:FetchWaitMaxMs must be between 10 and 5000.")]
    public int FetchWaitMaxMs { get; set; } = 100;

    /// <summary>How the clients reach the brokers: Plaintext, Ssl, SaslPlaintext or SaslSsl (librdkafka's security.protocol).</summary>
    public SecurityProtocol SecurityProtocol { get; set; } = SecurityProtocol.Plaintext;

    /// <summary>SASL mechanism when <see cref="SecurityProtocol"/> is SaslPlaintext or SaslSsl.</summary>
    public KafkaSaslMechanism SaslMechanism { get; set; } = KafkaSaslMechanism.Plain;

    /// <summary>SASL user (the service's principal).</summary>
    public string SaslUsername { get; set; } = "";

    /// <summary>SASL password. A secret: from the environment or a secret store, never logged (<see cref="ToString"/> leaves it out).</summary>
    public string SaslPassword { get; set; } = "";

    /// <summary>PEM file of the CA that signed the brokers' certificates (ssl.ca.location); empty = the system's roots.</summary>
    public string SslCaLocation { get; set; } = "";

    /// <summary>PEM client certificate for mTLS to the brokers (ssl.certificate.location); needs <see cref="SslKeyLocation"/>.</summary>
    public string SslCertificateLocation { get; set; } = "";

    /// <summary>PEM private key of <see cref="SslCertificateLocation"/> (ssl.key.location).</summary>
    public string SslKeyLocation { get; set; } = "";

    /// <summary>Password of an encrypted <see cref="SslKeyLocation"/>. A secret, never logged.</summary>
    public string SslKeyPassword { get; set; } = "";

    /// <summary>
    /// Names this service instance to the brokers (client.id; each client adds its role, e.g. ".commands"). Empty =
    /// "&lt;service&gt;-&lt;host&gt;-&lt;pid&gt;", unique per instance. Set it when broker quotas or logs should name a fixed id.
    /// </summary>
    [RegularExpression("^[A-Za-z0-9_.-]{0,200}$", ErrorMessage = "Kafka:ClientId may hold at most 200 letters, digits, '_', '.' or '-'.")]
    public string ClientId { get; set; } = "";

    /// <summary>Everything but the secrets, for logs.</summary>
    public override string ToString() =>
        $"{BootstrapServers} ({SecurityProtocol}{(UsesSasl ? $", SASL {SaslMechanism} as '{SaslUsername}'" : "")})";

    internal bool UsesSasl => SecurityProtocol is SecurityProtocol.SaslPlaintext or SecurityProtocol.SaslSsl;

    internal bool UsesTls => SecurityProtocol is SecurityProtocol.Ssl or SecurityProtocol.SaslSsl;
}

/// <summary>The SASL mechanisms the pipeline supports (librdkafka's sasl.mechanism PLAIN, SCRAM-SHA-256, SCRAM-SHA-512).</summary>
public enum KafkaSaslMechanism
{
    Plain,
    ScramSha256,
    ScramSha512,
}
