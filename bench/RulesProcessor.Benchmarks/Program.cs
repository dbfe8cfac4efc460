using System.Text.Json;
using Pipeline.Contracts;
using Pipeline.Contracts.Serialization;
using Pipeline.EmbeddedStack.Kafka;
using Pipeline.EmbeddedStack.SchemaRegistry;
using Pipeline.RulesProcessor;
using Pipeline.RulesProcessor.Benchmarks;
using Pipeline.RulesProcessor.Serialization;

// dotnet run -c Release --project bench/RulesProcessor.Benchmarks -- [--records N] [--devices D] [--partitions P] [--commit-ms C] [--poll-ms M] [--variants a,b]
// Records/s through the rules processor vs a plain Confluent.Kafka consume-and-produce passthrough of the
// same records on the same broker (the embedded mock cluster, in this process). One run; ratios vary with
// what else the machine is doing.
var options = BenchOptions.Parse(args);
if (args.Contains("--rules-eval"))
{
    RuleEvalMicro.Run(options.Records, options.Devices);
    return;
}
using var cluster = MockKafkaCluster.Start();
var registryDir = Directory.CreateTempSubdirectory("bench-registry-").FullName;
await using var registry = await EmbeddedSchemaRegistry.StartAsync("http://127.0.0.1:0", registryDir);
using var registryClient = new Confluent.SchemaRegistry.CachedSchemaRegistryClient(new Confluent.SchemaRegistry.SchemaRegistryConfig { Url = registry.Url });

var raw = "bench.telemetry.raw";
var devices = "bench.devices";
cluster.CreateTopics([raw, devices], options.Partitions);
var schemaId = await new ProtobufSerializer<TelemetryRecord>(registryClient).SchemaIdForAsync(raw);
await new ProtobufSerializer<DeviceRecord>(registryClient).SchemaIdForAsync(devices);
await BenchData.RegisterDevicesAsync(cluster.BootstrapServers, devices, schemaId, options.Devices);
BenchData.ProduceTelemetry(cluster.BootstrapServers, raw, schemaId, options.Records, options.Devices);
Console.WriteLine($"{options.Records} records of {options.Devices} devices in {raw} ({options.Partitions} partitions), commit interval {options.CommitInterval.TotalMilliseconds} ms, poll {options.PollInterval.TotalMilliseconds} ms; one run per variant after a warm-up.");

// Warm-up (not reported): the first run of the topology pays for JIT compilation and RocksDB's native load.
{
    var warm = new KafkaTopics { TelemetryRaw = raw, Devices = devices, TelemetryEnriched = "bench.warm.enriched", TelemetryAgg1m = "bench.warm.agg", EventsRaw = "bench.warm.events", Rejected = "bench.warm.rejected" };
    var warmSchemas = await RegistrySchemaCatalog.CreateAsync(registryClient, [warm.TelemetryEnriched, warm.TelemetryAgg1m, warm.EventsRaw, warm.Rejected], CancellationToken.None);
    ProcessorRun.Run(cluster, cluster.BootstrapServers, warmSchemas, warm, ProcessorRun.Modules(5), ProcessingMode.ExactlyOnce, options.Partitions, options.Records, options.CommitInterval, options.PollInterval);
    // The rules variants' own path (the rules module, its outputs' sinks) warmed too: without it the first rules-N run
    // paid the JIT of the rules code that rules-0 never runs, and the rules-10 / rules-0 ratio measured compilation.
    if (options.Variants.Any(v => v.StartsWith("rules-", StringComparison.Ordinal) && v != "rules-0"))
    {
        var rules = new KafkaTopics
        {
            TelemetryRaw = raw, Devices = devices,
            TelemetryEnriched = "bench.warm-rules.enriched", TelemetryAgg1m = "bench.warm-rules.agg", EventsRaw = "bench.warm-rules.events", Rejected = "bench.warm-rules.rejected",
            Commands = "bench.warm-rules.commands", RuleRows = "bench.warm-rules.rule.rows", RuleHttp = "bench.warm-rules.rule.http", Rules = "bench.warm-rules.rules", ShadowRequests = "bench.warm-rules.shadow.requests",
        };
        var rulesSchemas = await RegistrySchemaCatalog.CreateAsync(registryClient,
            [rules.TelemetryEnriched, rules.TelemetryAgg1m, rules.EventsRaw, rules.Rejected, rules.Commands], CancellationToken.None);
        cluster.CreateTopics(["bench.warm-rules.rule.out", rules.Commands, rules.RuleRows, rules.RuleHttp, rules.Rules], options.Partitions);
        ProcessorRun.Run(cluster, cluster.BootstrapServers, rulesSchemas, rules, RuleVariants.Modules(10, "bench.warm-rules.rule.out"),
            ProcessingMode.AtLeastOnce, options.Partitions, options.Records, options.CommitInterval, options.PollInterval);
    }
}

