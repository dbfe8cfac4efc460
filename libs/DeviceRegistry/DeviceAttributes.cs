using System.Globalization;
using System.Text.RegularExpressions;

namespace Pipeline.DeviceRegistry;

/// <summary>Device attributes (site, model, ...) and the few the pipeline itself reads.</summary>
public static partial class DeviceAttributes
{
    /// <summary>Messages per second this device may publish, overriding the bridge's default.</summary>
    public const string RateLimit = "rate_limit";

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_.-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex KeyPattern();

    public static void Validate(IReadOnlyDictionary<string, string> attributes)
    {
        foreach (var (key, value) in attributes)
        {
            if (!KeyPattern().IsMatch(key))
                throw new DeviceRegistryException(DeviceRegistryError.InvalidAttribute,
                    $"Attribute name '{key}' is not valid: start with a letter or '_', then up to 63 of A-Z a-z 0-9 _ . -");
            if (value is null || value.Length > 1024)
                throw new DeviceRegistryException(DeviceRegistryError.InvalidAttribute,
                    $"Attribute '{key}' needs a value of at most 1024 characters.");
            if (key == RateLimit && TryParseRateLimit(value) is null)
                throw new DeviceRegistryException(DeviceRegistryError.InvalidAttribute,
                    $"Attribute '{RateLimit}' must be a positive number of messages per second, not '{value}'.");
        }
    }

    /// <summary>The per-device rate limit in messages per second, or null when absent or unusable.</summary>
    public static double? TryParseRateLimit(string? value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) && double.IsFinite(rate) && rate > 0
            ? rate
            : null;
}
