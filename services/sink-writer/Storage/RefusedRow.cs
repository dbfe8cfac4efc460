namespace Pipeline.SinkWriter.Storage;

/// <summary>A row of a batch that ClickHouse refused on its own, with ClickHouse's message.</summary>
internal sealed record RefusedRow(int Row, string Message);
