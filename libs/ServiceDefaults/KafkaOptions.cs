using System.ComponentModel.DataAnnotations;

namespace Pipeline.ServiceDefaults;

/// <summary>Where Kafka and the Schema Registry are. Section "Kafka".</summary>
public sealed class KafkaOptions
{
    public const string SectionName = "Kafka";

    [Required(ErrorMessage = "Kafka:BootstrapServers must name at least one broker (host:port).")]
    public string BootstrapServers { get; set; } = "127.0.0.1:9092";

    [Required(ErrorMessage = "Kafka:SchemaRegistryUrl must be the Schema Registry's base URL.")]
    [Url(ErrorMessage = "Kafka:SchemaRegistryUrl must be an absolute http(s) URL.")]
    public string SchemaRegistryUrl { get; set; } = "http://127.0.0.1:8081";

    /// <summary>
    /// Consumer group session timeout. 6 s instead of the client's 45 s: a restarted member is
    /// noticed sooner, and librdkafka's mock cluster (the embedded stack) holds a rebalance for
    /// session.timeout - 1 s, so with 45 s a restarted service would sit idle for 44 s.
    /// </summary>
    [Range(6000, 300000, ErrorMessage = "Kafka:SessionTimeoutMs must be between 6000 and 300000.")]
    public int SessionTimeoutMs { get; set; } = 6000;

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
}
