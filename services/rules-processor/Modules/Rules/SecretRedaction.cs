using System.Text.RegularExpressions;

namespace Pipeline.RulesProcessor.Modules.Rules;

/// <summary>
/// Takes what may be a credential out of a text about a rule before it is logged or written to iot.rejected: the query
/// and the user-info of URLs (a webhook's token often travels as <c>?token=...</c> or <c>https://user:pass@host</c>).
/// </summary>
public static partial class SecretRedaction
{
    public static string Redact(string text) => Url().Replace(text, m => $"{m.Groups["scheme"].Value}{m.Groups["rest"].Value}{(m.Groups["query"].Success ? "?…" : "")}");

    [GeneratedRegex(@"(?<scheme>https?://)(?:[^\s/@]*@)?(?<rest>[^\s?#]*)(?<query>\?[^\s#]*)?", RegexOptions.IgnoreCase)]
    private static partial Regex Url();
}
