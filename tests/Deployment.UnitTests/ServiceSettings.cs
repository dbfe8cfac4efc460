using System.Reflection;

namespace Pipeline.Deployment.UnitTests;

/// <summary>
/// Every configuration key a service binds, found from its options classes (a public const
/// SectionName and settable properties, nested option objects walked), plus the shared ones.
/// </summary>
public static class ServiceSettings
{
    /// <summary>Root settings read directly from IConfiguration rather than through an options class.</summary>
    private static readonly Dictionary<string, string[]> RootSettings = new()
    {
        // services/rules-processor/Hosting/RulesStreamService.cs: configuration["StateDir"]
        ["rules-processor"] = ["StateDir"],
        // libs/DeviceRegistry/DeviceTokenOptions.cs, bound by the bridge (services/mqtt-bridge/Extensions.cs) and the
        // console, which adds devices (services/web-console/Program.cs)
        ["mqtt-bridge"] = ["DeviceTokens:Pepper", "DeviceTokens:PepperFile"],
        ["sink-writer"] = [],
        ["web-console"] = ["DeviceTokens:Pepper", "DeviceTokens:PepperFile"],
    };

    public static readonly Dictionary<string, Assembly> Services = new()
    {
        ["mqtt-bridge"] = typeof(Pipeline.MqttBridge.Options.BridgeOptions).Assembly,
        ["rules-processor"] = typeof(Pipeline.RulesProcessor.RulesOptions).Assembly,
        ["sink-writer"] = typeof(Pipeline.SinkWriter.SinkWriterOptions).Assembly,
        ["web-console"] = typeof(Pipeline.WebConsole.Options.ConsoleOptions).Assembly,
    };

    private static readonly Assembly[] Shared =
    [
        typeof(Pipeline.ServiceDefaults.KafkaOptions).Assembly,
        typeof(Pipeline.Contracts.KafkaTopics).Assembly,
    ];

    public static IReadOnlySet<string> KeysOf(string service)
    {
        var keys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var type in Shared.Append(Services[service]).SelectMany(a => a.GetTypes()))
            if (type.GetField("SectionName", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true } field)
                AddProperties(keys, (string)field.GetRawConstantValue()!, type, depth: 0);
        keys.UnionWith(RootSettings[service]);
        return keys;
    }

    public static IReadOnlyDictionary<string, IReadOnlySet<string>> All() =>
        Services.Keys.ToDictionary(s => s, KeysOf);

    private static void AddProperties(HashSet<string> keys, string prefix, Type type, int depth)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            // Binding sets public setters and fills mutable collections; computed read-only views are not settings.
            if (property.SetMethod is not { IsPublic: true } && !IsMutableCollection(property.PropertyType)) continue;
            var key = $"{prefix}:{property.Name}";
            keys.Add(key);
            var t = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (depth < 4 && t.IsClass && t != typeof(string) && !IsCollection(t) && t.Namespace?.StartsWith("Pipeline", StringComparison.Ordinal) == true)
                AddProperties(keys, key, t, depth + 1);
        }
    }

    private static bool IsMutableCollection(Type t) =>
        t.IsGenericType && t.GetGenericTypeDefinition() is var d && (d == typeof(List<>) || d == typeof(Dictionary<,>));

    private static bool IsCollection(Type t) => t != typeof(string) && typeof(System.Collections.IEnumerable).IsAssignableFrom(t);

    /// <summary>"PIPELINE__Kafka__BootstrapServers" -> "Kafka:BootstrapServers" (null when not a PIPELINE__ variable).</summary>
    public static string? KeyOfEnvironmentVariable(string name) =>
        name.StartsWith("PIPELINE__", StringComparison.Ordinal) ? name["PIPELINE__".Length..].Replace("__", ":") : null;

    /// <summary>A key is bound when it is a known key, or an element of a known list/map ("Rules:Modules:0").</summary>
    public static bool Binds(IReadOnlySet<string> keys, string key)
    {
        if (keys.Contains(key)) return true;
        var colon = key.LastIndexOf(':');
        return colon > 0 && keys.Contains(key[..colon]);
    }
}
