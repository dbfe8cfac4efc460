using System.Globalization;
using System.Text;

namespace Pipeline.Cli.Simulation;

/// <summary>
/// One device's readings: a few metrics following slow sine curves with noise (each device with
/// its own phase and baseline), an increasing seq, and on request a share of malformed payloads
/// and of resends of the previous message (same seq, as after a lost PUBACK).
/// </summary>
public sealed class TelemetryGenerator(int deviceIndex, double malformedShare, double duplicateShare, int seed)
{
    private readonly Random _random = new(seed);
    private readonly double _phase = deviceIndex * 0.7;
    // A device's seq keeps growing across runs, as a real device's counter does (the pipeline drops a
    // (device, seq) it saw within its de-duplication window). A device sends at most 100 msg/s (the
    // bridge's default limit), so starting at 1000 x the start time in seconds never repeats one.
    private ulong _seq = (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds() * 1000;
    private SimulatedMessage? _previous;

    public SimulatedMessage Next(DateTimeOffset now)
    {
        if (_previous is not null && _random.NextDouble() < duplicateShare)
            return _previous with { IsDuplicate = true };
        if (_random.NextDouble() < malformedShare)
            return new SimulatedMessage(Encoding.UTF8.GetBytes("{\"temperature\": 21.5,"), 0, 0, false, true);

        _seq++;
        var t = now.ToUnixTimeMilliseconds() / 1000.0;
        var temperature = 21 + (deviceIndex % 7) + 3 * Math.Sin(t / 300 + _phase) + Noise(0.2);
        var humidity = 45 + 10 * Math.Sin(t / 900 + _phase) + Noise(1);
        var pressure = 1013 + 4 * Math.Sin(t / 1800 + _phase) + Noise(0.3);
        var json = string.Create(CultureInfo.InvariantCulture,
            $"{{\"ts\":{now.ToUnixTimeMilliseconds()},\"seq\":{_seq},\"temperature\":{temperature:F2},\"metrics\":{{\"humidity\":{humidity:F1},\"pressure\":{pressure:F1}}}}}");
        _previous = new SimulatedMessage(Encoding.UTF8.GetBytes(json), _seq, 3, false, false);
        return _previous;
    }

    private double Noise(double scale) => (_random.NextDouble() - 0.5) * 2 * scale;
}
