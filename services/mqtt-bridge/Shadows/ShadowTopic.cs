using System.Text.RegularExpressions;
using Pipeline.MqttBridge.Policy;
using Pipeline.Shadows;

namespace Pipeline.MqttBridge.Shadows;

/// <summary>
/// The shadow request topics a device may publish to, below its own prefix:
/// <c>shadow/{update,get,delete}</c> (the classic shadow) and <c>shadow/name/&lt;name&gt;/{update,get,delete}</c>.
/// Shadow names follow AWS IoT: 1 to 64 of letters, digits, ':', '_' and '-'.
/// </summary>
public static partial class ShadowTopic
{
    /// <summary>Parses the part after <c>devices/&lt;id&gt;/</c>; the refusal says why a shadow topic is not a request topic.</summary>
    public static (string Name, ShadowOperation Operation, Refusal? Refusal) Parse(string rest)
    {
        var levels = rest.Split('/');
        if (levels.Length == 2 && levels[0] == "shadow" && ShadowOperationNames.TryParse(levels[1], out var classic))
            return ("", classic, null);
        if (levels.Length == 4 && levels[0] == "shadow" && levels[1] == "name" && ShadowOperationNames.TryParse(levels[3], out var named))
        {
            return ValidName().IsMatch(levels[2])
                ? (levels[2], named, null)
                : ("", default, Refusal.InvalidTopic($"'{Shown(levels[2])}' is not a shadow name (1-64 of a-z A-Z 0-9 : _ -)"));
        }
        return ("", default, Refusal.InvalidTopic(
            $"'{Shown(rest)}' is not a shadow request topic; publish to shadow/update, shadow/get or shadow/delete (or shadow/name/<name>/...)"));
    }

    [GeneratedRegex("^[a-zA-Z0-9:_-]{1,64}$")]
    private static partial Regex ValidName();

    private static string Shown(string text) => text.Length <= 100 ? text : text[..100] + "...";
}
