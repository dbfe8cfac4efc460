using System.CommandLine;
using Microsoft.Extensions.Logging;
using Pipeline.Contracts;
using Pipeline.EmbeddedStack;

namespace Pipeline.Cli.Commands;

/// <summary>`./pipeline devstack`: only the embedded Kafka, Schema Registry and ClickHouse, until Ctrl-C.</summary>
public static class DevstackCommand
{
    public static Command Create()
    {
        var fresh = new Option<bool>("--fresh") { Description = "Start from empty state (deletes .pipeline/ data, keeps the downloaded engine)." };
        var command = new Command("devstack", "Run only the embedded Kafka, Schema Registry and ClickHouse (no services) until Ctrl-C.") { fresh };
        command.SetAction((parse, ct) => CliRun.GuardAsync(async () =>
        {
            var configuration = CliConfiguration.Load();
            var options = CliConfiguration.EmbeddedStack(configuration);
            if (parse.GetValue(fresh)) StateDirectory.Clear(options.StateDir);
            using var loggers = CliLogging.Create();
            await using var stack = await EmbeddedStackHost.StartAsync(options, new KafkaTopics(), loggers, ct);
            stack.Endpoints.WriteTo(RepositoryPaths.EndpointsFile);
            EndpointsPrinter.Print(stack.Endpoints);
            await ShutdownSignal.WaitAsync(ct);
            StackEndpoints.Remove(RepositoryPaths.EndpointsFile);
            return 0;
        }));
        return command;
    }
}
