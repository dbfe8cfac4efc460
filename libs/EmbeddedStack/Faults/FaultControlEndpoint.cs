using System.Net;
using Confluent.Kafka;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.EmbeddedStack.ClickHouse;
using Pipeline.EmbeddedStack.Kafka;

namespace Pipeline.EmbeddedStack.Faults;

/// <summary>
/// Outages on demand for the embedded stack, over HTTP on 127.0.0.1, so a fault drill (the end-to-end
/// fault suite, or a user checking the promise for themselves) can take Kafka or ClickHouse away from
/// services that run as separate processes, the way they would lose a real server:
/// <code>
/// POST /kafka/down                 every broker refuses connections (rd_kafka_mock_broker_set_down)
/// POST /kafka/up                   brokers serve again
/// POST /kafka/errors/produce?error=RequestTimedOut&amp;count=20   the next 20 Produce requests fail
/// POST /kafka/errors/fetch?error=NotLeaderForPartition&amp;count=20
/// POST /clickhouse/down            the ClickHouse HTTP endpoint stops listening
/// POST /clickhouse/up              it listens again on the same port
/// </code>
/// Off unless EmbeddedStack:FaultControlUrl is set.
/// </summary>
public sealed class FaultControlEndpoint : IAsyncDisposable
{
    private static readonly Dictionary<string, short> ApiKeys = new(StringComparer.OrdinalIgnoreCase) { ["produce"] = 0, ["fetch"] = 1 };

    private readonly WebApplication _app;

    private FaultControlEndpoint(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public string Url { get; }

    public static async Task<FaultControlEndpoint> StartAsync(string url, MockKafkaCluster kafka, ClickHouseHttpEndpoint clickHouse, CancellationToken ct)
    {
        var address = new Uri(url, UriKind.Absolute);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, address.Port));
        builder.Services.AddRoutingCore();
        var app = builder.Build();
        app.UseRouting();
        app.MapPost("/kafka/down", () => Done(kafka.SetAllBrokersDown, "Kafka brokers down"));
        app.MapPost("/kafka/up", () => Done(kafka.SetAllBrokersUp, "Kafka brokers up"));
        app.MapPost("/kafka/errors/{api}", (string api, string? error, int? count) => PushErrors(kafka, api, error, count));
        app.MapPost("/clickhouse/down", async () => { await clickHouse.StopAsync(); return Results.Text("ClickHouse endpoint down\n"); });
        app.MapPost("/clickhouse/up", async () => { await clickHouse.StartAsync(); return Results.Text("ClickHouse endpoint up\n"); });
        await app.StartAsync(ct);
        var bound = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return new FaultControlEndpoint(app, $"http://127.0.0.1:{bound.Port}");
    }

    private static IResult Done(Action action, string what)
    {
        action();
        return Results.Text(what + "\n");
    }

    private static IResult PushErrors(MockKafkaCluster kafka, string api, string? error, int? count)
    {
        if (!ApiKeys.TryGetValue(api, out var apiKey))
            return Results.BadRequest($"Unknown Kafka API '{api}'; known: {string.Join(", ", ApiKeys.Keys)}.\n");
        if (!Enum.TryParse<ErrorCode>(error ?? "RequestTimedOut", ignoreCase: true, out var code) || code == ErrorCode.NoError)
            return Results.BadRequest($"Unknown Kafka error '{error}'; use a Confluent.Kafka ErrorCode name such as RequestTimedOut.\n");
        if (count is not (>= 1 and <= 10_000))
            return Results.BadRequest("count must be between 1 and 10000.\n");
        kafka.PushRequestErrors(apiKey, Enumerable.Repeat(code, count.Value).ToArray());
        return Results.Text($"the next {count} {api} requests fail with {code}\n");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
