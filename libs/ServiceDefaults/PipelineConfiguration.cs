using Microsoft.Extensions.Configuration;

namespace Pipeline.ServiceDefaults;

/// <summary>
/// The configuration sources every process reads, lowest precedence first:
/// appsettings.json, appsettings.{Environment}.json, environment variables
/// prefixed PIPELINE__ (PIPELINE__Kafka__BootstrapServers = Kafka:BootstrapServers),
/// then the command line (--Kafka:BootstrapServers=...).
/// </summary>
public static class PipelineConfiguration
{
    public const string EnvironmentPrefix = "PIPELINE__";

    public static IConfigurationBuilder AddPipelineSources(this IConfigurationBuilder configuration, string[] args) =>
        configuration
            .AddEnvironmentVariables(EnvironmentPrefix)
            .AddCommandLine(args);
}
