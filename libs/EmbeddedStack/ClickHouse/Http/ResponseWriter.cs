using System.Globalization;
using System.IO.Compression;
using Microsoft.AspNetCore.Http;

namespace Pipeline.EmbeddedStack.ClickHouse.Http;

/// <summary>Writes result bodies the way ClickHouse's HTTP interface does: content type per format, optional compression.</summary>
internal static class ResponseWriter
{
    public static string ContentTypeFor(string format)
    {
        if (format.StartsWith("TabSeparated", StringComparison.OrdinalIgnoreCase) || format.StartsWith("TSV", StringComparison.OrdinalIgnoreCase))
            return "text/tab-separated-values; charset=UTF-8";
        if (format.StartsWith("CSV", StringComparison.OrdinalIgnoreCase))
            return format.Contains("WithNames", StringComparison.OrdinalIgnoreCase)
                ? "text/csv; charset=UTF-8; header=present"
                : "text/csv; charset=UTF-8; header=absent";
        if (format.StartsWith("JSON", StringComparison.OrdinalIgnoreCase) || format.StartsWith("NDJSON", StringComparison.OrdinalIgnoreCase))
            return "application/json; charset=UTF-8";
        if (format.StartsWith("XML", StringComparison.OrdinalIgnoreCase))
            return "application/xml; charset=UTF-8";
        if (format.StartsWith("RowBinary", StringComparison.OrdinalIgnoreCase) || format.StartsWith("Native", StringComparison.OrdinalIgnoreCase)
            || format.StartsWith("Parquet", StringComparison.OrdinalIgnoreCase) || format.StartsWith("Arrow", StringComparison.OrdinalIgnoreCase)
            || format.StartsWith("ORC", StringComparison.OrdinalIgnoreCase) || format.StartsWith("Avro", StringComparison.OrdinalIgnoreCase))
            return "application/octet-stream";
        return "text/plain; charset=UTF-8";
    }

    /// <summary>X-ClickHouse-Summary: the query's counters as ClickHouse prints them (numbers as strings).</summary>
    public static string Summary(ChdbResult? result)
    {
        static string N(ulong value) => "\"" + value.ToString(CultureInfo.InvariantCulture) + "\"";
        if (result is null)
            return "{\"read_rows\":\"0\",\"read_bytes\":\"0\",\"written_rows\":\"0\",\"written_bytes\":\"0\",\"total_rows_to_read\":\"0\",\"result_rows\":\"0\",\"result_bytes\":\"0\",\"elapsed_ns\":\"0\"}";
        var elapsedNs = (ulong)(result.Elapsed.Ticks * 100);
        return $"{{\"read_rows\":{N(result.StorageRowsRead)},\"read_bytes\":{N(result.StorageBytesRead)},"
            + $"\"written_rows\":{N(result.RowsWritten)},\"written_bytes\":{N(result.BytesWritten)},"
            + $"\"total_rows_to_read\":{N(result.StorageRowsRead)},\"result_rows\":{N(result.RowsRead)},"
            + $"\"result_bytes\":{N((ulong)result.Data.Length)},\"elapsed_ns\":{N(elapsedNs)}}}";
    }

    /// <summary>
    /// The encoding ClickHouse would choose when the client enabled http compression: the first
    /// of gzip, deflate, br, zstd that the client accepts (ClickHouse checks them in that order).
    /// </summary>
    public static string? ChooseEncoding(HttpRequest request, bool enabled)
    {
        if (!enabled)
            return null;
        var accepted = request.Headers.AcceptEncoding.ToString();
        foreach (var candidate in (string[])["gzip", "deflate", "br", "zstd"])
            if (accepted.Contains(candidate, StringComparison.OrdinalIgnoreCase))
                return candidate;
        return null;
    }

    public static async Task WriteAsync(HttpResponse response, byte[] data, string? encoding, CancellationToken ct)
    {
        if (encoding is null || data.Length == 0)
        {
            response.ContentLength = data.Length;
            await response.Body.WriteAsync(data, ct);
            return;
        }
        response.Headers.ContentEncoding = encoding;
        using var compressed = new MemoryStream();
        await using (var stream = Compressor(encoding, compressed))
            await stream.WriteAsync(data, ct);
        response.ContentLength = compressed.Length;
        await response.Body.WriteAsync(compressed.GetBuffer().AsMemory(0, (int)compressed.Length), ct);
    }

    private static Stream Compressor(string encoding, Stream target) => encoding switch
    {
        "gzip" => new GZipStream(target, CompressionLevel.Fastest, leaveOpen: true),
        "deflate" => new ZLibStream(target, CompressionLevel.Fastest, leaveOpen: true),
        "br" => new BrotliStream(target, CompressionLevel.Fastest, leaveOpen: true),
        _ => new ZstdSharp.CompressionStream(target, level: 1, leaveOpen: true),
    };
}
