using System.CommandLine;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Pipeline.Cli.Supervision;
using Pipeline.Contracts;
using Pipeline.ServiceDefaults.Kafka;
using Pipeline.ServiceDefaults.Kafka.Topics;

namespace Pipeline.Cli.Commands;

/// <summary>
/// `./pipeline topics provision`: creates the product's Kafka topics on a real cluster as the ClickHouse migrations
/// create the tables (docs/operations.md, "Kafka topics"), and reports existing topics whose cleanup.policy or
/// min.insync.replicas differ from the plan; --fix-config changes them. Exit 0 when every topic is as planned, 1 otherwise.
/// </summary>
public static class TopicsCommand
{
    public static Command Create()
    {
        var partitions = new Option<int>("--partitions") { Description = "Partitions of a created topic (at most this many consumers per group).", DefaultValueFactory = _ => 6 };
        var replication = new Option<short>("--replication-factor") { Description = "Replicas of each partition.", DefaultValueFactory = _ => 3 };
        var minInsync = new Option<int>("--min-insync-replicas") { Description = "Replicas that must hold a record before acks=all succeeds.", DefaultValueFactory = _ => 2 };
        var fixConfig = new Option<bool>("--fix-config") { Description = "Change existing topics whose cleanup.policy or min.insync.replicas differ from the plan (otherwise only reported)." };
        var processor = new Option<string?>("--processor")
        {
            Description = "Pipeline.RulesProcessor.dll whose --list-topics names its changelog topics (default: this checkout's build; none: skip them).",
        };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the plan (each topic, its partitions and settings) without connecting to Kafka." };
        var provision = new Command("provision", "Create missing Kafka topics (Kafka:* settings from PIPELINE__ variables) and report topics with the wrong settings.")
        {
            partitions, replication, minInsync, fixConfig, processor, dryRun,
        };
        provision.SetAction((parse, ct) => CliRun.GuardAsync(async () =>
        {
            var layout = new TopicLayout(parse.GetValue(partitions), parse.GetValue(replication), parse.GetValue(minInsync));
            if (layout.Problems() is { Count: > 0 } problems)
                throw new CliException(string.Join(" ", problems), 2);
            var configuration = CliConfiguration.Load();
            var topics = new KafkaTopics();
            configuration.GetSection(KafkaTopics.SectionName).Bind(topics);
            var internalTopics = await ProcessorChangelogsAsync(parse.GetValue(processor), topics, ct);
            var plan = TopicPlan.Create(topics, internalTopics, layout);
            if (parse.GetValue(dryRun))
            {
                foreach (var spec in plan)
                    Console.WriteLine($"{spec.Name} partitions={spec.Partitions} replication={spec.ReplicationFactor} "
                        + string.Join(" ", spec.Configs.Select(c => $"{c.Key}={c.Value}")));
                return 0;
            }
            var kafka = CliConfiguration.Kafka(configuration) ?? throw new CliException(
                "No Kafka to provision: set PIPELINE__Kafka__BootstrapServers (and the Kafka security settings, docs/operations.md).");
            Console.WriteLine($"Provisioning {plan.Count} topics on {kafka} ({layout.Partitions} partitions, replication {layout.ReplicationFactor}, "
                + $"min.insync.replicas {layout.MinInsyncReplicas}):");
            try
            {
                var report = await TopicProvisioner.ProvisionAsync(
                    CliKafka.Factory(kafka, "pipeline-topics"), plan, parse.GetValue(fixConfig), Console.WriteLine, TimeSpan.FromSeconds(30));
                Console.WriteLine($"{report.Created.Count} created, {report.AlreadyRight.Count} already right, {report.Fixed.Count} setting(s) fixed, "
                    + $"{report.Mismatches.Count} setting(s) wrong, {report.Unchecked.Count} not checked, {report.Failures.Count} failed.");
                return report.Complete ? 0 : 1;
            }
            catch (KafkaTopicsException e)
            {
                throw new CliException(e.Message);
            }
            catch (KafkaException e)
            {
                throw new CliException($"Kafka ({kafka}) did not answer: {e.Error.Reason}. Check Kafka:BootstrapServers and the security settings.");
            }
        }));
        return new Command("topics", "Kafka topics of a production cluster.") { provision };
    }

    /// <summary>The processor's internal (changelog) topics for its configuration; the other topics it names are in the plan anyway.</summary>
    private static async Task<IReadOnlyList<string>> ProcessorChangelogsAsync(string? assembly, KafkaTopics topics, CancellationToken ct)
    {
        if (assembly == "none")
            return [];
        string path;
        try
        {
            path = assembly ?? PipelineServices.RulesProcessorBinary;
        }
        catch (CliException e)
        {
            Console.WriteLine($"note: the processor's changelog topics are left out ({e.Message}); Streamiz creates them at its start if the processor may.");
            return [];
        }
        if (!File.Exists(path))
            throw new CliException($"--processor {path}: no such file.");
        return (await ServiceTopics.ListAsync(path, ct)).Where(t => !topics.All.Contains(t, StringComparer.Ordinal)).ToList();
    }
}
