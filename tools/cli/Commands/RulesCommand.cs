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
        RulesEditCommands.Add(),
        RulesEditCommands.Update(),
        Show(),
        SetEnabled("enable", true),
        SetEnabled("disable", false),
        Delete(),
        List(),
        RulesTestCommand.Create(),
    };

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

    internal static Argument<string> NameArgument() => new("name") { Description = "The rule's name: 1-128 characters of A-Z a-z 0-9 _ -." };

    internal static Option<string[]> ActionOption() => new("--action")
    {
        Description = "Where results go, type:target (repeatable): republish:devices/${topic(2)}/commands, kafka:<topic>, clickhouse:<db.table>, http:<url>.",
        AllowMultipleArgumentsPerToken = false,
    };

    internal static Option<string?> ErrorActionOption() => new("--error-action") { Description = "Where failed actions go, type:target (e.g. kafka:rule.errors); default iot.rejected with RULE_ACTION_FAILED." };

    internal static Option<string?> DescriptionOption() => new("--description") { Description = "What the rule is for." };

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
