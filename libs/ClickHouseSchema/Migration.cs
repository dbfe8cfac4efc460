using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Pipeline.ClickHouseSchema;

/// <summary>One versioned schema file, Migrations/NNNN_name.sql, embedded in this assembly.</summary>
public sealed partial record Migration(int Version, string Name, string Sql)
{
    /// <summary>SHA-256 of the file text (line endings normalised), recorded when applied so later edits are caught.</summary>
    public string Checksum { get; } = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql.ReplaceLineEndings("\n"))));

    /// <summary>
    /// A tuning file (NNNN_*_tuning.sql) only adjusts table settings for speed. A statement of it that the server
    /// refuses as an unknown setting (an older ClickHouse) is skipped instead of stopping the migration: the
    /// schema is the same without it.
    /// </summary>
    public bool IsTuning => Name.EndsWith("_tuning", StringComparison.Ordinal);

    /// <summary>The file's statements, split on ';' outside strings, identifiers and comments.</summary>
    public IReadOnlyList<string> Statements => SqlStatements.Split(Sql);

    /// <summary>Every migration this build knows, in version order.</summary>
    public static IReadOnlyList<Migration> Known { get; } = LoadEmbedded();

    private static List<Migration> LoadEmbedded()
    {
        var assembly = typeof(Migration).Assembly;
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            var match = FileName().Match(resource);
            if (!match.Success)
                continue;
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            migrations.Add(new Migration(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), match.Groups[2].Value, reader.ReadToEnd()));
        }
        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (var i = 0; i < migrations.Count; i++)
            if (migrations[i].Version != i + 1)
                throw new InvalidOperationException(
                    $"ClickHouse migrations must be numbered 1, 2, 3, ... without gaps or repeats; found {string.Join(", ", migrations.Select(m => m.Version))}.");
        return migrations;
    }

    [GeneratedRegex(@"^migrations/(\d{4})_([A-Za-z0-9_]+)\.sql$")]
    private static partial Regex FileName();
}
