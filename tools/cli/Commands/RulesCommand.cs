using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.Cli.Rules;

namespace Pipeline.Cli.Commands;

/// <summary>
/// `./pipeline rules add|update|show|enable|disable|delete|list|test` (contract.md): the operator rules stored in iot.rules,
/// managed through the bridge's rules API with the operator token, so the CLI and a script check and store rules the same way.
/// </summary>
public static class RulesCommand
{
    public static Command Create() => new("rules", "Manage SQL rules that route device data to actions (AWS IoT SQL; docs/rules-api.md).")
    {
        Add(),
        Update(),
        Show(),
        SetEnabled("enable", true),
        SetEnabled("disable", false),
        Delete(),
        List(),
        RulesTestCommand.Create(),
    };

    private static Command Add()
    {
        var name = NameArgument();
        var sql = new Option<string>("--sql") { Description = "The rule's statement, e.g. \"SELECT temperature FROM 'devices/+/telemetry' WHERE temperature > 30\".", Required = true };
        var actions = ActionOption();
        actions.Required = true;
        var (errorAction, description, qos) = (ErrorActionOption(), DescriptionOption(), QosOption());
        var disabled = new Option<bool>("--disabled") { Description = "Store the rule disabled (it runs on nothing until `rules enable`)." };
        var command = new Command("add", "Add a rule; a bad statement is refused with its position and the reason.")
            { name, sql, actions, errorAction, description, disabled, qos };
        command.SetAction((parse, ct) => RunAsync(async api =>
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
            return Done(status, answer, parse.GetValue(sql), a => Console.WriteLine($"Rule {a["name"]} added (version {a["version"]}, {((bool?)a["enabled"] == true ? "enabled" : "disabled")})."));
        }));
        return command;
    }

    private static Command Update()
    {
        var name = NameArgument();
        var sql = new Option<string?>("--sql") { Description = "A new statement." };
        var (actions, errorAction, description, qos) = (ActionOption(), ErrorActionOption(), DescriptionOption(), QosOption());
        actions.Description = "Replace the actions with these (repeatable).";
        var command = new Command("update", "Change what is given of a rule (statement, actions, error action, description); the rest stays.")
            { name, sql, actions, errorAction, description, qos };
        command.SetAction((parse, ct) => RunAsync(async api =>
        {
            var newActions = parse.GetValue(actions) ?? [];
            if (parse.GetValue(sql) is null && newActions.Length == 0 && parse.GetValue(errorAction) is null && parse.GetValue(description) is null)
                throw new CliException("Nothing to change: give --sql, --action, --error-action or --description.");
            if (parse.GetResult(qos) is { Implicit: false } && newActions.Length == 0)
                throw new CliException("--qos applies to the actions given with --action.");
            var (getStatus, current, _) = await api.SendAsync(HttpMethod.Get, $"rules/{Uri.EscapeDataString(parse.GetValue(name)!)}", ct: ct);
            if (getStatus != 200)
                return Done(getStatus, current, null, _ => { });
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
            return Done(status, answer, parse.GetValue(sql), a => Console.WriteLine($"Rule {a["name"]} updated (version {a["version"]})."));
        }));
        return command;
    }

    private static Command Show()
    {
        var name = NameArgument();
        var json = new Option<bool>("--json") { Description = "Print the rule as stored in iot.rules (JSON)." };
        var command = new Command("show", "Print a rule: statement, actions, enabled, version.") { name, json };
        command.SetAction((parse, ct) => RunAsync(async api =>
        {
            var (status, rule, _) = await api.SendAsync(HttpMethod.Get, $"rules/{Uri.EscapeDataString(parse.GetValue(name)!)}", ct: ct);
            return Done(status, rule, null, r =>
            {
                if (parse.GetValue(json)) Console.WriteLine(RuleOutput.Json(r));
                else RuleOutput.Rule(r);
            });
        }));
        return command;
    }

    private static Command SetEnabled(string verb, bool enabled)
    {
        var name = NameArgument();
        var command = new Command(verb, enabled ? "Enable a rule: it runs on new messages within seconds." : "Disable a rule: it stops running within seconds; it stays stored.") { name };
        command.SetAction((parse, ct) => RunAsync(async api =>
        {
            var (status, rule, _) = await api.SendAsync(HttpMethod.Post, $"rules/{Uri.EscapeDataString(parse.GetValue(name)!)}/{verb}", ct: ct);
            return Done(status, rule, null, r => Console.WriteLine($"Rule {r["name"]} {verb}d (version {r["version"]})."));
        }));
        return command;
    }

    private static Command Delete()
    {
        var name = NameArgument();
        var command = new Command("delete", "Delete a rule (a tombstone in iot.rules); it stops running within seconds.") { name };
        command.SetAction((parse, ct) => RunAsync(async api =>
        {
            var (status, answer, _) = await api.SendAsync(HttpMethod.Delete, $"rules/{Uri.EscapeDataString(parse.GetValue(name)!)}", ct: ct);
            return Done(status, answer, null, _ => Console.WriteLine($"Rule {parse.GetValue(name)} deleted."));
        }));
        return command;
    }

    private static Command List()
    {
        var json = new Option<bool>("--json") { Description = "Print the rules as a JSON array, as stored." };
        var command = new Command("list", "List the rules: name, enabled, version, FROM topic, actions, last change.") { json };
        command.SetAction((parse, ct) => RunAsync(async api =>
        {
            var (status, rules, _) = await api.SendAsync(HttpMethod.Get, "rules", ct: ct);
            return Done(status, rules, null, r =>
            {
                if (parse.GetValue(json)) Console.WriteLine(RuleOutput.Json(r, indented: false));
                else RuleOutput.Table(r.AsArray());
            });
        }));
        return command;
    }

    /// <summary>2xx: <paramref name="print"/> and exit 0; otherwise the refusal on stderr (with a caret under <paramref name="sql"/>) and exit 1.</summary>
    internal static int Done(int status, JsonNode answer, string? sql, Action<JsonNode> print)
    {
        if (status is >= 200 and < 300)
        {
            print(answer);
            return 0;
        }
        RuleOutput.Refusal(status, answer, sql);
        return 1;
    }

    internal static Task<int> RunAsync(Func<OperatorApiClient, Task<int>> action) =>
        CliRun.GuardAsync(async () =>
        {
            using var api = OperatorApiClient.Create(CliConfiguration.Load());
            try
            {
                return await action(api);
            }
            catch (JsonException e)
            {
                throw new CliException($"Unexpected answer from the rules API: {e.Message}");
            }
        });

    private static Argument<string> NameArgument() => new("name") { Description = "The rule's name: 1-128 characters of A-Z a-z 0-9 _ -." };

    internal static Option<string[]> ActionOption() => new("--action")
    {
        Description = "Where results go, type:target (repeatable): republish:devices/${topic(2)}/commands, kafka:<topic>, clickhouse:<db.table>, http:<url>.",
        AllowMultipleArgumentsPerToken = false,
    };

    private static Option<string?> ErrorActionOption() => new("--error-action") { Description = "Where failed actions go, type:target (e.g. kafka:rule.errors); default iot.rejected with RULE_ACTION_FAILED." };

    private static Option<string?> DescriptionOption() => new("--description") { Description = "What the rule is for." };

    internal static Option<int> QosOption()
    {
        var qos = new Option<int>("--qos") { Description = "QoS of republish actions: 0 or 1.", DefaultValueFactory = _ => 1 };
        qos.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is not (0 or 1))
                r.AddError("--qos must be 0 or 1.");
        });
        return qos;
    }
}
