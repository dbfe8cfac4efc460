using System.Text.RegularExpressions;

namespace Pipeline.Contracts.UnitTests.Serialization;

/// <summary>
/// Reads message declarations out of .proto text the way Confluent's resolver counts them: at each
/// nesting level, the n-th `message` declared has index n; enums, oneofs and option blocks are not counted.
/// Just enough of a parser for the test: comments and string literals are skipped, braces are matched.
/// </summary>
internal static partial class ProtoDeclarations
{
    public static Dictionary<string, int[]> MessagePaths(string protoText)
    {
        var tokens = Tokens().Matches(StripComments(protoText)).Select(m => m.Value).ToList();
        var package = "";
        var result = new Dictionary<string, int[]>();
        // Each open brace: the message it opens (null for enum/oneof/option/service blocks) and its path.
        var stack = new Stack<(string? Name, int[] Path, int[] Counter)>();
        var topLevel = new[] { 0 };
        for (var i = 0; i < tokens.Count; i++)
        {
            var inMessageOrFile = stack.Count == 0 || stack.Peek().Name is not null;
            if (tokens[i] == "package" && stack.Count == 0)
                package = tokens[i + 1];
            else if (tokens[i] == "message" && inMessageOrFile && i + 2 < tokens.Count && tokens[i + 2] == "{")
            {
                var counter = stack.Count == 0 ? topLevel : stack.Peek().Counter;
                var path = (stack.Count == 0 ? [] : stack.Peek().Path).Append(counter[0]++).ToArray();
                var name = (stack.Count == 0 ? package : stack.Peek().Name) + "." + tokens[i + 1];
                result[name] = path;
                stack.Push((name, path, [0]));
                i += 2;
            }
            else if (tokens[i] == "{")
                stack.Push((null, [], [0]));
            else if (tokens[i] == "}")
                stack.Pop();
        }
        return result;
    }

    private static string StripComments(string text) => Comments().Replace(text, m => m.Value.StartsWith('"') ? m.Value : " ");

    // string literals are matched first so that "//" inside a string is not a comment
    [GeneratedRegex(@"""(?:\\.|[^""\\])*""|//[^\n]*|/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex Comments();

    [GeneratedRegex(@"""(?:\\.|[^""\\])*""|[A-Za-z_][A-Za-z0-9_.]*|[{}]")]
    private static partial Regex Tokens();
}
