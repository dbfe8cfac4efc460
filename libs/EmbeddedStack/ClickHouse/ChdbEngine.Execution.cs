using System.Runtime.InteropServices;
using System.Text;

namespace Pipeline.EmbeddedStack.ClickHouse;

/// <summary>The calls into libchdb for one statement; callers hold the engine's lock.</summary>
public sealed unsafe partial class ChdbEngine
{
    private void UseDatabase(string database)
    {
        if (database == _currentDatabase)
            return;
        Run($"USE `{database.Replace("`", "``", StringComparison.Ordinal)}`", "TabSeparated", []);
        _currentDatabase = database;
    }

    private ChdbResult Run(string sql, string format, IReadOnlyList<KeyValuePair<string, string>> parameters)
    {
        var query = Encoding.UTF8.GetBytes(sql);
        var fmt = Encoding.UTF8.GetBytes(format);
        nint result;
        fixed (byte* q = query)
        fixed (byte* f = fmt)
        {
            result = parameters.Count == 0
                ? _native.Query(_connection, q, (nuint)query.Length, f, (nuint)fmt.Length)
                : QueryWithParameters(q, query.Length, f, fmt.Length, parameters);
        }
        if (result == 0)
            throw new ChdbQueryException("Code: 1001. DB::Exception: chDB returned no result for the query. (STD_EXCEPTION)");
        try
        {
            var error = _native.Error(result);
            if (error is not null)
                throw new ChdbQueryException(Marshal.PtrToStringUTF8((nint)error) ?? "unknown chDB error");
            var length = checked((int)_native.Length(result));
            var buffer = _native.Buffer(result);
            var data = length == 0 || buffer is null ? [] : new ReadOnlySpan<byte>(buffer, length).ToArray();
            return new ChdbResult(
                data,
                TimeSpan.FromSeconds(_native.Elapsed(result)),
                _native.RowsRead(result),
                _native.BytesRead(result),
                _native.StorageRowsRead(result),
                _native.StorageBytesRead(result),
                _native.RowsWritten(result),
                _native.BytesWritten(result));
        }
        finally
        {
            _native.Destroy(result);
        }
    }

    private nint QueryWithParameters(byte* query, int queryLength, byte* format, int formatLength, IReadOnlyList<KeyValuePair<string, string>> parameters)
    {
        var count = parameters.Count;
        var handles = new List<GCHandle>(count * 2);
        var names = stackalloc byte*[count];
        var nameLengths = stackalloc nuint[count];
        var values = stackalloc byte*[count];
        var valueLengths = stackalloc nuint[count];
        try
        {
            for (var i = 0; i < count; i++)
            {
                var name = Encoding.UTF8.GetBytes(parameters[i].Key);
                var value = Encoding.UTF8.GetBytes(parameters[i].Value);
                var nameHandle = GCHandle.Alloc(name, GCHandleType.Pinned);
                handles.Add(nameHandle);
                var valueHandle = GCHandle.Alloc(value, GCHandleType.Pinned);
                handles.Add(valueHandle);
                names[i] = (byte*)nameHandle.AddrOfPinnedObject();
                nameLengths[i] = (nuint)name.Length;
                values[i] = (byte*)valueHandle.AddrOfPinnedObject();
                valueLengths[i] = (nuint)value.Length;
            }
            return _native.QueryWithParams(_connection, query, (nuint)queryLength, format, (nuint)formatLength,
                names, nameLengths, values, valueLengths, (nuint)count);
        }
        finally
        {
            foreach (var handle in handles)
                handle.Free();
        }
    }
}
