namespace Pipeline.EmbeddedStack.ClickHouse;

/// <summary>What one chDB query returned: the output bytes in the requested format and the engine's counters.</summary>
public sealed record ChdbResult(
    byte[] Data,
    TimeSpan Elapsed,
    ulong RowsRead,
    ulong BytesRead,
    ulong StorageRowsRead,
    ulong StorageBytesRead,
    ulong RowsWritten,
    ulong BytesWritten)
{
    public string Text => System.Text.Encoding.UTF8.GetString(Data);
}
