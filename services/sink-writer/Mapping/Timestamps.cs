using Pipeline.Contracts;

namespace Pipeline.SinkWriter.Mapping;

/// <summary>Epoch milliseconds to the UTC DateTime that ClickHouse.Driver writes into DateTime64(3, 'UTC').</summary>
internal static class Timestamps
{
    // DateTime64's documented range is 1900-01-01 .. 2299-12-31; outside it ClickHouse would store a wrapped value.
    private static readonly long MinMs = new DateTimeOffset(1900, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    private static readonly long MaxMs = new DateTimeOffset(2299, 12, 31, 23, 59, 59, 999, TimeSpan.Zero).ToUnixTimeMilliseconds();

    public static DateTime FromUnixMs(long ms, string field) =>
        ms < MinMs || ms > MaxMs
            ? throw new RowMappingException(RejectedMessage.Types.Reason.TimestampOutOfRange,
                $"{field} = {ms} ms is outside DateTime64's range (1900-01-01 .. 2299-12-31).")
            : DateTime.UnixEpoch.AddMilliseconds(ms);
}
