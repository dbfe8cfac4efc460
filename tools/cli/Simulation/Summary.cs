namespace Pipeline.Cli.Simulation;

public static class Summary
{
    public static void Print(SimulationCounters counters, SimulationOptions options, TextWriter output)
    {
        output.WriteLine($"Simulated {options.Devices} device(s) for {options.Duration.TotalSeconds:0} s at {options.RatePerSecond:0} msg/s (QoS {options.Qos}{(options.Tls ? ", TLS" : "")}).");
        output.WriteLine($"  sent                       {counters.Sent} ({counters.DuplicatesSent} resends of an earlier seq, {counters.MalformedSent} malformed)");
        output.WriteLine($"  acknowledged               {counters.Acknowledged}");
        output.WriteLine($"  refused                    {counters.Refused}");
        output.WriteLine($"  failed (no answer)         {counters.Failed}{(counters.FirstFailure is { } f ? $"   first: {f}" : "")}");
        if (counters.FailedDevices > 0)
            output.WriteLine($"  devices that did not run   {counters.FailedDevices}   first: {counters.FirstDeviceFailure}");
        output.WriteLine($"  acknowledged metric values {counters.AcknowledgedMetricValues}   <- compare: ./pipeline query \"SELECT count() FROM iot.telemetry\" (after the pipeline drained)");
    }
}
