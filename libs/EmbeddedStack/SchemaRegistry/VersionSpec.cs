using System.Globalization;

namespace Pipeline.EmbeddedStack.SchemaRegistry;

/// <summary>The {version} of a REST path: "latest" (or -1, Confluent's alias for it) or a number from 1 up.</summary>
internal static class VersionSpec
{
    /// <returns>The version number, or null for the latest version.</returns>
    public static int? Parse(string text)
    {
        if (text.Equals("latest", StringComparison.OrdinalIgnoreCase) || text == "-1")
            return null;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var version) && version >= 1
            ? version
            : throw RegistryException.InvalidVersion(text);
    }
}
