namespace Pipeline.RulesSql.UnitTests;

/// <summary>Every cut, duplication and character swap of real statements either compiles or is
/// refused with a specific reason. A reason starting "could not be compiled" would be the safety
/// net in RuleSql.Guard catching a bug (an index out of range, a null), which must never happen.</summary>
public sealed class MutatedStatementTests
{
    private static readonly string[] Statements =
    [
        "SELECT *, topic(2) AS deviceId FROM 'devices/+/telemetry' WHERE temperature > 30 AND humidity BETWEEN 20 AND 60",
        "SELECT {'fan': CASE WHEN t > 30 THEN 'on' ELSE 'off' END, 'at': timestamp()} AS cmd FROM 'devices/#' WHERE t IS NOT UNDEFINED",
        "SELECT state.reported.*, substring(upper(name), 1, 3) AS s, [1, 2.5e3, 'x\\'y'] AS a FROM '+/+/events' WHERE NOT (x IN (1, 2) OR y <> 'z')",
        "SELECT cast(a.b[0] AS Int) AS i, coalesce(q, -1) || '-' || clientid() AS c FROM 'a/b' WHERE \"odd-name\" % 2 = 0",
    ];

    private static readonly string[] Insertions = ["(", ")", "'", "\"", "{", "}", "[", "]", ",", ".", "*", "-", "AS", "WHERE", "NOT", "${", "\\", "\n", "\0", "#", "+"];

    [Fact]
    public void Mutations_compile_or_are_refused_with_a_specific_reason()
    {
        var random = new Random(14);
        var internalErrors = new List<string>();
        foreach (var statement in Statements)
        {
            for (var i = 0; i < 3000; i++)
            {
                var mutated = Mutate(statement, random);
                try
                {
                    RuleSql.Compile(mutated);
                    Template.Parse(mutated);
                }
                catch (RuleSqlException error) when (!error.Reason.StartsWith("the statement could not be compiled", StringComparison.Ordinal))
                {
                    Assert.InRange(error.Column, 1, mutated.Length + 1);
                }
                catch (RuleSqlException error)
                {
                    internalErrors.Add($"{mutated} -> {error.Reason}");
                }
            }
        }
        Assert.Empty(internalErrors);
    }

    private static string Mutate(string text, Random random)
    {
        var at = random.Next(text.Length);
        return random.Next(4) switch
        {
            0 => text[..at],                                                          // cut short
            1 => text.Remove(at, Math.Min(random.Next(1, 6), text.Length - at)),      // drop a few characters
            2 => text.Insert(at, Insertions[random.Next(Insertions.Length)]),         // insert a token
            _ => text[..at] + text[at..].Replace(text[at], text[random.Next(text.Length)]), // swap a character everywhere after
        };
    }
}
