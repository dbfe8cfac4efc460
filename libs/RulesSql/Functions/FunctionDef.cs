using Pipeline.RulesSql.Compilation;

namespace Pipeline.RulesSql.Functions;

/// <summary>One built-in function: its arity, what each parameter accepts (the last kind repeats
/// for variadic functions), whether it is pure (a call with constant arguments can be folded at
/// compile time), and how to build its evaluator from its arguments' evaluators.</summary>
internal sealed record FunctionDef(
    string Name,
    int MinArgs,
    int MaxArgs,
    ParamKind[] Params,
    bool Pure,
    Func<Evaluator[], Evaluator> Build)
{
    public ParamKind KindOf(int index) => Params.Length == 0 ? ParamKind.Any : Params[Math.Min(index, Params.Length - 1)];

    public string Arity => MinArgs == MaxArgs
        ? $"{MinArgs} argument{(MinArgs == 1 ? "" : "s")}"
        : MaxArgs == int.MaxValue ? $"at least {MinArgs} argument{(MinArgs == 1 ? "" : "s")}" : $"{MinArgs} to {MaxArgs} arguments";
}
