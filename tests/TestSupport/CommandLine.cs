namespace Pipeline.TestSupport;

/// <summary>
/// A command line as a failure message may show it: the value after a password option (mosquitto's
/// <c>-P</c>/<c>--pw</c>; curl's <c>-u user:password</c>), kcat's <c>sasl.password=</c> and an Authorization header (curl's <c>-H</c>) are replaced
/// by ***, so a device token or API key never reaches a CI log through a failed test.
/// </summary>
public static class CommandLine
{
    private static readonly HashSet<string> PasswordOptions = ["-P", "--pw", "--password", "-u", "--user"];

    public static string Redacted(string file, IEnumerable<string> args)
    {
        var shown = new List<string> { file };
        var hideNext = false;
        foreach (var arg in args)
        {
            shown.Add(hideNext ? "***"
                : arg.StartsWith("sasl.password=", StringComparison.Ordinal) ? "sasl.password=***"
                : arg.StartsWith("Authorization:", StringComparison.OrdinalIgnoreCase) ? "Authorization: ***"
                : arg);
            hideNext = PasswordOptions.Contains(arg);
        }
        return string.Join(' ', shown);
    }
}
