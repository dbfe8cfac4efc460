using System.Runtime.InteropServices;

namespace Pipeline.EmbeddedStack.ClickHouse;

/// <summary>
/// The chDB "v2 connection API" (chdb.h) bound through function pointers resolved from the
/// libchdb.so the caller names, so no DllImport search path or resolver is involved.
/// Signatures follow chdb.h: chdb_connect returns a chdb_connection* (pointer to the handle),
/// the query functions take the handle itself, results are opaque chdb_result*.
/// </summary>
internal sealed unsafe class ChdbNative
{
    private readonly delegate* unmanaged<int, byte**, nint> _connect;
    private readonly delegate* unmanaged<nint, void> _closeConn;
    private readonly delegate* unmanaged<nint, byte*, nuint, byte*, nuint, nint> _queryN;
    private readonly delegate* unmanaged<nint, byte*, nuint, byte*, nuint, byte**, nuint*, byte**, nuint*, nuint, nint> _queryWithParamsN;
    private readonly delegate* unmanaged<nint, byte*> _resultBuffer;
    private readonly delegate* unmanaged<nint, nuint> _resultLength;
    private readonly delegate* unmanaged<nint, byte*> _resultError;
    private readonly delegate* unmanaged<nint, double> _resultElapsed;
    private readonly delegate* unmanaged<nint, ulong> _resultRowsRead;
    private readonly delegate* unmanaged<nint, ulong> _resultBytesRead;
    private readonly delegate* unmanaged<nint, ulong> _resultStorageRowsRead;
    private readonly delegate* unmanaged<nint, ulong> _resultStorageBytesRead;
    private readonly delegate* unmanaged<nint, ulong> _resultRowsWritten;
    private readonly delegate* unmanaged<nint, ulong> _resultBytesWritten;
    private readonly delegate* unmanaged<nint, void> _destroyResult;

    public ChdbNative(nint library)
    {
        _connect = (delegate* unmanaged<int, byte**, nint>)Export(library, "chdb_connect");
        _closeConn = (delegate* unmanaged<nint, void>)Export(library, "chdb_close_conn");
        _queryN = (delegate* unmanaged<nint, byte*, nuint, byte*, nuint, nint>)Export(library, "chdb_query_n");
        _queryWithParamsN = (delegate* unmanaged<nint, byte*, nuint, byte*, nuint, byte**, nuint*, byte**, nuint*, nuint, nint>)Export(library, "chdb_query_with_params_n");
        _resultBuffer = (delegate* unmanaged<nint, byte*>)Export(library, "chdb_result_buffer");
        _resultLength = (delegate* unmanaged<nint, nuint>)Export(library, "chdb_result_length");
        _resultError = (delegate* unmanaged<nint, byte*>)Export(library, "chdb_result_error");
        _resultElapsed = (delegate* unmanaged<nint, double>)Export(library, "chdb_result_elapsed");
        _resultRowsRead = (delegate* unmanaged<nint, ulong>)Export(library, "chdb_result_rows_read");
        _resultBytesRead = (delegate* unmanaged<nint, ulong>)Export(library, "chdb_result_bytes_read");
        _resultStorageRowsRead = (delegate* unmanaged<nint, ulong>)Export(library, "chdb_result_storage_rows_read");
        _resultStorageBytesRead = (delegate* unmanaged<nint, ulong>)Export(library, "chdb_result_storage_bytes_read");
        _resultRowsWritten = (delegate* unmanaged<nint, ulong>)Export(library, "chdb_result_rows_written");
        _resultBytesWritten = (delegate* unmanaged<nint, ulong>)Export(library, "chdb_result_bytes_written");
        _destroyResult = (delegate* unmanaged<nint, void>)Export(library, "chdb_destroy_query_result");
    }

    private static nint Export(nint library, string name) =>
        NativeLibrary.TryGetExport(library, name, out var address)
            ? address
            : throw new EntryPointNotFoundException($"libchdb does not export {name}; the engine version does not match the v2 connection API this binding expects.");

    /// <summary>Returns the chdb_connection* (0 on failure).</summary>
    public nint Connect(int argc, byte** argv) => _connect(argc, argv);

    public void Close(nint connectionPointer) => _closeConn(connectionPointer);

    public nint Query(nint connection, byte* query, nuint queryLength, byte* format, nuint formatLength) =>
        _queryN(connection, query, queryLength, format, formatLength);

    public nint QueryWithParams(nint connection, byte* query, nuint queryLength, byte* format, nuint formatLength,
        byte** names, nuint* nameLengths, byte** values, nuint* valueLengths, nuint count) =>
        _queryWithParamsN(connection, query, queryLength, format, formatLength, names, nameLengths, values, valueLengths, count);

    public byte* Buffer(nint result) => _resultBuffer(result);
    public nuint Length(nint result) => _resultLength(result);
    public byte* Error(nint result) => _resultError(result);
    public double Elapsed(nint result) => _resultElapsed(result);
    public ulong RowsRead(nint result) => _resultRowsRead(result);
    public ulong BytesRead(nint result) => _resultBytesRead(result);
    public ulong StorageRowsRead(nint result) => _resultStorageRowsRead(result);
    public ulong StorageBytesRead(nint result) => _resultStorageBytesRead(result);
    public ulong RowsWritten(nint result) => _resultRowsWritten(result);
    public ulong BytesWritten(nint result) => _resultBytesWritten(result);
    public void Destroy(nint result) => _destroyResult(result);
}
