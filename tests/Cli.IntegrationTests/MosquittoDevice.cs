using System.Diagnostics;
using System.Text;
using Pipeline.TestSupport;

namespace Pipeline.Cli.IntegrationTests;

/// <summary>
/// mosquitto_sub as a device, running in the background with -d (debug) and -v, so a test can wait for its SUBACK and
/// see each PUBLISH it receives with its flags ("received PUBLISH (d0, q1, r1, ...)") followed by "topic payload".
/// </summary>
public sealed class MosquittoDevice : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _lock = new();

    private MosquittoDevice(Process process) => _process = process;

    public string Output { get { lock (_lock) return _output.ToString(); } }

    public static async Task<MosquittoDevice> SubscribeAsync(IEnumerable<string> connectArgs, string topic, params string[] extraArgs)
    {
        // stdbuf: mosquitto_sub's debug lines go through stdio, which buffers them fully when stdout is a pipe.
        var start = new ProcessStartInfo("stdbuf") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-oL", "mosquitto_sub" }.Concat(connectArgs).Concat(["-V", "mqttv5", "-q", "1", "-d", "-v", "-t", topic]).Concat(extraArgs))
            start.ArgumentList.Add(a);
        var process = new Process { StartInfo = start };
        var device = new MosquittoDevice(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (device._lock) device._output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (device._lock) device._output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await device.WaitForAsync(o => o.Contains("received SUBACK"), "mosquitto_sub subscribed");
        return device;
    }

    /// <summary>Waits until the output so far satisfies <paramref name="condition"/> (or mosquitto_sub exited).</summary>
    public async Task WaitForAsync(Func<string, bool> condition, string what)
    {
        await Eventually.HoldsAsync(() => condition(Output) || _process.HasExited, TimeSpan.FromSeconds(45), what);
        Assert.True(condition(Output), $"{what}; mosquitto_sub exited early: {Output}");
    }

    /// <summary>SIGKILL: the connection drops without DISCONNECT, as when a device loses power.</summary>
    public void Kill()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill();
        _process.Dispose();
    }
}
