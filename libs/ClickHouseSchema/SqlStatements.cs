using System.Text;

namespace Pipeline.ClickHouseSchema;

/// <summary>Splits a migration file into statements: ';' ends one unless it is inside a string, quoted identifier or comment.</summary>
internal static class SqlStatements
{
    public static IReadOnlyList<string> Split(string sql)
    {
        var statements = new List<string>();
        var current = new StringBuilder();
        var hasCode = false;
        for (var i = 0; i < sql.Length; i++)
        {
            var c = sql[i];
            if (c == '-' && i + 1 < sql.Length && sql[i + 1] == '-')
            {
                var end = sql.IndexOf('\n', i);
                end = end < 0 ? sql.Length : end;
                current.Append(sql, i, end - i);
                i = end - 1;
                continue;
            }
            if (c == '/' && i + 1 < sql.Length && sql[i + 1] == '*')
            {
                var end = sql.IndexOf("*/", i + 2, StringComparison.Ordinal);
                end = end < 0 ? sql.Length : end + 2;
                current.Append(sql, i, end - i);
                i = end - 1;
                continue;
            }
            if (c is '\'' or '"' or '`')
            {
                var start = i;
                for (i++; i < sql.Length; i++)
                {
                    if (sql[i] == '\\') { i++; continue; }
                    if (sql[i] == c) break;
                }
                current.Append(sql, start, Math.Min(i + 1, sql.Length) - start);
                hasCode = true;
                continue;
            }
            if (c == ';')
            {
                Flush();
                continue;
            }
            if (!char.IsWhiteSpace(c))
                hasCode = true;
            current.Append(c);
        }
        Flush();
        return statements;

        void Flush()
        {
            if (hasCode)
                statements.Add(current.ToString().Trim());
            current.Clear();
            hasCode = false;
        }
    }
}
