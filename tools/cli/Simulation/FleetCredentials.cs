using System.Text.Json;
using Pipeline.DeviceRegistry;

namespace Pipeline.Cli.Simulation;

/// <summary>
/// Tokens and certificates of simulated devices. A token is shown only once at registration, so
/// the simulator keeps what it registered in the state folder (mode 0600) to connect again later.
/// </summary>
public sealed class FleetCredentials(string directory)
{
    public sealed record Credential(string Token, string? CertificatePem, string? PrivateKeyPem);

    private string FilePath => Path.Combine(directory, "devices.json");

    public Dictionary<string, Credential> Load() =>
        File.Exists(FilePath)
            ? JsonSerializer.Deserialize<Dictionary<string, Credential>>(File.ReadAllText(FilePath)) ?? []
            : [];

    public void Save(Dictionary<string, Credential> credentials)
    {
        Directory.CreateDirectory(directory);
        var temp = FilePath + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(credentials));
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temp, FilePath, overwrite: true);
    }

    /// <summary>Registers the devices that have no stored credential yet; returns every device's credential.</summary>
    public async Task<Dictionary<string, Credential>> EnsureRegisteredAsync(
        DeviceRegistryClient registry, IReadOnlyList<string> deviceIds, bool withCertificates, CancellationToken ct)
    {
        var credentials = Load();
        var missing = deviceIds.Where(id => !credentials.TryGetValue(id, out var known) || (withCertificates && known.CertificatePem is null)).ToList();
        if (missing.Count == 0) return credentials;
        IReadOnlyList<DeviceAdded> added;
        try
        {
            added = await registry.AddManyAsync(missing, new Dictionary<string, string> { ["site"] = "sim-site", ["model"] = "sim-1" }, withCertificates, ct);
        }
        catch (DeviceRegistryException e) when (e.Error == DeviceRegistryError.DuplicateId)
        {
            throw new CliException($"{e.Message} Its token is not in {FilePath} (tokens are shown once): use another --prefix, or ./pipeline up --fresh.");
        }
        foreach (var device in added)
            credentials[device.DeviceId] = new Credential(device.Token, device.Certificate?.CertificatePem, device.Certificate?.PrivateKeyPem);
        Save(credentials);
        return credentials;
    }
}
