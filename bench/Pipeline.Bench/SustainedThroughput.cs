using System.Globalization;
using System.Text;

namespace Pipeline.Bench;

/// <summary>
/// The highest rate the whole pipeline holds: `simulate` publishes at rising rates, one step each, and a
/// step holds when devices were acknowledged at >= 95% of the asked rate and the backlog (messages
/// acknowledged minus rows visible in iot.telemetry) did not grow over the step's second half by more
/// than one second's worth. The search stops at the first step that does not hold; CPU per process
/// (from /proc, as a share of one core) over that step says where the bottleneck was.
/// </summary>
internal static class SustainedThroughput
{
    private const string Goal = "report";
    private static readonly string[] Services = ["Pipeline.MqttBridge", "Pipeline.RulesProcessor", "Pipeline.SinkWriter"];

    public static async Task<BenchResult> RunAsync(PipelineUp pipeline, IReadOnlyList<int> rates, TimeSpan step, int devices)
    {
        using var http = pipeline.ClickHouseHttp();
        var held = 0;
        StepResult? last = null;
        var tried = new List<int>();
        foreach (var rate in rates)
        {
            tried.Add(rate);
            last = await StepAsync(pipeline, http, rate, step, devices);
            Console.Error.WriteLine($"sustained: {rate:N0} msg/s -> {(last.Held ? "held" : "not held")} ({last.Detail}; CPU {last.Cpu})");
            if (!last.Held) break;
            held = rate;
            // Let the pipeline drain before the next step, so each step starts from no backlog.
            await WaitForBacklogAsync(http, last.Acknowledged + last.RowsBefore, TimeSpan.FromSeconds(60));
        }
        if (last is null)
            return BenchResult.Failed("sustained throughput", Goal, "no rate to try");
        var where = last.Held ? $"every rate tried held (up to {held:N0} msg/s)" : $"at {last.Rate:N0} msg/s: {last.Detail}";
        return new BenchResult($"sustained throughput (whole pipeline, {step.TotalSeconds:0} s steps)",
            held > 0 ? $"{held:N0} msg/s held" : "no rate held", $"rates tried: {string.Join(", ", tried.Select(r => r.ToString("N0", CultureInfo.InvariantCulture)))} msg/s",
            null, "highest rate with lag not growing; where the bottleneck was",
            $"`simulate --devices {devices}` for {step.TotalSeconds:0} s per rate; {where}; CPU over the last step (100% = one core): {last.Cpu}.");
    }

    private sealed record StepResult(int Rate, bool Held, string Detail, string Cpu, long Acknowledged, long RowsBefore);

    private static async Task<StepResult> StepAsync(PipelineUp pipeline, HttpClient http, int rate, TimeSpan step, int devices)
    {
        var rowsBefore = await RowsAsync(http);
        List<(string Name, int Pid)> pids = Services.Select(s => (Name: Short(s), Pid: pipeline.ServiceProcessId(s))).Where(p => p.Pid is not null)
            .Select(p => (p.Name, Pid: p.Pid!.Value)).Append((Name: "up (embedded Kafka, ClickHouse)", Pid: pipeline.UpProcessId)).ToList();
        await using var simulate = pipeline.StartSimulate("--devices", devices.ToString(CultureInfo.InvariantCulture),
            "--rate", rate.ToString(CultureInfo.InvariantCulture), "--duration", $"{(int)step.TotalSeconds}s", "--register");
        pids.Add(("simulator", simulate.Id));
        var cpuStart = pids.ToDictionary(p => p.Name, p => CpuSeconds(p.Pid));
        var clock = System.Diagnostics.Stopwatch.StartNew();

        // Backlog = what the devices were asked to send so far minus what is visible; sampled at half time and at the end.
        await Task.Delay(step / 2);
        var backlogMid = rate * clock.Elapsed.TotalSeconds - (await RowsAsync(http) - rowsBefore);
        await Task.Delay(step / 2);
        var backlogEnd = rate * clock.Elapsed.TotalSeconds - (await RowsAsync(http) - rowsBefore);
        var elapsed = clock.Elapsed.TotalSeconds;
        var cpu = string.Join(", ", pids.Select(p => $"{p.Name} {100 * (CpuSeconds(p.Pid) - cpuStart[p.Name]) / elapsed:0}%"));

        await simulate.WaitAsync(TimeSpan.FromMinutes(3));
        var summary = System.Text.Json.JsonDocument.Parse(simulate.Stdout.Trim().Split('\n').Last()).RootElement;
        var acknowledged = summary.GetProperty("acknowledged").GetInt64();
        var achieved = acknowledged / step.TotalSeconds;
        var growth = backlogEnd - backlogMid;
        var held = achieved >= 0.95 * rate && growth <= rate;
        var detail = $"{achieved:N0} msg/s acknowledged, backlog {Math.Max(0, backlogMid):N0} -> {Math.Max(0, backlogEnd):N0} messages over the second half";
        return new StepResult(rate, held, detail, cpu, acknowledged, rowsBefore);
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
    private static double CpuSeconds(int pid)
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
