using Pipeline.ServiceDefaults;
using Pipeline.ServiceDefaults.Kafka;
using System.CommandLine;
using Pipeline.Cli.Supervision;
using Pipeline.Cli.Supervision.Balancer;
using Pipeline.ClickHouseSchema;
using Pipeline.Contracts;
using Pipeline.EmbeddedStack;

namespace Pipeline.Cli.Commands;

/// <summary>
/// `./pipeline up`: the embedded stack in this process, the three services as separate processes (as many
/// instances of each as asked, the bridges behind HAProxy when more than one) and the web console; prints the
/// endpoints, runs until Ctrl-C or SIGTERM, then stops the console and the services front to back (bridges,
/// processors, sinks) so each drains what the previous one handed it.
/// </summary>
public static class UpCommand
{
    public static Command Create()
    {
        var fresh = new Option<bool>("--fresh") { Description = "Start from empty state (deletes the registry, schemas, ClickHouse data and CA; keeps the downloaded engine)." };
        var bridges = new Option<int>("--bridges") { Description = "MQTT bridge instances; more than one run behind an HAProxy load balancer on the public ports.", DefaultValueFactory = _ => 1 };
        var processors = new Option<int>("--processors") { Description = "Rules processor instances (they share the partitions).", DefaultValueFactory = _ => 1 };
        var sinks = new Option<int>("--sinks") { Description = "Sink writer instances (they share the partitions).", DefaultValueFactory = _ => 1 };
        var command = new Command("up", "Run the whole pipeline on this machine until Ctrl-C.") { fresh, bridges, processors, sinks };
        command.SetAction((parse, ct) => CliRun.GuardAsync(async () =>
        {
            var counts = new InstanceCounts(parse.GetValue(bridges), parse.GetValue(processors), parse.GetValue(sinks));
            counts.ThrowIfInvalid();
            var configuration = CliConfiguration.Load();
            var options = CliConfiguration.EmbeddedStack(configuration);
            var log = new ConsoleLog();
            // Before anything starts: a missing balancer that cannot be installed ends here, with what to do.
            var haproxy = counts.NeedsBalancer ? await HaproxyInstaller.EnsureAsync(log, ct) : null;
            // A partition is the unit instances share: with fewer partitions than instances, the extra ones would idle.
            var partitions = Math.Max(counts.Processors, counts.Sinks);
            if (partitions > options.Partitions)
            {
                log.Line("up", $"{partitions} partitions per topic (instead of {options.Partitions}), one for each of the {partitions} processor or sink instances");
                options.Partitions = partitions;
            }
            if (parse.GetValue(fresh)) StateDirectory.Clear(options.StateDir);
            StackEndpoints.Remove(RepositoryPaths.EndpointsFile);

            options.ExtraTopics.AddRange(await ServiceTopics.ListAsync(PipelineServices.RulesProcessorBinary, ct));
            using var loggers = CliLogging.Create();
            await using var stack = await EmbeddedStackHost.StartAsync(options, new KafkaTopics(), loggers, ct);
            await MigrateAsync(configuration, stack, log, ct);
            var pipeline = new PipelineServices(configuration, stack.Endpoints, stack.Credentials, options.StateDir, stack.Kafka.Incarnation, counts);
            ServiceSpec? balancer = null;
            if (haproxy is not null)
            {
                var config = HaproxyConfig.WriteTo(options.StateDir, pipeline.BalancerConfiguration());
                await HaproxyInstaller.CheckConfigurationAsync(haproxy, config, ct);
                balancer = pipeline.BalancerSpec(haproxy, config);
                log.Line("up", $"{counts.Bridges} bridges behind HAProxy ({config})");
            }
            await using var processes = new PipelineProcesses(pipeline, balancer, options.StateDir, log);
            CliException? failure = null;
            try
            {
                await processes.StartAsync(TimeSpan.FromSeconds(90), ct);
                var endpoints = pipeline.Endpoints();
                endpoints.WriteTo(RepositoryPaths.EndpointsFile);
                EndpointsPrinter.Print(endpoints);
                var gaveUp = processes.GaveUp;
                await Task.WhenAny(ShutdownSignal.WaitAsync(ct), gaveUp);
                if (gaveUp.IsCompleted)
                    failure = new CliException("A service refused its configuration (see its log lines above); stopping.", ServiceRun.ConfigurationErrorExitCode);
                log.Line("up", "stopping: bridges first, then processors, then sinks, each after it drained");
            }
            finally
            {
                StackEndpoints.Remove(RepositoryPaths.EndpointsFile);
                await processes.StopInOrderAsync(pipeline, new PipelineDrain(new KafkaClientFactory(new KafkaOptions { BootstrapServers = stack.Kafka.BootstrapServers }, "pipeline-up"), log));
            }
            log.Line("up", "stopped");
            return failure is null ? 0 : throw failure;
        }));
        return command;
    }

    /// <summary>The schema, applied as the migrator before the sink (which may only insert and select) starts.</summary>
    private static async Task MigrateAsync(Microsoft.Extensions.Configuration.IConfiguration configuration, EmbeddedStackHost stack, ConsoleLog log, CancellationToken ct)
    {
        var migrator = stack.Credentials.ClickHouse.Migrator;
        var clickHouse = new Pipeline.ServiceDefaults.ClickHouseOptions
        {
            Url = stack.ClickHouse.Url,
            Database = configuration["ClickHouse:Database"] ?? "iot",
            User = migrator.User,
            Password = migrator.Password,
        };
        OptionsValidation.ThrowIfInvalid(clickHouse);
        using var schema = new ClickHouseMigrator(clickHouse.ConnectionString, clickHouse.Database);
        try
        {
            log.Line("up", (await schema.MigrateAsync(ct)).ToString());
        }
        catch (SchemaTooNewException e)
        {
            throw new CliException(e.Message, 78);
        }
    }
}
