namespace Pipeline.RulesProcessor.Modules.Window;

/// <summary>
/// A partition's time on the bridge's receive clock, read at each wall-clock tick: the latest receive time while
/// records arrive, moving on with the wall clock once they stop.
/// </summary>
/// <remarks>
/// Not the wall clock itself: a processor working through a backlog (after an outage) sees receive times minutes
/// old, and closing windows on the wall clock then would make the backlog's own records late. While records are
/// processed between two ticks the clock is their receive time (stream time); only a partition that got nothing
/// since the last tick moves on by the wall time passed since. No clock read per record: the wall time comes
/// from the tick. Monotonic.
/// </remarks>
internal sealed class PartitionClock
{
    private long _maxReceivedMs;
    private long _anchorReceivedMs = long.MinValue;
    private long _anchorWallMs;
    private long _nowMs;

    /// <summary>The clock's value at the last tick.</summary>
    public long NowMs => _nowMs;

    /// <summary>A record's receive time (per record: a comparison, nothing more).</summary>
    public void Saw(long receivedMs)
    {
        if (receivedMs > _maxReceivedMs)
            _maxReceivedMs = receivedMs;
    }

    /// <summary>At a start: where the clock stood when the previous run last kept it.</summary>
    public void Resume(long nowMs)
    {
        Saw(nowMs);
        _nowMs = Math.Max(_nowMs, nowMs);
    }

    /// <summary>At a wall-clock tick: the partition's time now (0 until anything was received).</summary>
    public long Tick(long wallMs)
    {
        if (_maxReceivedMs == 0)
            return 0;
        long now;
        if (_maxReceivedMs != _anchorReceivedMs)
        {
            (_anchorReceivedMs, _anchorWallMs) = (_maxReceivedMs, wallMs);
            now = _maxReceivedMs;
        }
        else
            now = _anchorReceivedMs + Math.Max(0, wallMs - _anchorWallMs);
        _nowMs = Math.Max(_nowMs, now);
        return _nowMs;
    }
}
