using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Pipeline.EmbeddedStack.ClickHouse;

/// <summary>
/// The ClickHouse engine in this process (chDB). chDB keeps one storage path per process and
/// one connection runs one statement at a time, so there is one engine per process and every
/// call is serialised on a lock.
/// </summary>
public sealed unsafe partial class ChdbEngine : IDisposable
{
    private const string DefaultDatabase = "default";

    private static readonly Lock s_processLock = new();
    private static ChdbEngine? s_open;

    private readonly Lock _lock = new();
    private readonly ChdbNative _native;
    private readonly nint _connectionPointer;
    private readonly nint _connection;
    private readonly string _insertFileDirectory;
    private string _currentDatabase = DefaultDatabase;
    private long _insertFileCounter;
    private bool _disposed;

    private ChdbEngine(ChdbNative native, nint connectionPointer, string dataDirectory)
    {
        _native = native;
        _connectionPointer = connectionPointer;
        _connection = Marshal.ReadIntPtr(connectionPointer);
        DataDirectory = dataDirectory;
        _insertFileDirectory = Path.Combine(dataDirectory, "insert-bodies");
        Directory.CreateDirectory(_insertFileDirectory);
        foreach (var stale in Directory.EnumerateFiles(_insertFileDirectory))
            File.Delete(stale);
        Version = Query("SELECT version()", "TabSeparated").Text.Trim();
        Timezone = Query("SELECT timezone()", "TabSeparated").Text.Trim();
    }

    public string DataDirectory { get; }

    /// <summary>The engine's ClickHouse version, e.g. "26.5.3.1".</summary>
    public string Version { get; }

    /// <summary>The engine's server time zone (what ClickHouse reports in X-ClickHouse-Timezone).</summary>
    public string Timezone { get; }

    /// <summary>Loads libchdb.so and opens the engine on <paramref name="dataDirectory"/> (created if missing).</summary>
    public static ChdbEngine Open(string libraryPath, string dataDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(libraryPath);
        ArgumentException.ThrowIfNullOrEmpty(dataDirectory);
        if (!File.Exists(libraryPath))
            throw new FileNotFoundException($"The chDB engine library is not at {libraryPath}. Run ./pipeline once to fetch it.", libraryPath);
        dataDirectory = Path.GetFullPath(dataDirectory);
        lock (s_processLock)
        {
            if (s_open is not null)
                throw new InvalidOperationException(
                    $"chDB is already open in this process on {s_open.DataDirectory}; it allows one engine per process. Share that ChdbEngine instead.");
            Directory.CreateDirectory(dataDirectory);
            var native = new ChdbNative(NativeLibrary.Load(libraryPath));
            var connectionPointer = Connect(native, dataDirectory);
            s_open = new ChdbEngine(native, connectionPointer, dataDirectory);
            return s_open;
        }
    }

    private static nint Connect(ChdbNative native, string dataDirectory)
    {
        // The access config fences the engine in (no file(), url(), remote(), SYSTEM, ...): see ChdbAccessConfig.
        string[] args = ["clickhouse", $"--path={dataDirectory}", $"--config-file={ChdbAccessConfig.Write(dataDirectory)}"];
        var encoded = args.Select(a => Marshal.StringToCoTaskMemUTF8(a)).ToArray();
        var saved = SignalDispositions.Save();
        try
        {
            fixed (nint* argv = encoded)
            {
                var connection = native.Connect(args.Length, (byte**)argv);
                if (connection == 0 || Marshal.ReadIntPtr(connection) == 0)
                    throw new InvalidOperationException($"chdb_connect failed for data directory {dataDirectory} (is another process using it?).");
                return connection;
            }
        }
        finally
        {
            // Before anything else runs managed code that could fault: see SignalDispositions.
            SignalDispositions.Restore(saved);
            foreach (var p in encoded)
                Marshal.FreeCoTaskMem(p);
        }
    }

    /// <summary>Runs one statement in the default database; output in <paramref name="format"/>.</summary>
    public ChdbResult Query(string sql, string format = "TabSeparated") => Query(sql, format, ChdbQueryOptions.None);

