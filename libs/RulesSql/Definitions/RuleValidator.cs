using System.Text.RegularExpressions;

namespace Pipeline.RulesSql.Definitions;

/// <summary>
/// Everything checked before a rule is stored (and again when a processor loads it): the name, the statement,
/// and each action's target. A target may hold ${...} substitutions, but never where a device's data would pick
/// the host of a URL or the scheme: a device publishes the values a rule reads.
/// </summary>
public static partial class RuleValidator
{
    public const int MaxActions = 10;
    public const int MaxNameLength = 128;
    public const int MaxDescriptionLength = 1024;

    /// <summary>Checks and compiles; throws <see cref="RuleDefinitionException"/> with the reason (and the SQL position).</summary>
    public static PreparedRule Prepare(RuleDefinition rule, RuleSqlLimits? limits = null)
    {
        CheckName(rule.Name);
        if (rule.Description.Length > MaxDescriptionLength)
            throw new RuleDefinitionException($"description: at most {MaxDescriptionLength} characters") { Field = "description" };
        if (rule.Actions.Count == 0)
            throw new RuleDefinitionException("a rule needs at least one action (--action type:target)");
        if (rule.Actions.Count > MaxActions)
            throw new RuleDefinitionException($"at most {MaxActions} actions per rule, as in AWS IoT");
        CompiledRule statement;
        try
        {
            statement = RuleSql.Compile(rule.Sql, limits);
        }
        catch (RuleSqlException error)
        {
            throw new RuleDefinitionException($"sql: {error.Message}", error) { Field = "sql" };
        }
        var actions = rule.Actions.Select((a, i) => PrepareAction(a, i, "action", $"actions[{i}]", limits)).ToList();
        var errorAction = rule.ErrorAction is { } e ? PrepareAction(e, -1, "error action", "errorAction", limits) : null;
        return new PreparedRule(rule, statement, actions, errorAction);
    }

    public static void CheckName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength || !ValidName().IsMatch(name))
            throw new RuleDefinitionException($"rule name '{name}': use 1 to {MaxNameLength} characters from A-Z a-z 0-9 _ -") { Field = "name" };
    }

    private static PreparedAction PrepareAction(RuleAction action, int index, string what, string field, RuleSqlLimits? limits)
    {
        Template target;
        try
        {
            target = Template.Parse(action.Target, limits);
        }
        catch (RuleSqlException error)
        {
            throw new RuleDefinitionException($"{what} {action}: {error.Message}", error) { Field = field };
        }
        var problem = action.Type switch
        {
            RuleActionType.Republish => CheckRepublish(action),
            RuleActionType.Kafka => CheckKafka(action.Target),
            RuleActionType.ClickHouse => CheckClickHouse(action.Target),
            RuleActionType.Http => CheckHttp(action.Target),
            _ => "unknown action type",
        };
        if (problem is not null)
            throw new RuleDefinitionException($"{what} {action}: {problem}") { Field = field };
        return new PreparedAction(action, target, index);
    }

    private static string? CheckRepublish(RuleAction action)
    {
        if (action.Qos is not (0 or 1)) return "QoS must be 0 or 1";
        // The bridge delivers cloud-to-device messages on a device's commands topic; anything else would reach nobody.
        return action.Target.StartsWith("devices/", StringComparison.Ordinal) && action.Target.EndsWith("/commands", StringComparison.Ordinal)
            ? null
            : "republish goes to a device's commands topic: devices/<device id>/commands, e.g. devices/${topic(2)}/commands";
    }

    private static string? CheckKafka(string target)
    {
        var constant = WithoutSubstitutions(target);
        if (!KafkaTopicChars().IsMatch(constant)) return "a Kafka topic name uses A-Z a-z 0-9 . _ - only";
        // The iot. prefix is the product's own topics (registry, commands, the telemetry chain): a rule must not write into them.
        return target.StartsWith("iot.", StringComparison.Ordinal) ? "topics starting with 'iot.' are the pipeline's own; choose another name" : null;
    }

    private static string? CheckClickHouse(string target) =>
        target.Contains("${", StringComparison.Ordinal) || !TableName().IsMatch(target)
            ? "name a table as database.table (letters, digits, _), with no substitutions"
            : null;

    private static string? CheckHttp(string target)
    {
        // Scheme and host must be constant: a substitution there would let a device's data choose which host the processor calls.
        var authorityEnd = target.IndexOf('/', target.IndexOf("://", StringComparison.Ordinal) is var s and >= 0 ? s + 3 : 0);
        var head = authorityEnd < 0 ? target : target[..authorityEnd];
        if (head.Contains("${", StringComparison.Ordinal)) return "substitutions may be used in the path and query of a URL, not in its scheme or host";
        return Uri.TryCreate(head, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Host.Length > 0
            ? null
            : "an absolute http:// or https:// URL";
    }

    private static string WithoutSubstitutions(string target) => Substitution().Replace(target, "x");

    [GeneratedRegex("^[A-Za-z0-9_-]+$")]
    private static partial Regex ValidName();

    [GeneratedRegex("^[A-Za-z0-9._-]{1,249}$")]
    private static partial Regex KafkaTopicChars();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*\\.[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex TableName();

    [GeneratedRegex("\\$\\{[^}]*\\}")]
    private static partial Regex Substitution();
}
