using System.Text;
using Pipeline.RulesSql.Compilation;
using Pipeline.RulesSql.Syntax;
using Pipeline.RulesSql.Values;

namespace Pipeline.RulesSql;

/// <summary>A substitution template for an action's target, e.g. "devices/${topic(2)}/commands".
/// Each ${...} holds any SQL expression over the same message and context as the rule. A name
/// is looked up in the rule's result first, then in the message, so "SELECT topic(2) AS deviceId"
/// makes ${deviceId} work; and ${deviceId} falls back to clientid() (the device id in this
/// pipeline) when neither has the field. An Undefined substitution renders as "", as in AWS.</summary>
public sealed class Template
{
    private readonly Part[] _parts;

    private Template(string text, Part[] parts)
    {
        Text = text;
        _parts = parts;
    }

    public string Text { get; }

    /// <summary>True when the template has no ${...} (its text is the target).</summary>
    public bool IsConstant => _parts.All(p => p.Eval is null);

    /// <summary>Parses and checks every ${...}; throws RuleSqlException with the position in the template.</summary>
    public static Template Parse(string text, RuleSqlLimits? limits = null)
    {
        limits ??= RuleSqlLimits.Default;
        text ??= "";
        return RuleSql.Guard(() => Build(text, limits));
    }

    private static Template Build(string text, RuleSqlLimits limits)
    {
        Parser.CheckLength(text, limits);
        var compiler = new ExprCompiler(text);
        var parts = new List<Part>();
        var literal = new StringBuilder();
        var at = 0;
        while (at < text.Length)
        {
            var open = text.IndexOf("${", at, StringComparison.Ordinal);
            if (open < 0) break;
            literal.Append(text, at, open - at);
            if (literal.Length > 0) parts.Add(new Part(literal.ToString(), null));
            literal.Clear();
            if (text.AsSpan(open + 2).TrimStart().StartsWith("}"))
            {
                throw RuleSqlException.At(text, open, "empty substitution '${}': put an expression inside, e.g. ${topic(2)}");
            }
            if (parts.Count >= limits.MaxItems) throw RuleSqlException.At(text, open, $"more than {limits.MaxItems} substitutions");
            var (expr, close) = Parser.ParseTemplateExpression(text, open + 2, limits);
            parts.Add(new Part(null, Substitution(compiler, expr)));
            at = close + 1;
        }
        literal.Append(text, at, text.Length - at);
        if (literal.Length > 0) parts.Add(new Part(literal.ToString(), null));
        return new Template(text, [.. parts]);
    }

    private static Evaluator Substitution(ExprCompiler compiler, Expr expr)
    {
        var eval = compiler.Compile(expr).Eval;
        if (expr is not FieldExpr { Name: "deviceId" }) return eval;
        return (in Scope s) => eval(in s) is { IsUndefined: false } found ? found : ClientIdOf(s.Context);
    }

    private static SqlValue ClientIdOf(RuleContext context) =>
        context.ClientId is { } id ? SqlValue.FromString(id) : SqlValue.Undefined;

    /// <summary>Renders the template for a message; result is the rule's output for it, if any.</summary>
    public string Render(SqlObject message, RuleContext context, RuleResult? result = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(context);
        if (_parts is [{ Eval: null } only]) return only.Literal!;
        var scope = new Scope(message, context, result?.Fields);
        var rendered = new StringBuilder();
        foreach (var part in _parts)
        {
            if (part.Eval is null) { rendered.Append(part.Literal); continue; }
            var value = part.Eval(in scope);
            if (value.Kind == SqlValueKind.String) rendered.Append(value.AsString);
            else if (!value.IsUndefined && SqlConvert.ToText(value) is { IsUndefined: false } printed) rendered.Append(printed.AsString);
        }
        return rendered.ToString();
    }

    public override string ToString() => Text;

    private sealed record Part(string? Literal, Evaluator? Eval);
}
