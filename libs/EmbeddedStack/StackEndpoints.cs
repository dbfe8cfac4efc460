using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipeline.EmbeddedStack;

/// <summary>
/// The endpoints file of contract.md (.pipeline/endpoints.json): how the CLI and users find a
/// running pipeline. Written fresh at every start, removed at a clean stop.
/// </summary>
public sealed record StackEndpoints
{
    public string? Mqtt { get; init; }
    public string? Mqtts { get; init; }
    public string? MqttWs { get; init; }
    /// <summary>The bridge's HTTPS endpoint: device HTTP publish (POST /topics/...) and the operator APIs.</summary>
    public string? Https { get; init; }
    public required string Kafka { get; init; }
    public required string SchemaRegistry { get; init; }
    public required string Clickhouse { get; init; }
    public string? CaCert { get; init; }
    /// <summary>The web console (services/web-console), signed in with the operator token.</summary>
    public string? Console { get; init; }
    public Dictionary<string, string> Metrics { get; init; } = [];
    /// <summary>Process id of the process that hosts the stack, so a stale file can be told from a live one.</summary>
    public int Pid { get; init; } = Environment.ProcessId;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public void WriteTo(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(this, Json));
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Deletes the file of a stopped (or not yet started) pipeline; nothing to do when it or its folder is missing.</summary>
    public static void Remove(string path)
    {
        if (File.Exists(path))
            File.Delete(path);
    }

    /// <summary>The endpoints of a running pipeline, or null when the file is missing or its process is gone.</summary>
    public static StackEndpoints? ReadLive(string path)
    {
        if (!File.Exists(path)) return null;
        var endpoints = JsonSerializer.Deserialize<StackEndpoints>(File.ReadAllText(path), Json);
        if (endpoints is null) return null;
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(endpoints.Pid);
            return process.HasExited ? null : endpoints;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
