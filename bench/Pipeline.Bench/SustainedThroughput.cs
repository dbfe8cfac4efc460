using System.Globalization;
using System.Text;

namespace Pipeline.Bench;

/// <summary>
/// The whole pipeline's headroom (issue 17): the highest rate it holds, as a share of what Mosquitto acknowledges
/// with nobody subscribed, with the same load generator (<see cref="MqttLoad"/>: 8 connections x 100 QoS 1 in
/// flight) in the same run. Mosquitto's rate is measured first, unpaced; then the pipeline gets the same load paced
/// at rising shares of it, one step each. A step holds when the devices were acknowledged at >= 95% of the asked
/// rate and the backlog (messages asked for minus rows visible in iot.telemetry) did not grow over the step's second
/// half by more than one second's worth. The search stops at the first step that does not hold; CPU per process
/// (from /proc, as a share of one core) over that step says where the bottleneck was. One more step halfway between
/// the last rate held and the first not held narrows the answer.
/// </summary>
internal static class SustainedThroughput
{
    private const string Goal = ">= 0.60x Mosquitto (no subscriber)";
    private static readonly string[] Services = ["Pipeline.MqttBridge", "Pipeline.RulesProcessor", "Pipeline.SinkWriter"];

    /// <summary>The result, and the rate held (0 when none), for the latency part that follows at half of it.</summary>
    public static async Task<(BenchResult Result, int Held)> RunAsync(PipelineUp pipeline, IReadOnlyList<double> shares, TimeSpan step, TimeSpan referenceRun)
    {
        var name = $"sustained throughput (whole pipeline, {step.TotalSeconds:0} s steps)";
        var devices = pipeline.SimulatorTokens().OrderBy(t => t.Key).Take(BridgeVsMosquitto.Connections).Select(t => (t.Key, (string?)t.Value)).ToList();
        if (devices.Count < BridgeVsMosquitto.Connections)
            return (BenchResult.Failed(name, Goal, $"only {devices.Count} registered devices"), 0);
        Console.Error.WriteLine($"sustained: Mosquitto with no subscriber, unpaced, {referenceRun.TotalSeconds:0} s");
        var mosquitto = await BridgeVsMosquitto.MosquittoAsync(devices.Select(d => (d.Key, (string?)null)).ToList(), referenceRun, subscriber: false);
        using var http = pipeline.ClickHouseHttp();
        var held = 0;
        StepResult? last = null;
        var tried = new List<int>();
        async Task<StepResult> TryAsync(int rate)
        {
            tried.Add(rate);
            var result = await StepAsync(pipeline, http, devices, rate, step);
            Console.Error.WriteLine($"sustained: {rate:N0} msg/s ({rate / mosquitto.PerSecond:0.00}x Mosquitto) -> {(result.Held ? "held" : "not held")} ({result.Detail}; CPU {result.Cpu})");
            // Each step starts drained; the last one too, for the latency part that follows.
            await WaitForBacklogAsync(http, result.Acknowledged + result.RowsBefore, TimeSpan.FromSeconds(90));
            return result;
        }
        foreach (var share in shares)
        {
            var rate = (int)Math.Round(share * mosquitto.PerSecond / 100) * 100;
            last = await TryAsync(rate);
            if (!last.Held) break;
            held = rate;
        }
        if (last is null)
            return (BenchResult.Failed(name, Goal, "no rate to try"), 0);
        // The steps are a tenth of Mosquitto's rate apart; one more step halfway narrows the answer to a twentieth.
        var halfway = (int)Math.Round((held + last.Rate) / 200.0) * 100;
        if (!last.Held && held > 0 && halfway > held && halfway < last.Rate)
        {
            var between = await TryAsync(halfway);
            if (between.Held) held = halfway;
            else last = between;
        }
        var where = last.Held ? $"every rate tried held (up to {held:N0} msg/s)" : $"at {last.Rate:N0} msg/s: {last.Detail}";
        return (new BenchResult(name,
            held > 0 ? $"{held:N0} msg/s held" : "no rate held", $"{mosquitto.PerSecond:N0} msg/s (Mosquitto, no subscriber)",
            held / mosquitto.PerSecond, Goal,
            $"the same load generator for both ({BridgeVsMosquitto.Connections} MQTT 5 connections x {BridgeVsMosquitto.InFlight} QoS 1 in flight, paced for the pipeline); " +
            $"rates tried: {string.Join(", ", tried.Select(r => r.ToString("N0", CultureInfo.InvariantCulture)))} msg/s; {where}; " +
            $"CPU over the last step (100% = one core): {last.Cpu}."), held);
    }

