using System.Text.RegularExpressions;

namespace Pipeline.DeviceRegistry;

/// <summary>
/// What a device id may look like. Ids become MQTT topic levels (devices/&lt;id&gt;/...), Kafka keys
/// and certificate CNs, so they exclude '/', '+', '#', whitespace and anything outside ASCII.
/// </summary>
public static partial class DeviceIds
{
    public const int MaxLength = 128;

    [GeneratedRegex("^[A-Za-z0-9_.:-]{1,128}$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    public static bool IsValid(string? id) => id is not null && Pattern().IsMatch(id);

    /// <summary>Throws <see cref="DeviceRegistryException"/> naming what is wrong with <paramref name="id"/>.</summary>
    public static void Validate(string? id)
    {
        if (IsValid(id))
            return;
        var shown = id is null ? "(null)" : id.Length > 40 ? $"'{id[..40]}...' ({id.Length} characters)" : $"'{id}'";
        throw new DeviceRegistryException(DeviceRegistryError.InvalidId,
            $"Device id {shown} is not valid: use 1 to {MaxLength} characters from A-Z a-z 0-9 _ . : -");
    }
}
