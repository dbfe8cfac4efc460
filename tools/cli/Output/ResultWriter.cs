using System.Collections;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Spectre.Console;

namespace Pipeline.Cli.Output;

/// <summary>Prints a <see cref="QueryResult"/> as a table, CSV (RFC 4180) or a JSON array of objects.</summary>
public abstract class ResultWriter
{
    public abstract void Write(QueryResult result, TextWriter output);

    public static ResultWriter For(string format) => format switch
    {
        "csv" => new CsvWriter(),
        "json" => new JsonWriter(),
        _ => new TableWriter(),
    };

    protected static string Text(object? value) => value switch
    {
        null => "NULL",
        DateTime d => d.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        string s => s,
        IDictionary map => "{" + string.Join(", ", map.Keys.Cast<object>().Select(k => $"{Text(k)}: {Text(map[k])}")) + "}",
        IEnumerable items => "[" + string.Join(", ", items.Cast<object?>().Select(Text)) + "]",
        _ => value.ToString() ?? "",
    };

    private sealed class TableWriter : ResultWriter
    {
        public override void Write(QueryResult result, TextWriter output)
        {
            // A statement without a result set (DDL, INSERT, as a writer): what clickhouse-client says, not an empty frame.
            if (result.Columns.Count == 0)
            {
                output.WriteLine("Ok.");
                return;
            }
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
            // Piped output has no terminal width: do not wrap rows at 80 columns.
            if (Console.IsOutputRedirected) console.Profile.Width = 240;
            var table = new Table().Border(TableBorder.Rounded);
            foreach (var column in result.Columns)
                table.AddColumn(Markup.Escape(column));
            foreach (var row in result.Rows)
                table.AddRow(row.Select(v => Markup.Escape(Text(v))).ToArray());
            console.Write(table);
            console.WriteLine($"{result.Rows.Count} row(s)");
        }
    }

    private sealed class CsvWriter : ResultWriter
    {
        public override void Write(QueryResult result, TextWriter output)
        {
            output.WriteLine(string.Join(',', result.Columns.Select(Quote)));
            foreach (var row in result.Rows)
                output.WriteLine(string.Join(',', row.Select(v => v is null ? "" : Quote(Text(v)))));
        }

        private static string Quote(string s) =>
            s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
    }

    private sealed class JsonWriter : ResultWriter
    {
        public override void Write(QueryResult result, TextWriter output)
        {
            var rows = result.Rows.Select(row => result.Columns.Select((c, i) => (c, v: Plain(row[i])))
                .ToDictionary(p => p.c, p => p.v));
            output.WriteLine(JsonSerializer.Serialize(rows));
        }

        private static object? Plain(object? value) => value switch
        {
            null or string or bool => value,
            double d when !double.IsFinite(d) => d.ToString(CultureInfo.InvariantCulture),
            float f when !float.IsFinite(f) => f.ToString(CultureInfo.InvariantCulture),
            sbyte or byte or short or ushort or int or uint or long or ulong or float or double or decimal => value,
            DateTime d => d.ToString("O", CultureInfo.InvariantCulture),
            // Map, Array and Tuple columns as JSON objects and arrays, so a script reads attributes['site']
            // without parsing ClickHouse's text form.
            IDictionary map => map.Keys.Cast<object>().ToDictionary(k => Text(k), k => Plain(map[k])),
            ITuple tuple => Enumerable.Range(0, tuple.Length).Select(i => Plain(tuple[i])).ToList(),
            IEnumerable items => items.Cast<object?>().Select(Plain).ToList(),
            _ => Text(value),
        };
    }
}
