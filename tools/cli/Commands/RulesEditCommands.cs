using System.CommandLine;
using System.Text.Json.Nodes;

namespace Pipeline.Cli.Commands;

/// <summary>`./pipeline rules add` and `rules update`: the commands that send a rule's statement and actions to the rules API.</summary>
public static class RulesEditCommands
{
    public static Command Add()
    {
        var name = RulesCommand.NameArgument();
        var sql = new Option<string>("--sql") { Description = "The rule's statement, e.g. \"SELECT temperature FROM 'devices/+/telemetry' WHERE temperature > 30\".", Required = true };
        var actions = RulesCommand.ActionOption();
        actions.Required = true;
        var (errorAction, description, qos) = (RulesCommand.ErrorActionOption(), RulesCommand.DescriptionOption(), RulesCommand.QosOption());
        var disabled = new Option<bool>("--disabled") { Description = "Store the rule disabled (it runs on nothing until `rules enable`)." };
        var command = new Command("add", "Add a rule; a bad statement is refused with its position and the reason.")
            { name, sql, actions, errorAction, description, disabled, qos };
        command.SetAction((parse, ct) => RulesCommand.RunAsync(async api =>
        {
            var body = new JsonObject
            {
                ["name"] = parse.GetValue(name),
                ["sql"] = parse.GetValue(sql),
                ["actions"] = new JsonArray([.. parse.GetValue(actions)!.Select(a => (JsonNode)a)]),
                ["description"] = parse.GetValue(description) ?? "",
                ["enabled"] = !parse.GetValue(disabled),
                ["qos"] = parse.GetValue(qos),
            };
            if (parse.GetValue(errorAction) is { } error)
                body["errorAction"] = error;
            var (status, answer, _) = await api.SendAsync(HttpMethod.Post, "rules", body, ct: ct);
            if (status == 409)
                throw new CliException($"A rule named '{parse.GetValue(name)}' exists; change it with ./pipeline rules update.");
            return RulesCommand.Done(status, answer, parse.GetValue(sql), a => Console.WriteLine($"Rule {a["name"]} added (version {a["version"]}, {((bool?)a["enabled"] == true ? "enabled" : "disabled")})."));
        }));
        return command;
    }

    public static Command Update()
    {
        var name = RulesCommand.NameArgument();
        var sql = new Option<string?>("--sql") { Description = "A new statement." };
        var (actions, errorAction, description, qos) = (RulesCommand.ActionOption(), RulesCommand.ErrorActionOption(), RulesCommand.DescriptionOption(), RulesCommand.QosOption());
        actions.Description = "Replace the actions with these (repeatable).";
        var command = new Command("update", "Change what is given of a rule (statement, actions, error action, description); the rest stays.")
            { name, sql, actions, errorAction, description, qos };
        command.SetAction((parse, ct) => RulesCommand.RunAsync(async api =>
        {
            var newActions = parse.GetValue(actions) ?? [];
            if (parse.GetValue(sql) is null && newActions.Length == 0 && parse.GetValue(errorAction) is null && parse.GetValue(description) is null)
                throw new CliException("Nothing to change: give --sql, --action, --error-action or --description.");
            if (parse.GetResult(qos) is { Implicit: false } && newActions.Length == 0)
                throw new CliException("--qos applies to the actions given with --action.");
            var (getStatus, current, _) = await api.SendAsync(HttpMethod.Get, $"rules/{Uri.EscapeDataString(parse.GetValue(name)!)}", ct: ct);
            if (getStatus != 200)
                return RulesCommand.Done(getStatus, current, null, _ => { });
            var body = new JsonObject
            {
                ["sql"] = parse.GetValue(sql) ?? current["sql"]!.GetValue<string>(),
                ["actions"] = newActions.Length > 0 ? new JsonArray([.. newActions.Select(a => (JsonNode)a)]) : current["actions"]!.DeepClone(),
                ["description"] = parse.GetValue(description) ?? current["description"]?.GetValue<string>() ?? "",
                ["enabled"] = current["enabled"]!.GetValue<bool>(),
                ["qos"] = parse.GetValue(qos),
            };
            if (parse.GetValue(errorAction) is { } error)
                body["errorAction"] = error;
            else if (current["errorAction"] is { } kept)
                body["errorAction"] = kept.DeepClone();
            // Only onto the version just read: a change made meanwhile by someone else is not overwritten unseen.
            var (status, answer, _) = await api.SendAsync(HttpMethod.Put, $"rules/{Uri.EscapeDataString(parse.GetValue(name)!)}", body,
                ifMatch: $"\"{current["version"]}\"", ct: ct);
            return RulesCommand.Done(status, answer, parse.GetValue(sql), a => Console.WriteLine($"Rule {a["name"]} updated (version {a["version"]})."));
        }));
        return command;
    }
}
