using System.IO.Compression;
using Microsoft.AspNetCore.Http;

namespace Pipeline.EmbeddedStack.ClickHouse.Http;

/// <summary>
/// The request body as ClickHouse reads it: decompressed per Content-Encoding. ClickHouse.Driver
/// compresses insert bodies with zstd by default (lz4 on request) and other bodies with gzip.
/// </summary>
internal static class RequestBody
{
    public static Stream Open(HttpRequest request)
    {
        var encoding = request.Headers.ContentEncoding.ToString().Trim();
        var body = request.Body;
        return encoding.ToLowerInvariant() switch
        {
            "" or "identity" => body,
            "gzip" or "x-gzip" => new GZipStream(body, CompressionMode.Decompress, leaveOpen: true),
            // ClickHouse's "deflate" is the zlib format (RFC 1950).
            "deflate" => new ZLibStream(body, CompressionMode.Decompress, leaveOpen: true),
            "br" or "brotli" => new BrotliStream(body, CompressionMode.Decompress, leaveOpen: true),
            "zstd" => new ZstdSharp.DecompressionStream(body, leaveOpen: true),
            // ClickHouse's "lz4" is the LZ4 frame format.
            "lz4" => K4os.Compression.LZ4.Streams.LZ4Stream.Decode(body, leaveOpen: true),
            _ => throw new ChdbQueryException(
                $"Code: 48. DB::Exception: Unknown HTTP Content-Encoding '{encoding}': this server reads gzip, deflate, br, zstd and lz4. (NOT_IMPLEMENTED)"),
        };
    }
}
