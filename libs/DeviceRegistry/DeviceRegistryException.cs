namespace Pipeline.DeviceRegistry;

public enum DeviceRegistryError
{
    InvalidId,
    DuplicateId,
    UnknownId,
    InvalidAttribute,
    RegistryUnavailable,
}

/// <summary>A registry operation that was refused; <see cref="Error"/> says why, the message says it for a person.</summary>
public sealed class DeviceRegistryException(DeviceRegistryError error, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public DeviceRegistryError Error { get; } = error;
}
