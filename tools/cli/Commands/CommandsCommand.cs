using System.CommandLine;
using System.Text;
using System.Text.Json;
using ClickHouse.Driver;
using Confluent.SchemaRegistry;
using Microsoft.Extensions.Configuration;
using Pipeline.Cli.DeviceCommands;
using Pipeline.Contracts;
using Pipeline.Contracts.Commands;
using Pipeline.EmbeddedStack.ClickHouse;
using Pipeline.ServiceDefaults.Kafka;

namespace Pipeline.Cli.Commands;

/// <summary>`./pipeline commands send|show`: commands from applications to devices (devices/&lt;id&gt;/commands).</summary>
public static class CommandsCommand
{
    public static Command Create() => new("commands", "Send commands to devices and see what became of them.")
    {
        Send(),
        Show(),
    };

    private static Command Send()
    {
        var id = new Argument<string>("device") { Description = "The device to send the command to." };
        var payload = new Option<string>("--payload") { Description = "The command, a JSON document, e.g. '{\"reboot\":true}'. With --retain, '' clears the retained message.", Required = true };
        var qos = new Option<int>("--qos") { Description = "MQTT QoS of the delivery: 0 or 1.", DefaultValueFactory = _ => 1 };
        var expires = new Option<string?>("--expires") { Description = "Not delivered after this long, e.g. 30s, 10m, 2h (default: the bridge's Commands:DefaultExpiry, 10m)." };
        var retain = new Option<bool>("--retain") { Description = "Also make it the retained message of devices/<id>/commands, handed to the device whenever it subscribes." };
        var json = new Option<bool>("--json") { Description = "Print {\"commandId\":\"..\"}." };
        var command = new Command("send", "Send a command to a device; prints its id once Kafka has it.") { id, payload, qos, expires, retain, json };
        command.SetAction((parse, ct) => CliRun.GuardAsync(async () =>
        {
            TimeSpan? expiry = null;
            if (parse.GetValue(expires) is { } text && (expiry = CommandRequest.ParseDuration(text)) is null)
                throw new CliException($"--expires '{text}' is not a duration such as 30s, 10m, 2h or 1d.");
            var (request, error) = CommandRequest.Create(parse.GetValue(id)!, Encoding.UTF8.GetBytes(parse.GetValue(payload)!),
                parse.GetValue(qos), expiry, parse.GetValue(retain));
            if (request is null)
                throw new CliException(error!);
            var configuration = CliConfiguration.Load();
            var kafka = CliConfiguration.Kafka(configuration) ?? throw new CliException(CliConfiguration.NotRunning);
            var topics = configuration.GetSection(KafkaTopics.SectionName).Get<KafkaTopics>() ?? new KafkaTopics();
            using var schemaRegistry = SchemaRegistryClients.Create(kafka);
            var commandId = await new CommandSender(CliKafka.Factory(kafka, "pipeline-commands"), schemaRegistry, topics).SendAsync(request, ct);
            if (parse.GetValue(json))
                Console.WriteLine(commandId is null
                    ? JsonSerializer.Serialize(new { topic = request.Topic, retained = "cleared" })
                    : JsonSerializer.Serialize(new { commandId }));
            else
                Console.WriteLine(commandId is null ? $"Retained message of {request.Topic} cleared." : $"Command {commandId} sent to {request.DeviceId}.");
            return 0;
        }));
        return command;
    }

    private static Command Show()
    {
        var id = new Argument<string>("commandId") { Description = "The id `commands send` printed." };
        var json = new Option<bool>("--json") { Description = "Print {\"commandId\",\"deviceId\",\"outcomes\":[{\"outcome\",\"detail\",\"instance\",\"at\"}]}." };
        var command = new Command("show", "Show what became of a command: sent, delivered, offline, expired, unknown_device.") { id, json };
        command.SetAction((parse, ct) => CliRun.GuardAsync(async () =>
        {
            var commandId = parse.GetValue(id)!;
            var options = CliConfiguration.ClickHouse(CliConfiguration.Load(), ClickHouseRole.Analyst) ?? throw new CliException(CliConfiguration.NotRunning);
            IReadOnlyList<CommandOutcomeRow> rows;
            try
            {
                rows = await CommandOutcomesQuery.ReadAsync(options.ConnectionString, commandId, ct);
            }
            catch (ClickHouseServerException e)
            {
                throw new CliException(e.Message);
            }
            catch (HttpRequestException e)
            {
                throw new CliException($"ClickHouse at {options.Url} is not reachable: {e.Message}");
            }
            if (rows.Count == 0)
                throw new CliException($"No outcome recorded for command '{commandId}' (yet: outcomes reach ClickHouse within seconds of the bridge handling the command).");
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    commandId,
                    deviceId = rows[0].DeviceId,
                    outcomes = rows.Select(r => new { outcome = r.Outcome, detail = r.Detail.Length == 0 ? null : r.Detail, instance = r.Instance, at = r.At.ToString("O") }),
                }));
                return 0;
            }
            Console.WriteLine($"Command {commandId} to {rows[0].DeviceId}:");
            foreach (var r in rows)
                Console.WriteLine($"  {r.At:yyyy-MM-dd HH:mm:ss.fff}  {r.Outcome,-14} {r.Instance}{(r.Detail.Length > 0 ? "  " + r.Detail : "")}");
            return 0;
        }));
        return command;
    }
}
