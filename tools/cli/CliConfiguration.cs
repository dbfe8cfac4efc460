using Microsoft.Extensions.Configuration;
using Pipeline.DeviceRegistry;
using Pipeline.EmbeddedStack;
using Pipeline.EmbeddedStack.ClickHouse;
using Pipeline.EmbeddedStack.Credentials;
using Pipeline.ServiceDefaults;

namespace Pipeline.Cli;

/// <summary>
/// The CLI's configuration: appsettings.json next to the binary, then PIPELINE__ environment
/// variables. Tools that talk to a running pipeline find it through the endpoints file unless an
/// address is configured (production: PIPELINE__ClickHouse__Url and friends).
/// </summary>
public static class CliConfiguration
{
    public static IConfiguration Load() => new ConfigurationBuilder()
        .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
        .AddPipelineSources([])
        .Build();

    public static EmbeddedStackOptions EmbeddedStack(IConfiguration configuration)
    {
        var options = new EmbeddedStackOptions { StateDir = RepositoryPaths.StateDir };
        configuration.GetSection(EmbeddedStackOptions.SectionName).Bind(options);
        var library = Environment.GetEnvironmentVariable("PIPELINE_CHDB_LIBRARY");
        if (string.IsNullOrWhiteSpace(options.ChdbLibrary) && !string.IsNullOrWhiteSpace(library))
            options.ChdbLibrary = library;
        OptionsValidation.ThrowIfInvalid(options);
        return options;
    }

    /// <summary>Kafka and the Schema Registry as configured, else the running pipeline's; null when neither exists.</summary>
    public static KafkaOptions? Kafka(IConfiguration configuration)
    {
        var section = configuration.GetSection(KafkaOptions.SectionName);
        var options = new KafkaOptions();
        section.Bind(options);
        if (section["BootstrapServers"] is null)
        {
            var live = StackEndpoints.ReadLive(RepositoryPaths.EndpointsFile);
            if (live is null) return null;
            options.BootstrapServers = live.Kafka;
            options.SchemaRegistryUrl = live.SchemaRegistry;
            if (section["SchemaRegistryUsername"] is null && ReadCredentials().SchemaRegistry is { } writer)
            {
                options.SchemaRegistryUsername = writer.User;
                options.SchemaRegistryPassword = writer.Password;
            }
        }
        OptionsValidation.ThrowIfInvalid(options);
        if (Pipeline.ServiceDefaults.Kafka.KafkaOptionsValidator.Problems(options) is { Count: > 0 } problems)
            throw new CliException(string.Join(" ", problems));
        return options;
    }

    /// <summary>
    /// The token pepper that registry writers key new device tokens with: DeviceTokens:Pepper (or PepperFile) as configured,
    /// else the running pipeline's from its credentials file when Kafka is the running pipeline's too. Null when neither:
    /// new tokens then get the legacy PBKDF2 hash, which the bridge rewrites keyed at the device's first connect.
    /// </summary>
    public static TokenPepper? TokenPepper(IConfiguration configuration)
    {
        var options = new DeviceTokenOptions();
        configuration.GetSection(DeviceTokenOptions.SectionName).Bind(options);
        try
        {
            if (options.IsConfigured)
                return options.Load();
        }
        catch (InvalidOperationException e)
        {
            throw new CliException(e.Message);
        }
        if (configuration[$"{KafkaOptions.SectionName}:BootstrapServers"] is not null || StackEndpoints.ReadLive(RepositoryPaths.EndpointsFile) is null)
            return null;
        return ReadCredentials().TokenPepper is { Length: > 0 } secret ? DeviceRegistry.TokenPepper.FromSecret(secret) : null;
    }

    public const string NotRunning =
        "No pipeline is running (no live .pipeline/endpoints.json) and no address is configured. Start one with ./pipeline up.";

    /// <summary>
    /// ClickHouse as configured, else the running pipeline's with the user of <paramref name="role"/> from its
    /// credentials file (a configured ClickHouse:User/Password wins); null when neither exists.
    /// </summary>
    public static ClickHouseOptions? ClickHouse(IConfiguration configuration, ClickHouseRole role)
    {
        var section = configuration.GetSection(ClickHouseOptions.SectionName);
        var options = new ClickHouseOptions();
        section.Bind(options);
        if (section["Url"] is null)
        {
            var live = StackEndpoints.ReadLive(RepositoryPaths.EndpointsFile);
            if (live is null) return null;
            options.Url = live.Clickhouse;
            if (section["User"] is null)
            {
                var user = ReadCredentials().ClickHouse.For(role);
                options.User = user.User;
                options.Password = user.Password;
            }
        }
        OptionsValidation.ThrowIfInvalid(options);
        return options;
    }

    /// <summary>The running embedded stack's credentials file (written by up/devstack).</summary>
    public static StackCredentials ReadCredentials()
    {
        try
        {
            return StackCredentials.Read(RepositoryPaths.StateDir)
                ?? throw new CliException($"The pipeline is running but {StackCredentials.PathIn(RepositoryPaths.StateDir)} is missing; restart it with ./pipeline up, or set PIPELINE__ClickHouse__User and PIPELINE__ClickHouse__Password.");
        }
        catch (InvalidDataException e)
        {
            throw new CliException(e.Message);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new CliException($"Cannot read the pipeline's credentials ({e.Message}): run the command as the user who started ./pipeline up.");
        }
    }
}
