using Pipeline.RulesSql.Compilation;
using Pipeline.RulesSql.Syntax;
using Pipeline.RulesSql.Values;

namespace Pipeline.RulesSql;

/// <summary>Entry point: check and compile an AWS IoT SQL (2016-03-23) rule statement.</summary>
public static class RuleSql
{
    /// <summary>Parses, checks and compiles the statement. Throws only RuleSqlException, with the
    /// line, column and reason of the first problem.</summary>
    public static CompiledRule Compile(string sql, RuleSqlLimits? limits = null)
    {
        limits ??= RuleSqlLimits.Default;
        sql ??= "";
        var statement = Guard(() => Parser.ParseStatement(sql, limits));
        return Guard(() => Build(sql, statement));
    }

    private static CompiledRule Build(string sql, Statement statement)
    {
        var compiler = new ExprCompiler(sql);
        var select = statement.Select.Select<SelectItem, SelectItemCompiled>(item => item switch
        {
            StarItem star => new StarItemCompiled(star.Of is null ? null : compiler.Compile(star.Of).Eval),
            ExprItem expr => new NamedItem(expr.Name, compiler.Compile(expr.Value).Eval),
            _ => throw compiler.Error(item.Offset, "unsupported SELECT item"),
        }).ToArray();
        Evaluator? where = null;
        if (statement.Where is { } condition)
        {
            var compiled = compiler.Compile(condition);
            if (compiled.Constant is { } constant && SqlConvert.ToLogical(constant).IsUndefined)
            {
                throw compiler.Error(condition.Offset, $"WHERE needs a condition (true or false), but {ExprCompiler.Show(constant)} is neither");
            }
            where = compiled.Eval;
        }
        return new CompiledRule(sql, statement.From, select, where);
    }

    /// <summary>The promise that nothing but RuleSqlException leaves Compile: a bug elsewhere in
    /// the compiler is reported as a refusal at the start instead of an unexpected exception type.</summary>
    internal static T Guard<T>(Func<T> step)
    {
        try
        {
            return step();
        }
        catch (RuleSqlException)
        {
            throw;
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            throw new RuleSqlException(1, 1, $"the statement could not be compiled ({error.GetType().Name}: {error.Message})");
        }
    }
}