    /// <summary>
    /// Runs one statement with the request context ClickHouse's HTTP interface would give it:
    /// current database, query-level settings (undone afterwards) and bound parameters.
    /// </summary>
    public ChdbResult Query(string sql, string format, ChdbQueryOptions options)
    {
        ArgumentNullException.ThrowIfNull(sql);
        ArgumentException.ThrowIfNullOrEmpty(format);
        ArgumentNullException.ThrowIfNull(options);
        foreach (var (name, _) in options.Settings)
            RequireSettingName(name);

        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            UseDatabase(options.Database ?? DefaultDatabase);
            var applied = 0;
            try
            {
                foreach (var (name, value) in options.Settings)
                {
                    Run($"SET {name} = {Quote(value)}", "TabSeparated", []);
                    applied++;
                }
                return Run(sql, format, options.Parameters);
            }
            finally
            {
                // The connection is shared by every caller: a setting must not outlive its query.
                foreach (var (name, _) in options.Settings.Take(applied))
                    Run($"SET {name} = DEFAULT", "TabSeparated", []);
            }
        }
    }

    /// <summary>
    /// Inserts <paramref name="data"/> (encoded in <paramref name="format"/>) through a file:
    /// <c>{insertInto} FROM INFILE '...' [SETTINGS ...] FORMAT {format}</c>. chDB cuts data
    /// inlined after FORMAT in the query text short, so bodies always go through a file.
    /// </summary>
    /// <param name="insertInto">"INSERT INTO db.table (col, ...)" without FROM/FORMAT.</param>
    /// <param name="settingsClause">Optional "SETTINGS a = 1, b = 'x'" placed before FORMAT.</param>
    public ChdbResult Insert(string insertInto, string format, ReadOnlySpan<byte> data, string? settingsClause = null, ChdbQueryOptions? options = null)
    {
        var file = NewInsertFilePath();
        try
        {
            using (var stream = new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
                stream.Write(data);
            return InsertFromFile(insertInto, file, format, compression: null, settingsClause, options);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>Inserts the contents of an existing file (optionally compressed: 'gzip', 'zstd', ...).</summary>
    public ChdbResult InsertFromFile(string insertInto, string filePath, string format, string? compression = null, string? settingsClause = null, ChdbQueryOptions? options = null)
    {
        var sql = new StringBuilder(insertInto.TrimEnd())
            .Append(" FROM INFILE ").Append(Quote(filePath));
        if (compression is not null)
            sql.Append(" COMPRESSION ").Append(Quote(compression));
        if (!string.IsNullOrWhiteSpace(settingsClause))
            sql.Append(' ').Append(settingsClause.Trim());
        sql.Append(" FORMAT ").Append(format);
        return Query(sql.ToString(), "TabSeparated", options ?? ChdbQueryOptions.None);
    }

    /// <summary>A fresh path for an insert body; the caller writes it, inserts it and deletes it.</summary>
    public string NewInsertFilePath() =>
        Path.Combine(_insertFileDirectory, $"{Environment.ProcessId}-{Interlocked.Increment(ref _insertFileCounter)}.bin");

    /// <summary>A ClickHouse string literal: quotes and backslashes escaped.</summary>
    public static string Quote(string value) =>
        "'" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";

    /// <summary>Returns <paramref name="name"/> if it can be a setting name; settings are spliced into SQL, so anything else is refused.</summary>
    public static string RequireSettingName(string name) =>
        SettingName().IsMatch(name)
            ? name
            : throw new ChdbQueryException($"Code: 115. DB::Exception: Unknown setting '{name}'. (UNKNOWN_SETTING)");

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
                return;
            _disposed = true;
            // Shutting the engine down may touch signal handlers as connecting does; keep .NET's.
            var saved = SignalDispositions.Save();
            try { _native.Close(_connectionPointer); }
            finally { SignalDispositions.Restore(saved); }
        }
        lock (s_processLock)
            s_open = null;
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex SettingName();
}
