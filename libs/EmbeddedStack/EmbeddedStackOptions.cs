using System.ComponentModel.DataAnnotations;

namespace Pipeline.EmbeddedStack;

/// <summary>How the embedded stack runs. Section "EmbeddedStack"; every address is on 127.0.0.1 by default.</summary>
public sealed class EmbeddedStackOptions
{
    public const string SectionName = "EmbeddedStack";

    /// <summary>Root of the embedded run's state (registry snapshot, schemas, ClickHouse data, engines).</summary>
    [Required(ErrorMessage = "EmbeddedStack:StateDir must name a folder for the embedded stack's data.")]
    public string StateDir { get; set; } = ".pipeline";

    [Range(1, 3, ErrorMessage = "EmbeddedStack:KafkaBrokers must be between 1 and 3.")]
    public int KafkaBrokers { get; set; } = 1;

    /// <summary>
    /// Partitions of every topic. 2, one per core of the small machine `up` is for: the mock cluster answers a
    /// fetch with one producer batch per partition and finds it by walking the partition's log from the start,
    /// and the sink writes one ClickHouse part per partition and second; with 6 partitions the same traffic came
    /// in smaller batches and parts, and `up` spent about 70% more CPU on it (bench/README: end-to-end latency).
    /// </summary>
    [Range(1, 256, ErrorMessage = "EmbeddedStack:Partitions must be between 1 and 256.")]
    public int Partitions { get; set; } = 2;

    [Required(ErrorMessage = "EmbeddedStack:SchemaRegistryUrl must be an http URL on 127.0.0.1, e.g. http://127.0.0.1:8081.")]
    public string SchemaRegistryUrl { get; set; } = "http://127.0.0.1:8081";

    [Required(ErrorMessage = "EmbeddedStack:ClickHouseUrl must be an http URL on 127.0.0.1, e.g. http://127.0.0.1:8123.")]
    public string ClickHouseUrl { get; set; } = "http://127.0.0.1:8123";

    /// <summary>
    /// Where to serve outages on demand (Faults/FaultControlEndpoint: Kafka brokers down/up, request errors,
    /// ClickHouse endpoint down/up), e.g. http://127.0.0.1:8090; empty (the default) serves nothing.
    /// For fault drills only: anyone on this machine who can reach it can stop the stack's Kafka.
    /// </summary>
    [RegularExpression(@"^(http://127\.0\.0\.1:\d{1,5})?$", ErrorMessage = "EmbeddedStack:FaultControlUrl must be empty (off) or http://127.0.0.1:PORT.")]
    public string FaultControlUrl { get; set; } = "";

    /// <summary>libchdb.so; empty = where `./pipeline` installs it under StateDir/engines.</summary>
    public string ChdbLibrary { get; set; } = "";

    /// <summary>Topics created up front besides the product's own (Streamiz internal topics, modules' outputs).</summary>
    public List<string> ExtraTopics { get; set; } = [];

    public string ResolvedChdbLibrary => string.IsNullOrWhiteSpace(ChdbLibrary)
        ? Path.Combine(StateDir, "engines", "chdb", "node_modules", "@chdb", "lib-linux-x64-gnu", "libchdb.so")
        : ChdbLibrary;
}
