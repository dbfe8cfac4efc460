using System.Diagnostics;

namespace Pipeline.SinkWriter.Batching;

/// <summary>When a batch is full: by rows, by bytes or by age (see <see cref="SinkWriterOptions"/> for the defaults' source).</summary>
internal sealed record BatchLimits(int MaxRows, int MaxBytes, TimeSpan MaxAge)
{
    public static BatchLimits From(SinkWriterOptions options) => new(options.BatchMaxRows, options.BatchMaxBytes, options.BatchMaxAge);

    public bool IsFull(PendingBatch batch) => batch.Rows.Count >= MaxRows || batch.Bytes >= MaxBytes;

    public bool IsOld(PendingBatch batch, long nowTicks) =>
        Stopwatch.GetElapsedTime(batch.StartedTicks, nowTicks) >= MaxAge;
}
