using System.Text.Json;
using Microsoft.Extensions.Options;
using Pipeline.RulesProcessor.Topology;
using Pipeline.ServiceDefaults;

namespace Pipeline.RulesProcessor.Hosting;

/// <summary>
/// <c>--list-topics</c>: prints the JSON array of every topic the enabled modules read, write and need
/// internally (changelogs), for whoever creates topics up front (the embedded Kafka cannot create them on demand).
/// </summary>
public static class ListTopicsCommand
{
    public const string Flag = "--list-topics";

    /// <summary>Runs the command when <paramref name="args"/> holds the flag and returns its exit code; null otherwise.</summary>
    public static int? TryRun(string[] args)
    {
        if (!args.Contains(Flag))
            return null;
        var configuration = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddPipelineSources(args.Where(a => a != Flag).ToArray())
            .Build();
        try
        {
            Console.WriteLine(JsonSerializer.Serialize(Topics(configuration)));
            return 0;
        }
        catch (OptionsValidationException e)
        {
            Console.Error.WriteLine($"Invalid configuration: {string.Join(" ", e.Failures)}");
            return 2;
        }
    }

    /// <summary>The same list for a configuration (throws OptionsValidationException naming a bad setting).</summary>
    public static IReadOnlyList<string> Topics(IConfiguration configuration) => Topology(configuration).AllTopics;

    /// <summary>The topology plan (modules, topics) a configuration describes, without connecting anywhere.</summary>
    public static RulesTopology Topology(IConfiguration configuration)
    {
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        services.AddRulesTopology();
        using var provider = services.BuildServiceProvider();
        // The same checks as at host start: a bad setting of any module is refused here too.
        provider.GetService<IStartupValidator>()?.Validate();
        return provider.GetRequiredService<RulesTopology>();
    }
}
