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
}
