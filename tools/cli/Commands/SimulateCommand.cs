using System.CommandLine;
using System.Text.Json;
using Pipeline.Cli.Simulation;

namespace Pipeline.Cli.Commands;

/// <summary>`./pipeline simulate`: a fleet of devices publishing telemetry to the running pipeline.</summary>
public static class SimulateCommand
{
    public static Command Create()
    {
        var devices = new Option<int>("--devices") { Description = "Number of devices, each with its own connection.", DefaultValueFactory = _ => 10 };
        var rate = new Option<double>("--rate") { Description = "Total messages per second over the whole fleet.", DefaultValueFactory = _ => 100 };
        var duration = new Option<string>("--duration") { Description = "How long to publish, e.g. 30s, 5m.", DefaultValueFactory = _ => "60s" };
        var qos = new Option<int>("--qos") { Description = "MQTT QoS of the publishes (0 or 1).", DefaultValueFactory = _ => 1 };
        var tls = new Option<bool>("--tls") { Description = "Connect on the TLS port with issued client certificates." };
        var register = new Option<bool>("--register") { Description = "First add the simulated devices (sim-00001, ...) to the registry." };
        var json = new Option<bool>("--json") { Description = "End with one JSON line: {\"sent\",\"acknowledged\",\"refused\",\"acknowledgedMetricValues\"}." };
        var prefix = new Option<string>("--prefix") { Description = "Device id prefix.", DefaultValueFactory = _ => "sim-" };
        var malformed = new Option<double>("--malformed") { Description = "Share of malformed payloads (0..1); the bridge refuses them.", DefaultValueFactory = _ => 0 };
        var duplicates = new Option<double>("--duplicates") { Description = "Share of resends of the previous message with the same seq (0..1).", DefaultValueFactory = _ => 0 };
        var command = new Command("simulate", "Simulate a device fleet publishing telemetry to the running pipeline.")
            { devices, rate, duration, qos, tls, register, json, prefix, malformed, duplicates };
        command.SetAction((parse, ct) => CliRun.GuardAsync(async () =>
        {
            var options = new SimulationOptions(parse.GetValue(devices), parse.GetValue(rate), DurationParser.Parse(parse.GetValue(duration)!),
                parse.GetValue(qos), parse.GetValue(tls), parse.GetValue(register), parse.GetValue(prefix)!,
                parse.GetValue(malformed), parse.GetValue(duplicates));
            var problems = options.Validate().ToList();
            if (problems.Count > 0) throw new CliException(string.Join(Environment.NewLine, problems), exitCode: 2);

            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
            var counters = await new FleetSimulator(options, RepositoryPaths.StateDir, parse.GetValue(json) ? Console.Error : Console.Out).RunAsync(cts.Token);
            if (parse.GetValue(json))
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    sent = counters.Sent,
                    acknowledged = counters.Acknowledged,
                    refused = counters.Refused,
                    acknowledgedMetricValues = counters.AcknowledgedMetricValues,
                }));
            return counters.Failed > 0 || counters.FailedDevices > 0 ? 1 : 0;
        }));
        return command;
    }
}

public static class DurationParser
{
    /// <summary>"90s", "5m", "1h", "500ms" or a TimeSpan ("00:01:30").</summary>
    public static TimeSpan Parse(string text)
    {
        text = text.Trim();
        (string Suffix, double Seconds)[] units = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)];
        foreach (var (suffix, seconds) in units)
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && double.TryParse(text[..^suffix.Length], System.Globalization.CultureInfo.InvariantCulture, out var value))
                return TimeSpan.FromSeconds(value * seconds);
        return TimeSpan.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var span)
            ? span
            : throw new CliException($"--duration '{text}' is not a duration (e.g. 30s, 5m, 1h).", exitCode: 2);
    }
}
