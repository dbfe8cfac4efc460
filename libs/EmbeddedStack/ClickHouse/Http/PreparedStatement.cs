using System.Buffers;
using System.Text;

namespace Pipeline.EmbeddedStack.ClickHouse.Http;

/// <summary>
/// One request's statement, split the way ClickHouse splits it: the text of `query=` plus a line
/// break, then the body. For an INSERT whose rows follow the statement, the rows are spooled to
/// a file (chDB cuts data inlined in the query text short) and the statement is rewritten to
/// read them with FROM INFILE. The insert starts only once the whole body has arrived: a client
/// that drops mid-body must insert nothing, or its retry (same deduplication token) would be
/// dropped as a duplicate of the partial insert. Streaming into chDB through a pipe would
/// overlap upload and insert but lose that all-or-nothing property.
/// </summary>
internal sealed class PreparedStatement : IDisposable
{
    // ClickHouse's default max_query_size: the statement must fit in it; inline data need not.
    private const int MaxQuerySize = 262144;

    // A non-INSERT body (a long SELECT, a CREATE) is read whole into memory; past this it is refused.
    private const int MaxStatementBytes = 64 << 20;

    private PreparedStatement(SqlStatementInfo info, string sql, string? dataFile)
    {
        Info = info;
        Sql = sql;
        DataFile = dataFile;
    }

    public SqlStatementInfo Info { get; }

    /// <summary>The statement to run; for an inline-data INSERT already rewritten to FROM INFILE.</summary>
    public string Sql { get; }

    public string? DataFile { get; }

    /// <param name="authorize">
    /// Called with the client's statement text (an INSERT's inline data left out) before anything is
    /// spooled or run; it throws to refuse the statement.
    /// </param>
    /// <param name="authorizeValues">
    /// Called with the rows of an inline INSERT ... VALUES once spooled: the engine evaluates expressions in
    /// them, so they are SQL too. It throws to refuse them.
    /// </param>
    public static async Task<PreparedStatement> ReadAsync(
        string urlQuery, Stream body, IReadOnlyList<KeyValuePair<string, string>> insertSettings, Func<string> newDataFile,
        Action<string> authorize, Action<string> authorizeValues, CancellationToken ct)
    {
        var prefix = urlQuery.Length == 0 ? [] : Encoding.UTF8.GetBytes(urlQuery + "\n");
        var buffer = ArrayPool<byte>.Shared.Rent(prefix.Length + MaxQuerySize);
        try
        {
            prefix.CopyTo(buffer, 0);
            var length = prefix.Length;
            var bodyEnded = false;
            while (length < buffer.Length)
            {
                var read = await body.ReadAsync(buffer.AsMemory(length, buffer.Length - length), ct);
                if (read == 0) { bodyEnded = true; break; }
                length += read;
            }

            var info = SqlStatementScanner.Scan(buffer.AsSpan(0, length));
            if (info.HasInlineData)
            {
                authorize(Encoding.UTF8.GetString(buffer, 0, info.DataStart));
                var spooled = await SpoolInsertAsync(info, buffer, length, body, insertSettings, newDataFile(), ct);
                try
                {
                    if (info.FormatName is null || info.FormatName.Equals("Values", StringComparison.OrdinalIgnoreCase))
                        authorizeValues(await ReadValuesAsync(spooled.DataFile!, ct));
                    return spooled;
                }
                catch
                {
                    spooled.Dispose();
                    throw;
                }
            }

            if (bodyEnded)
            {
                var text = Encoding.UTF8.GetString(buffer, 0, length);
                authorize(text);
                return new PreparedStatement(info, text, null);
            }
            using var whole = new MemoryStream();
            whole.Write(buffer, 0, length);
            await CopyBoundedAsync(body, whole, ct);
            var all = whole.GetBuffer().AsSpan(0, (int)whole.Length);
            var statement = Encoding.UTF8.GetString(all);
            authorize(statement);
            return new PreparedStatement(SqlStatementScanner.Scan(all), statement, null);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task<PreparedStatement> SpoolInsertAsync(
        SqlStatementInfo info, byte[] buffer, int length, Stream body,
        IReadOnlyList<KeyValuePair<string, string>> insertSettings, string dataFile, CancellationToken ct)
    {
        try
        {
            await using (var file = new FileStream(dataFile, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                await file.WriteAsync(buffer.AsMemory(info.DataStart, length - info.DataStart), ct);
                await body.CopyToAsync(file, 1 << 16, ct);
            }
            var clauseEnd = info.FormatKeywordStart >= 0 ? info.FormatKeywordStart : info.ValuesKeywordStart;
            var headEnd = info.SettingsKeywordStart >= 0 && info.SettingsKeywordStart < clauseEnd ? info.SettingsKeywordStart : clauseEnd;
            var head = Encoding.UTF8.GetString(buffer, 0, headEnd).Trim();
            var settings = headEnd < clauseEnd ? Encoding.UTF8.GetString(buffer, headEnd, clauseEnd - headEnd).Trim() : "";
            var sql = new StringBuilder(head).Append(" FROM INFILE ").Append(ChdbEngine.Quote(dataFile));
            var clause = MergeSettings(settings, insertSettings);
            if (clause.Length > 0)
                sql.Append(' ').Append(clause);
            sql.Append(" FORMAT ").Append(info.FormatName ?? "Values");
            return new PreparedStatement(info, sql.ToString(), dataFile);
        }
        catch
        {
            File.Delete(dataFile);
            throw;
        }
    }

    /// <summary>The statement's own SETTINGS clause extended with the request's settings (URL parameters).</summary>
    private static string MergeSettings(string clause, IReadOnlyList<KeyValuePair<string, string>> extra)
    {
        if (extra.Count == 0)
            return clause;
        var added = string.Join(", ", extra.Select(s => $"{ChdbEngine.RequireSettingName(s.Key)} = {ChdbEngine.Quote(s.Value)}"));
        return clause.Length == 0 ? "SETTINGS " + added : clause + ", " + added;
    }

    private static async Task<string> ReadValuesAsync(string dataFile, CancellationToken ct)
    {
        if (new FileInfo(dataFile).Length > MaxStatementBytes)
            throw new ChdbQueryException(
                $"Code: 229. DB::Exception: VALUES rows are larger than {MaxStatementBytes} bytes; send large inserts in a data format such as TSV or RowBinary. (QUERY_IS_TOO_LARGE)");
        return await File.ReadAllTextAsync(dataFile, ct);
    }

    private static async Task CopyBoundedAsync(Stream source, MemoryStream target, CancellationToken ct)
    {
        var chunk = new byte[1 << 16];
        int read;
        while ((read = await source.ReadAsync(chunk, ct)) > 0)
        {
            if (target.Length + read > MaxStatementBytes)
                throw new ChdbQueryException(
                    $"Code: 229. DB::Exception: The query is larger than {MaxStatementBytes} bytes; only an INSERT's inline data may be longer. (QUERY_IS_TOO_LARGE)");
            target.Write(chunk, 0, read);
        }
    }

    public void Dispose()
    {
        if (DataFile is not null)
            File.Delete(DataFile);
    }
}
