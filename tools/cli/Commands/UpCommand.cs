using Pipeline.ServiceDefaults;
using Pipeline.ServiceDefaults.Kafka;
using System.CommandLine;
using Pipeline.Cli.Supervision;
using Pipeline.ClickHouseSchema;
using Pipeline.Contracts;
using Pipeline.EmbeddedStack;

namespace Pipeline.Cli.Commands;

/// <summary>
/// `./pipeline up`: the embedded stack in this process and the three services and the web console as
/// separate processes; prints the endpoints, runs until Ctrl-C or SIGTERM, then stops the console and the services
/// front to back (bridge, processor, sink) so each drains what the previous one handed it.
/// </summary>
public static class UpCommand
{
    public static Command Create()
    {
        var fresh = new Option<bool>("--fresh") { Description = "Start from empty state (deletes the registry, schemas, ClickHouse data and CA; keeps the downloaded engine)." };
        var command = new Command("up", "Run the whole pipeline on this machine until Ctrl-C.") { fresh };
        command.SetAction((parse, ct) => CliRun.GuardAsync(async () =>
        {
            var configuration = CliConfiguration.Load();
            var options = CliConfiguration.EmbeddedStack(configuration);
            if (parse.GetValue(fresh)) StateDirectory.Clear(options.StateDir);
            File.Delete(RepositoryPaths.EndpointsFile);

            options.ExtraTopics.AddRange(await ServiceTopics.ListAsync(PipelineServices.RulesProcessorBinary, ct));
            using var loggers = CliLogging.Create();
            await using var stack = await EmbeddedStackHost.StartAsync(options, new KafkaTopics(), loggers, ct);
            var log = new ConsoleLog();
            await MigrateAsync(configuration, stack, log, ct);
            var pipeline = new PipelineServices(configuration, stack.Endpoints, stack.Credentials, options.StateDir, stack.Kafka.Incarnation);
            var services = pipeline.Specs().Select(s => new ServiceProcess(s, log)).ToList();
            CliException? failure = null;
            try
            {
                foreach (var service in services)
                {
                    service.Start();
                    await service.WaitHealthyAsync(TimeSpan.FromSeconds(90), ct);
                    log.Line("up", $"{service.Spec.Name} is healthy");
                }
                var endpoints = pipeline.Endpoints();
                endpoints.WriteTo(RepositoryPaths.EndpointsFile);
                EndpointsPrinter.Print(endpoints);
                var gaveUp = Task.WhenAny(services.Select(s => s.GaveUp));
                await Task.WhenAny(ShutdownSignal.WaitAsync(ct), gaveUp);
                if (gaveUp.IsCompleted)
                    failure = new CliException("A service refused its configuration (see its log lines above); stopping.", ServiceRun.ConfigurationErrorExitCode);
                log.Line("up", "stopping: bridge first, then processor, then sink, each after it drained");
            }
            finally
            {
                File.Delete(RepositoryPaths.EndpointsFile);
                await StopInOrderAsync(services, pipeline, new PipelineDrain(new KafkaClientFactory(new KafkaOptions { BootstrapServers = stack.Kafka.BootstrapServers }, "pipeline-up"), log));
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

    /// <summary>
    /// Bridge first (no new data; it flushes what devices sent), then each stage once the previous
    /// one's output is consumed, so nothing is left in the in-memory Kafka when it stops.
    /// </summary>
    private static async Task StopInOrderAsync(List<ServiceProcess> services, PipelineServices pipeline, PipelineDrain drain)
    {
        var drainTimeout = TimeSpan.FromSeconds(30);
        var stopGrace = TimeSpan.FromSeconds(30);
        var bridge = services.Single(s => s.Spec.Name == "mqtt-bridge");
        var rules = services.Single(s => s.Spec.Name == "rules-processor");
        var sink = services.Single(s => s.Spec.Name == "sink-writer");
        // The web console holds no pipeline data: it goes first, so nobody changes anything during the drain.
        foreach (var other in services.Except([bridge, rules, sink]))
            await other.StopAsync(stopGrace);
        await bridge.StopAsync(stopGrace);
        await drain.WaitForGroupsAsync(pipeline.RulesGroups, "rules-processor", drainTimeout);
        await rules.StopAsync(stopGrace);
        await drain.WaitForGroupsAsync(pipeline.SinkGroups, "sink-writer", drainTimeout);
        await sink.StopAsync(stopGrace);
    }
}
