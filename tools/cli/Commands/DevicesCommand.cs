using Pipeline.ServiceDefaults;
using Pipeline.ServiceDefaults.Kafka;
using System.CommandLine;
using System.Text.Json;
using Confluent.SchemaRegistry;
using Pipeline.Cli.Devices;
using Pipeline.DeviceRegistry;
using Spectre.Console;

namespace Pipeline.Cli.Commands;

/// <summary>`./pipeline devices add|list|revoke`: the device registry (the compacted topic iot.devices).</summary>
public static class DevicesCommand
{
    public static Command Create() => new("devices", "Register, list and revoke devices.")
    {
        Add(),
        List(),
        Revoke(),
    };

    private static Command Add()
    {
        var id = new Argument<string>("id") { Description = "Device id: 1-128 characters of [A-Za-z0-9_.:-]; also its MQTT client id." };
        var attrs = new Option<string[]>("--attr") { Description = "Device attribute key=value (repeatable), e.g. --attr site=plant-1 --attr model=t100.", AllowMultipleArgumentsPerToken = true };
        var cert = new Option<string?>("--cert") { Description = "Also issue a client certificate: writes DIR/<id>.crt, DIR/<id>.key and DIR/ca.crt (PEM)." };
        var json = new Option<bool>("--json") { Description = "Print {\"deviceId\",\"token\",\"cert\",\"key\"} as JSON." };
        var command = new Command("add", "Register a device and print its token (shown once, stored only as a salted hash).") { id, attrs, cert, json };
        command.SetAction((parse, ct) => RunAsync(async (registry, _) =>
        {
            var attributes = ParseAttributes(parse.GetValue(attrs) ?? []);
            var certDir = parse.GetValue(cert);
            var added = await registry.AddAsync(parse.GetValue(id)!, attributes, issueCertificate: certDir is not null, ct);
            if (certDir is not null && added.Certificate is { } issued)
            {
                Directory.CreateDirectory(certDir);
                File.WriteAllText(Path.Combine(certDir, added.DeviceId + ".crt"), issued.CertificatePem);
                var keyPath = Path.Combine(certDir, added.DeviceId + ".key");
                File.WriteAllText(keyPath, issued.PrivateKeyPem);
                if (!OperatingSystem.IsWindows())
                    File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                File.WriteAllText(Path.Combine(certDir, "ca.crt"), added.CaCertificatePem);
            }
            if (parse.GetValue(json))
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    deviceId = added.DeviceId,
                    token = added.Token,
                    cert = added.Certificate?.CertificatePem,
                    key = added.Certificate?.PrivateKeyPem,
                }));
            else
            {
                Console.WriteLine($"Device {added.DeviceId} registered.");
                Console.WriteLine($"Token (shown once; MQTT username = {added.DeviceId}, password = token): {added.Token}");
                if (certDir is not null)
                    Console.WriteLine($"Certificate: {Path.Combine(certDir, added.DeviceId + ".crt")}, key: {Path.Combine(certDir, added.DeviceId + ".key")}, CA: {Path.Combine(certDir, "ca.crt")}");
            }
            return 0;
        }, issuesCertificates: true));
        return command;
    }

    private static Command List()
    {
        var json = new Option<bool>("--json") { Description = "Print the devices as a JSON array." };
        var command = new Command("list", "List registered devices, whether each is connected now and when it was last seen.") { json };
        command.SetAction((parse, ct) => RunAsync(async (registry, _) =>
        {
            var devices = await registry.ListAsync(ct);
            var presence = await DevicePresence.ReadAsync(ct);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(devices.Select(d => new
                {
                    deviceId = d.DeviceId,
                    connected = presence.IsConnected(d.DeviceId),
                    lastSeen = presence.LastSeen(d.DeviceId),
                    attributes = d.Attributes,
                    createdAt = DateTimeOffset.FromUnixTimeMilliseconds(d.CreatedTsMs),
                    revoked = d.Revoked,
                    certificate = d.CertificateThumbprint.Length > 0,
                })));
                return 0;
            }
            var table = new Table().Border(TableBorder.Rounded).AddColumns("device", "attributes", "created (UTC)", "state", "certificate", "connected", "last seen (UTC)");
            foreach (var d in devices.OrderBy(d => d.DeviceId, StringComparer.Ordinal))
                table.AddRow(
                    Markup.Escape(d.DeviceId),
                    Markup.Escape(string.Join(", ", d.Attributes.OrderBy(a => a.Key).Select(a => $"{a.Key}={a.Value}"))),
                    DateTimeOffset.FromUnixTimeMilliseconds(d.CreatedTsMs).ToString("yyyy-MM-dd HH:mm:ss"),
                    d.Revoked ? "[red]revoked[/]" : "active",
                    d.CertificateThumbprint.Length > 0 ? "yes" : "",
                    presence.IsConnected(d.DeviceId) ? "[green]yes[/]" : "no",
                    presence.LastSeen(d.DeviceId)?.ToString("yyyy-MM-dd HH:mm:ss") ?? "");
            AnsiConsole.Write(table);
            Console.WriteLine($"{devices.Count} device(s)");
            return 0;
        }));
        return command;
    }

    private static Command Revoke()
    {
        var id = new Argument<string>("id") { Description = "The device to revoke; its live sessions are closed within seconds." };
        var command = new Command("revoke", "Revoke a device: its credentials stop working and its sessions are closed.") { id };
        command.SetAction((parse, ct) => RunAsync(async (registry, _) =>
        {
            var record = await registry.RevokeAsync(parse.GetValue(id)!, ct);
            Console.WriteLine($"Device {record.DeviceId} revoked.");
            return 0;
        }));
        return command;
    }

    private static Dictionary<string, string> ParseAttributes(IEnumerable<string> pairs)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var at = pair.IndexOf('=');
            if (at <= 0)
                throw new CliException($"--attr '{pair}' is not key=value.");
            attributes[pair[..at]] = pair[(at + 1)..];
        }
        return attributes;
    }

    private static Task<int> RunAsync(Func<DeviceRegistryClient, CancellationToken, Task<int>> action, bool issuesCertificates = false) =>
        CliRun.GuardAsync(async () =>
        {
            var configuration = CliConfiguration.Load();
            var kafka = CliConfiguration.Kafka(configuration) ?? throw new CliException(CliConfiguration.NotRunning);
            using var schemaRegistry = SchemaRegistryClients.Create(kafka);
            using var ca = issuesCertificates ? FleetCertificateAuthority.LoadOrCreate(Path.Combine(RepositoryPaths.StateDir, "ca")) : null;
            using var registry = new DeviceRegistryClient(CliKafka.Factory(kafka, "pipeline-devices"), schemaRegistry, ca)
            {
                Pepper = CliConfiguration.TokenPepper(configuration),
            };
            try
            {
                return await action(registry, CancellationToken.None);
            }
            catch (DeviceRegistryException e)
            {
                throw new CliException(e.Message);
            }
        });
}
