using Pipeline.EmbeddedStack;

namespace Pipeline.Cli;

public static class EndpointsPrinter
{
    public static void Print(StackEndpoints endpoints)
    {
        Console.WriteLine("Pipeline endpoints (also in .pipeline/endpoints.json):");
        void Line(string name, string? value) { if (value is not null) Console.WriteLine($"  {name,-16} {value}"); }
        Line("mqtt", endpoints.Mqtt);
        Line("mqtts", endpoints.Mqtts);
        Line("https", endpoints.Https);
        Line("mqtt-ws", endpoints.MqttWs);
        Line("kafka", endpoints.Kafka);
        Line("schema-registry", endpoints.SchemaRegistry);
        Line("clickhouse", endpoints.Clickhouse);
        Line("ca-cert", endpoints.CaCert);
        Line("console", endpoints.Console);
        foreach (var (service, url) in endpoints.Metrics)
            Line($"metrics {service}", url);
        Console.WriteLine("Ctrl-C stops it.");
    }
}
