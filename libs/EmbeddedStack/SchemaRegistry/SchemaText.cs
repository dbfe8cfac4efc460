using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Pipeline.EmbeddedStack.SchemaRegistry;

/// <summary>
/// Checks and normal forms of schema text. The checks are syntactic only (valid JSON for AVRO and JSON
/// schemas; for PROTOBUF balanced braces, terminated strings and comments, or Confluent's base64
/// "serialized" descriptor form): enough to turn a garbled registration into error 42201 instead of
/// storing it, without carrying a .proto compiler. Normal form removes what cannot change meaning
/// (insignificant whitespace, and comments in .proto text), so `normalize=true` matches reformatted text.
/// </summary>
internal static class SchemaText
{
    public static void Validate(string type, string text)
    {
        if (type == SchemaTypes.Protobuf)
        {
            if (!IsBase64(text))
                CheckBraces(NormalizeProto(text));
            return;
        }
        try
        {
            using var _ = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw RegistryException.InvalidSchema($"a {type} schema must be JSON: {e.Message}");
        }
    }

    public static string Normalize(string type, string text) => type switch
    {
        SchemaTypes.Protobuf => IsBase64(text) ? text : NormalizeProto(text),
        _ => JsonNode.Parse(text)?.ToJsonString() ?? "null",
    };

    /// <summary>Comments dropped, whitespace runs collapsed, no whitespace next to punctuation; string literals kept as written.</summary>
    private static string NormalizeProto(string text)
    {
        var sb = new StringBuilder(text.Length);
        var pendingSpace = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '/' && i + 1 < text.Length && text[i + 1] == '/')
            {
                i = text.IndexOf('\n', i) is var end && end < 0 ? text.Length : end;
                pendingSpace = true;
                continue;
            }
            if (c == '/' && i + 1 < text.Length && text[i + 1] == '*')
            {
                var end = text.IndexOf("*/", i + 2, StringComparison.Ordinal);
                if (end < 0)
                    throw RegistryException.InvalidSchema("unterminated /* comment in the .proto text");
                i = end + 1;
                pendingSpace = true;
                continue;
            }
            if (char.IsWhiteSpace(c))
            {
                pendingSpace = true;
                continue;
            }
            if (pendingSpace && sb.Length > 0 && !IsPunctuation(sb[^1]) && !IsPunctuation(c))
                sb.Append(' ');
            pendingSpace = false;
            if (c is '"' or '\'')
                i = CopyStringLiteral(text, i, sb);
            else
                sb.Append(c);
        }
        return sb.ToString();
    }

    private static int CopyStringLiteral(string text, int start, StringBuilder sb)
    {
        var quote = text[start];
        sb.Append(quote);
        for (var i = start + 1; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\n')
                break;
            sb.Append(c);
            if (c == '\\' && i + 1 < text.Length)
                sb.Append(text[++i]);
            else if (c == quote)
                return i;
        }
        throw RegistryException.InvalidSchema("unterminated string literal in the .proto text");
    }

    private static void CheckBraces(string normalized)
    {
        var depth = 0;
        for (var i = 0; i < normalized.Length; i++)
        {
            var c = normalized[i];
            if (c is '"' or '\'')
                i = SkipLiteral(normalized, i); // NormalizeProto already rejected unterminated literals
            else if (c == '{')
                depth++;
            else if (c == '}' && --depth < 0)
                throw RegistryException.InvalidSchema("unbalanced '}' in the .proto text");
        }
        if (depth != 0)
            throw RegistryException.InvalidSchema($"{depth} unclosed '{{' in the .proto text");
    }

    private static int SkipLiteral(string text, int start)
    {
        for (var i = start + 1; i < text.Length; i++)
        {
            if (text[i] == '\\')
                i++;
            else if (text[i] == text[start])
                return i;
        }
        return text.Length;
    }

    private static bool IsPunctuation(char c) => c is '{' or '}' or ';' or '=' or ',' or '(' or ')' or '<' or '>' or '[' or ']';

    /// <summary>Confluent clients may send a .proto as its base64 FileDescriptorProto ("serialized" format).</summary>
    private static bool IsBase64(string text)
    {
        if (text.Length == 0 || text.Length % 4 != 0)
            return false;
        foreach (var c in text)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '='))
                return false;
        return Convert.TryFromBase64String(text, new byte[text.Length], out _);
    }
}
