using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.Cli.Rules;

namespace Pipeline.Cli.Commands;

/// <summary>
/// `./pipeline rules test <name> --topic T --payload '<json>'` and `rules test --sql "<stmt>" --topic T --payload '<json>'`:
/// what a rule would produce for one message and where its actions would send it, with no side effects (the AWS console's test).
/// </summary>
public static class RulesTestCommand
{
    public static Command Create()
    {
        var name = new Argument<string?>("name") { Description = "A stored rule (or give --sql).", Arity = ArgumentArity.ZeroOrOne };
        var sql = new Option<string?>("--sql") { Description = "A statement to try instead of a stored rule." };
        var topic = new Option<string>("--topic") { Description = "The MQTT topic the message was published on, e.g. devices/d1/telemetry.", Required = true };
        var payload = new Option<string>("--payload") { Description = "The message as the device publishes it, a JSON object.", Required = true };
        var clientId = new Option<string?>("--client-id") { Description = "What clientid() returns; default: the device in the topic (devices/<id>/...)." };
        var actions = RulesCommand.ActionOption();
        actions.Description = "With --sql: actions whose targets to render (repeatable).";
        var qos = RulesCommand.QosOption();
        var json = new Option<bool>("--json") { Description = "Print the API's answer as JSON: {matched, result, actions:[{type, target}]}." };
        var command = new Command("test", "Run a rule (or a statement) on one message and print the result and the action targets; nothing is sent.")
            { name, sql, topic, payload, clientId, actions, qos, json };
        command.SetAction((parse, ct) => RulesCommand.RunAsync(async api =>
        {
            var (ruleName, statement) = (parse.GetValue(name), parse.GetValue(sql));
            if ((ruleName is null) == (statement is null))
                throw new CliException("Give a rule's name or --sql \"<statement>\" (one of them).");
            JsonNode? message;
            try
            {
                message = JsonNode.Parse(parse.GetValue(payload)!);
            }
            catch (JsonException e)
            {
                throw new CliException($"--payload is not valid JSON: {e.Message}");
            }
            if (message is not JsonObject)
                throw new CliException("--payload must be a JSON object, e.g. '{\"temperature\": 31}'.");
            var body = new JsonObject { ["topic"] = parse.GetValue(topic), ["payload"] = message };
            if (ruleName is not null) body["name"] = ruleName;
            if (statement is not null) body["sql"] = statement;
            if (parse.GetValue(clientId) is { } id) body["clientId"] = id;
            if (parse.GetValue(actions) is { Length: > 0 } given)
            {
                if (statement is null)
                    throw new CliException("--action goes with --sql; a stored rule's own actions are used.");
                body["actions"] = new JsonArray([.. given.Select(a => (JsonNode)a)]);
                body["qos"] = parse.GetValue(qos);
            }
            var (status, answer, _) = await api.SendAsync(HttpMethod.Post, "rules/test", body, ct: ct);
            return RulesCommand.Done(status, answer, statement, a =>
            {
                if (parse.GetValue(json)) Console.WriteLine(RuleOutput.Json(a, indented: false));
                else RuleOutput.TestAnswer(a);
            });
        }));
        return command;
    }
}