var results = new List<(string Variant, double RecordsPerSecond)>();
foreach (var variant in options.Variants)
{
    var n = results.Count;
    var topics = new KafkaTopics
    {
        TelemetryRaw = raw, Devices = devices,
        TelemetryEnriched = $"bench.{n}.enriched", TelemetryAgg1m = $"bench.{n}.agg", EventsRaw = $"bench.{n}.events", Rejected = $"bench.{n}.rejected",
        Commands = $"bench.{n}.commands", RuleRows = $"bench.{n}.rule.rows", RuleHttp = $"bench.{n}.rule.http", Rules = $"bench.{n}.rules", ShadowRequests = $"bench.{n}.shadow.requests",
    };
    var schemas = await RegistrySchemaCatalog.CreateAsync(registryClient,
        [topics.TelemetryEnriched, topics.TelemetryAgg1m, topics.EventsRaw, topics.Rejected, topics.Commands], CancellationToken.None);
    TimeSpan elapsed;
    if (variant == "passthrough")
    {
        cluster.CreateTopic(topics.TelemetryEnriched, options.Partitions);
        elapsed = Passthrough.Run(cluster.BootstrapServers, raw, topics.TelemetryEnriched, options.Records);
    }
    else if (variant.StartsWith("rules-", StringComparison.Ordinal))
    {
        var actionTopic = $"bench.{n}.rule.out";
        cluster.CreateTopics([actionTopic, topics.Commands, topics.RuleRows, topics.RuleHttp, topics.Rules], options.Partitions);
        elapsed = ProcessorRun.Run(cluster, cluster.BootstrapServers, schemas, topics, RuleVariants.Modules(RuleVariants.RuleCount(variant), actionTopic),
            ProcessingMode.AtLeastOnce, options.Partitions, options.Records, options.CommitInterval, options.PollInterval);
    }
    else
    {
        var (moduleCount, guarantee) = variant switch
        {
            "source-only/at-least-once" => (0, ProcessingMode.AtLeastOnce),
            "source-only/exactly-once" => (0, ProcessingMode.ExactlyOnce),
            "+validate" => (1, ProcessingMode.ExactlyOnce),
            "+dedupe" => (2, ProcessingMode.ExactlyOnce),
            "+enrich" => (3, ProcessingMode.ExactlyOnce),
            "+window" => (4, ProcessingMode.ExactlyOnce),
            "+threshold-alert" => (5, ProcessingMode.ExactlyOnce),
            _ => (5, ProcessingMode.AtLeastOnce),
        };
        elapsed = ProcessorRun.Run(cluster, cluster.BootstrapServers, schemas, topics, ProcessorRun.Modules(moduleCount), guarantee,
            options.Partitions, options.Records, options.CommitInterval, options.PollInterval);
    }
    var rate = options.Records / elapsed.TotalSeconds;
    results.Add((variant, rate));
    Console.WriteLine($"{variant,-28} {rate,10:N0} records/s  ({elapsed.TotalSeconds:N2} s)");
}

var passthrough = results.FirstOrDefault(r => r.Variant == "passthrough").RecordsPerSecond;
if (passthrough > 0)
    foreach (var (variant, rate) in results.Where(r => r.Variant != "passthrough"))
        Console.WriteLine($"{variant,-28} {rate / passthrough,6:N2}x passthrough");
var noRules = results.FirstOrDefault(r => r.Variant == "rules-0").RecordsPerSecond;
if (noRules > 0)
    foreach (var (variant, rate) in results.Where(r => r.Variant.StartsWith("rules-", StringComparison.Ordinal)))
        Console.WriteLine($"{variant,-28} {rate / noRules,6:N2}x rules-0");
Console.WriteLine(JsonSerializer.Serialize(results.GroupBy(r => r.Variant).ToDictionary(g => g.Key, g => Math.Round(g.Last().RecordsPerSecond))));
Directory.Delete(registryDir, recursive: true);
