using Pipeline.ServiceDefaults;
using Pipeline.ServiceDefaults.Kafka;
using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Confluent.SchemaRegistry;
using Microsoft.Extensions.Configuration;
using Pipeline.Cli.Shadows;
using Pipeline.Contracts;

namespace Pipeline.Cli.Commands;

/// <summary>`./pipeline shadow get|update`: read and set device shadows through the shadow writer (docs/shadows.md).</summary>
public static class ShadowCommand
{
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(15);

    public static Command Create() => new("shadow", "Read and set device shadows (AWS IoT Core semantics).")
    {
        Get(),
        Update(),
    };

    private static Command Get()
    {
        var id = new Argument<string>("id") { Description = "The device." };
        var name = NameOption();
        var command = new Command("get", "Print the shadow document (state with desired, reported and delta; metadata; version).") { id, name };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(id)!, parse.GetValue(name) ?? "", ShadowRequest.Types.Operation.Get, "{}", ct));
        return command;
    }

    private static Command Update()
    {
        var id = new Argument<string>("id") { Description = "The device." };
        var name = NameOption();
        var desired = new Option<string>("--desired") { Description = "The desired state to merge, a JSON object, e.g. '{\"color\":\"red\"}'; null deletes a field.", Required = true };
        var version = new Option<long?>("--version") { Description = "Apply only if the shadow is at this version (else 409 Version conflict)." };
        var command = new Command("update", "Set desired state; the device gets the delta on .../shadow/update/delta.") { id, name, desired, version };
        command.SetAction((parse, ct) =>
        {
            JsonNode? state;
            try
            {
                state = JsonNode.Parse(parse.GetValue(desired)!);
            }
            catch (JsonException e)
            {
                return CliRun.GuardAsync(() => throw new CliException($"--desired is not valid JSON: {e.Message}"));
            }
            if (state is not JsonObject)
                return CliRun.GuardAsync(() => throw new CliException("--desired must be a JSON object, e.g. '{\"color\":\"red\"}'."));
            var request = new JsonObject { ["state"] = new JsonObject { ["desired"] = state } };
            if (parse.GetValue(version) is { } v)
                request["version"] = v;
            return RunAsync(parse.GetValue(id)!, parse.GetValue(name) ?? "", ShadowRequest.Types.Operation.Update, request.ToJsonString(), ct);
        });
        return command;
    }

    private static Option<string?> NameOption() =>
        new("--name") { Description = "A named shadow; the classic (unnamed) shadow when left out." };

    private static Task<int> RunAsync(string deviceId, string shadowName, ShadowRequest.Types.Operation operation, string payload, CancellationToken ct) =>
        CliRun.GuardAsync(async () =>
        {
            var configuration = CliConfiguration.Load();
            var kafka = CliConfiguration.Kafka(configuration) ?? throw new CliException(CliConfiguration.NotRunning);
            var topics = configuration.GetSection(KafkaTopics.SectionName).Get<KafkaTopics>() ?? new KafkaTopics();
            using var schemaRegistry = SchemaRegistryClients.Create(kafka);
            var client = new ShadowClient(CliKafka.Factory(kafka, "pipeline-shadow"), schemaRegistry, topics);
            var answer = await client.SendAsync(deviceId, shadowName, operation, payload, AnswerTimeout, ct)
                ?? throw new CliException($"No answer from the shadow writer within {AnswerTimeout.TotalSeconds:0} s: is the rules-processor running with the 'shadow' module (Rules:Modules)?");
            var body = JsonNode.Parse(answer.Payload.ToStringUtf8());
            // Relaxed escaping: a person reads this, and AWS IoT's messages quote names ('x'), which the default shows as \u0027.
            var text = body?.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping })
                ?? answer.Payload.ToStringUtf8();
            if (answer.Topic.EndsWith("/rejected", StringComparison.Ordinal))
            {
                Console.Error.WriteLine(text);
                return 1;
            }
            Console.WriteLine(text);
            return 0;
        });
}
