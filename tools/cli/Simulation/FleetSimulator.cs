using Pipeline.EmbeddedStack.Credentials;
using Pipeline.ServiceDefaults;
using Pipeline.ServiceDefaults.Kafka;
using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using Confluent.SchemaRegistry;
using MQTTnet;
using MQTTnet.Formatter;
using Pipeline.DeviceRegistry;
using Pipeline.EmbeddedStack;
using Spectre.Console;

namespace Pipeline.Cli.Simulation;

/// <summary>Registers (when asked), connects and runs the simulated fleet, showing progress, and prints the summary.</summary>
public sealed class FleetSimulator(SimulationOptions options, string stateDir, TextWriter summaryOutput)
{
    public async Task<SimulationCounters> RunAsync(CancellationToken ct)
    {
        var endpoints = StackEndpoints.ReadLive(Path.Combine(stateDir, "endpoints.json"))
            ?? throw new CliException(CliConfiguration.NotRunning);
        var ids = Enumerable.Range(0, options.Devices).Select(options.DeviceId).ToList();
        var credentials = await CredentialsAsync(endpoints, ids, ct);

        var counters = new SimulationCounters();
        var start = DateTimeOffset.UtcNow.AddSeconds(1);
        var tasks = ids.Select((id, i) =>
        {
            var device = new SimulatedDevice(id, ClientOptions(endpoints, id, credentials[id]),
                new TelemetryGenerator(i, options.MalformedShare, options.DuplicateShare, seed: i), options, counters);
            var offset = options.IntervalPerDevice * i / options.Devices;
            return RunDeviceAsync(device, id, start, offset, counters, ct);
        }).ToList();

        var run = Task.WhenAll(tasks);
        await ProgressDisplay.ShowAsync(run, counters, options, ct);
        await run;
        if (counters.FailedDevices > 0)
            Console.Error.WriteLine($"error: {counters.FailedDevices} device(s) failed; first: {counters.FirstDeviceFailure}");
        Summary.Print(counters, options, summaryOutput);
        return counters;
    }

    private static async Task RunDeviceAsync(SimulatedDevice device, string id, DateTimeOffset start, TimeSpan offset,
        SimulationCounters counters, CancellationToken ct)
    {
        try
        {
            await device.RunAsync(start, offset, ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            counters.OnDeviceFailed(id, e);
        }
    }

    private async Task<Dictionary<string, FleetCredentials.Credential>> CredentialsAsync(StackEndpoints endpoints, List<string> ids, CancellationToken ct)
    {
        var store = new FleetCredentials(Path.Combine(stateDir, "simulator"));
        if (!options.Register)
        {
            var known = store.Load();
            var missing = ids.Where(id => !known.ContainsKey(id) || (options.Tls && known[id].CertificatePem is null)).ToList();
            if (missing.Count > 0)
                throw new CliException($"{missing.Count} simulated device(s) have no stored credentials (first: {missing[0]}); run with --register.", exitCode: 2);
            return known;
        }
        // The embedded Schema Registry takes registrations from its writer only (the run's credentials.json).
        var stackCredentials = StackCredentials.Read(stateDir);
        var writer = stackCredentials?.SchemaRegistry;
        using var schemaRegistry = SchemaRegistryClients.Create(new KafkaOptions
        {
            SchemaRegistryUrl = endpoints.SchemaRegistry, SchemaRegistryUsername = writer?.User ?? "", SchemaRegistryPassword = writer?.Password ?? "",
        });
        using var ca = options.Tls ? FleetCertificateAuthority.LoadOrCreate(Path.Combine(stateDir, "ca")) : null;
        using var registry = new DeviceRegistryClient(
            // The simulator runs against the embedded stack only (its endpoints file), which speaks PLAINTEXT.
            CliKafka.Factory(new KafkaOptions { BootstrapServers = endpoints.Kafka }, "pipeline-simulate"), schemaRegistry, ca)
        {
            // Keyed like the bridge's (credentials.json): simulated fleets connect without a slow hash.
            Pepper = stackCredentials?.TokenPepper is { Length: > 0 } pepper ? TokenPepper.FromSecret(pepper) : null,
        };
        var watch = Stopwatch.StartNew();
        Console.Error.WriteLine($"registering {ids.Count} device(s)...");
        var credentials = await store.EnsureRegisteredAsync(registry, ids, options.Tls, ct);
        Console.Error.WriteLine($"{ids.Count} device(s) ready in {watch.Elapsed.TotalSeconds:0.0} s");
        // The bridge follows the registry topic; give it a moment to see the new devices.
        await WaitForBridgeAsync(endpoints, ids[^1], credentials[ids[^1]], ct);
        return credentials;
    }

    /// <summary>
    /// Polls a connect of the last registered device until the bridge knows it (bounded). Each refused connect
    /// counts against this address in the bridge's throttle (Limits:FailedConnectsPerMinute, 30 by default), so
    /// the polls back off: about 15 in the 30 s, and a throttled answer ends the wait with that said.
    /// </summary>
    private async Task WaitForBridgeAsync(StackEndpoints endpoints, string id, FleetCredentials.Credential credential, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var pause = TimeSpan.FromMilliseconds(200);
        string last = "no answer";
        while (DateTime.UtcNow < deadline)
        {
            using var client = new MqttClientFactory().CreateMqttClient();
            try
            {
                var result = await client.ConnectAsync(ClientOptions(endpoints, id, credential), ct);
                if (result.ResultCode == MqttClientConnectResultCode.Success)
                {
                    await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), ct);
                    return;
                }
                last = $"{result.ResultCode} {result.ReasonString}";
                if (result.ResultCode == MqttClientConnectResultCode.ConnectionRateExceeded)
                    break;
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                last = e.Message;
            }
            await Task.Delay(pause, ct);
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
        }
        throw new CliException($"The bridge at {endpoints.Mqtt} did not accept the registered device {id} within 30 s (last answer: {last}).");
    }

    private MqttClientOptions ClientOptions(StackEndpoints endpoints, string id, FleetCredentials.Credential credential)
    {
        var address = options.Tls ? endpoints.Mqtts : endpoints.Mqtt;
        if (address is null) throw new CliException("The running pipeline has no MQTT endpoint (is it `./pipeline devstack`?). Start it with ./pipeline up.");
        var (host, port) = HostPort(address);
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(host, port)
            .WithClientId(id)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithCleanSession()
            .WithTimeout(TimeSpan.FromSeconds(15));
        if (!options.Tls)
            return builder.WithCredentials(id, credential.Token).Build();
        var ca = X509Certificate2.CreateFromPem(File.ReadAllText(endpoints.CaCert!));
        using var pem = X509Certificate2.CreateFromPem(credential.CertificatePem, credential.PrivateKeyPem);
        var clientCertificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        return builder.WithTlsOptions(tls =>
        {
            tls.UseTls();
            tls.WithTargetHost(host);
            tls.WithTrustChain([ca]);
            tls.WithRevocationMode(X509RevocationMode.NoCheck);
            tls.WithClientCertificates([clientCertificate]);
        }).Build();
    }

    private static (string Host, int Port) HostPort(string address)
    {
        var colon = address.LastIndexOf(':');
        return (address[..colon], int.Parse(address[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }
}
