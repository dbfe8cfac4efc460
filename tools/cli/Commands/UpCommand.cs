using System.CommandLine;
using Pipeline.Cli.Supervision;
using Pipeline.Contracts;
using Pipeline.EmbeddedStack;

namespace Pipeline.Cli.Commands;

/// <summary>
/// `./pipeline up`: the embedded stack in this process and the three services as separate
/// processes; prints the endpoints, runs until Ctrl-C or SIGTERM, then stops the services
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
            var services = PipelineServices.Specs(stack.Endpoints, options.StateDir).Select(s => new ServiceProcess(s, log)).ToList();
            try
            {
                foreach (var service in services)
                {
                    service.Start();
                    await service.WaitHealthyAsync(TimeSpan.FromSeconds(90), ct);
                    log.Line("up", $"{service.Spec.Name} is healthy");
                }
                var endpoints = PipelineServices.Endpoints(stack.Endpoints, options.StateDir);
                endpoints.WriteTo(RepositoryPaths.EndpointsFile);
                EndpointsPrinter.Print(endpoints);
                await ShutdownSignal.WaitAsync(ct);
                log.Line("up", "stopping: bridge first, then processor, then sink, each after it drained");
            }
            finally
            {
                File.Delete(RepositoryPaths.EndpointsFile);
                foreach (var service in services)
                    await service.StopAsync(TimeSpan.FromSeconds(30));
            }
            log.Line("up", "stopped");
            return 0;
        }));
        return command;
    }
}
