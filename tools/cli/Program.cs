using System.CommandLine;
using Pipeline.Cli.Commands;

var root = new RootCommand("IoT ingestion pipeline: MQTT bridge -> Kafka -> rules -> ClickHouse.")
{
    UpCommand.Create(),
    DevstackCommand.Create(),
    MigrateCommand.Create(),
    TopicsCommand.Create(),
    QueryCommand.Create(),
    DevicesCommand.Create(),
    ShadowCommand.Create(),
    RulesCommand.Create(),
    CommandsCommand.Create(),
    SimulateCommand.Create(),
    StatusCommand.Create(),
    TestCommand.Create(),
    BenchCommand.Create(),
};
// Long-running commands (up, devstack) handle SIGINT/SIGTERM themselves so they can drain first.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