    private sealed record StepResult(int Rate, bool Held, string Detail, string Cpu, long Acknowledged, long RowsBefore);

    private static async Task<StepResult> StepAsync(PipelineUp pipeline, HttpClient http, IReadOnlyList<(string, string?)> devices, int rate, TimeSpan step)
    {
        var rowsBefore = await RowsAsync(http);
        var pids = Services.Select(s => (Name: Short(s), Pid: pipeline.ServiceProcessId(s))).Where(p => p.Pid is not null)
            .Select(p => (p.Name, Pid: p.Pid!.Value)).Append((Name: "up (embedded Kafka, ClickHouse)", Pid: pipeline.UpProcessId))
            .Append((Name: "load generator", Pid: Environment.ProcessId)).ToList();
        var cpuStart = pids.ToDictionary(p => p.Name, p => CpuSeconds(p.Pid));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var load = MqttLoad.RunAsync("pipeline", pipeline.MqttPort, devices, BridgeVsMosquitto.InFlight, step, rate);

        // Backlog = what the devices were asked to send so far minus what is visible; sampled at half time and at the end.
        await Task.Delay(step / 2);
        var backlogMid = rate * clock.Elapsed.TotalSeconds - (await RowsAsync(http) - rowsBefore);
        var result = await load;
        var backlogEnd = rate * clock.Elapsed.TotalSeconds - (await RowsAsync(http) - rowsBefore);
        var elapsed = clock.Elapsed.TotalSeconds;
        var cpu = string.Join(", ", pids.Select(p => $"{p.Name} {100 * (CpuSeconds(p.Pid) - cpuStart[p.Name]) / elapsed:0}%"));

        var achieved = result.PerSecond;
        var growth = backlogEnd - backlogMid;
        var held = achieved >= 0.95 * rate && growth <= rate && result.Refused == 0;
        var detail = $"{achieved:N0} msg/s acknowledged ({result.Refused:N0} refused), backlog {Math.Max(0, backlogMid):N0} -> {Math.Max(0, backlogEnd):N0} messages over the second half";
        return new StepResult(rate, held, detail, cpu, result.Acknowledged, rowsBefore);
    }

    private static async Task WaitForBacklogAsync(HttpClient http, long rows, TimeSpan timeout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (await RowsAsync(http) < rows && clock.Elapsed < timeout)
            await Task.Delay(500);
    }

    /// <summary>Rows of the temperature metric (one per message) in iot.telemetry; -1 when ClickHouse does not answer.</summary>
    private static async Task<long> RowsAsync(HttpClient http)
    {
        try
        {
            using var response = await http.PostAsync("/", new StringContent("SELECT count() FROM iot.telemetry WHERE metric = 'temperature' FORMAT TabSeparated", Encoding.UTF8));
            return response.IsSuccessStatusCode && long.TryParse((await response.Content.ReadAsStringAsync()).Trim(), out var n) ? n : -1;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return -1;
        }
    }

    /// <summary>User + system CPU seconds of a process (/proc/PID/stat fields 14 and 15, in clock ticks of 1/100 s).</summary>
    internal static double CpuSeconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    private static string Short(string assembly) => assembly switch
    {
        "Pipeline.MqttBridge" => "bridge",
        "Pipeline.RulesProcessor" => "processor",
        _ => "sink",
    };
}
