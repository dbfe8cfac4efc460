namespace Pipeline.RulesProcessor.Modules.Shadow;

/// <summary>Keys and MQTT topics of a shadow: the classic one is "&lt;id&gt;", a named one "&lt;id&gt;/&lt;name&gt;".</summary>
public static class ShadowKeys
{
    public static string Document(string deviceId, string shadowName) =>
        shadowName.Length == 0 ? deviceId : $"{deviceId}/{shadowName}";

    /// <summary>The device's topic for <paramref name="suffix"/>, e.g. devices/d-1/shadow/name/cfg/update/accepted.</summary>
    public static string Topic(string deviceId, string shadowName, string suffix) =>
        shadowName.Length == 0 ? $"devices/{deviceId}/shadow/{suffix}" : $"devices/{deviceId}/shadow/name/{shadowName}/{suffix}";
}
