using System.Security;

namespace Pipeline.EmbeddedStack.ClickHouse;

/// <summary>
/// The engine-level fence of the embedded ClickHouse: a config file that chDB reads at connect
/// (<c>--config-file</c>) and that gives the engine's one user every privilege the pipeline needs
/// (DDL, INSERT, SELECT on its own tables) and none of those that reach outside the engine.
/// clickhouse-local, which chDB is, otherwise grants SOURCES (file, url, s3, remote, mysql, ...),
/// SYSTEM and every table engine, and lets file() read any path of the machine.
/// </summary>
/// <remarks>
/// Checked against chDB 26.5: with this config file() and INSERT INTO FUNCTION file() fail with
/// ACCESS_DENIED (READ/WRITE ON FILE), url() and remote() likewise, ENGINE = File needs the
/// TABLE ENGINE ON File grant it lacks, SYSTEM is denied, and <c>SET readonly</c> is refused by a
/// settings constraint. <c>INSERT ... FROM INFILE</c> and <c>INTO OUTFILE</c> are read and written
/// by chDB's client side, which no grant covers: the HTTP front refuses both in client statements
/// (Http/StatementPolicy) and uses FROM INFILE only for the insert bodies it spooled itself.
/// </remarks>
internal static class ChdbAccessConfig
{
    /// <summary>Table engines that keep data inside the engine's own storage.</summary>
    private static readonly string[] s_localEngines =
    [
        "MergeTree", "ReplacingMergeTree", "SummingMergeTree", "AggregatingMergeTree", "CollapsingMergeTree",
        "VersionedCollapsingMergeTree", "CoalescingMergeTree", "Memory", "Null", "Log", "TinyLog", "StripeLog",
        "Set", "Join", "Buffer", "GenerateRandom",
    ];

    /// <summary>Writes the config under <paramref name="dataDirectory"/> and returns the path to pass as --config-file.</summary>
    public static string Write(string dataDirectory)
    {
        var directory = Path.Combine(dataDirectory, "pipeline-access");
        // Empty folders for the paths file() and executable() would otherwise resolve against.
        var noUserFiles = Path.Combine(directory, "no-user-files");
        var noScripts = Path.Combine(directory, "no-user-scripts");
        foreach (var folder in (string[])[directory, noUserFiles, noScripts])
            if (OperatingSystem.IsWindows()) Directory.CreateDirectory(folder);
            else Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var users = Path.Combine(directory, "users.xml");
        File.WriteAllText(users, UsersXml());
        var config = Path.Combine(directory, "config.xml");
        File.WriteAllText(config, $"""
            <clickhouse>
              <users_config>{SecurityElement.Escape(users)}</users_config>
              <user_files_path>{SecurityElement.Escape(noUserFiles + "/")}</user_files_path>
              <user_scripts_path>{SecurityElement.Escape(noScripts + "/")}</user_scripts_path>
              <remote_url_allow_hosts><host>nothing.invalid</host></remote_url_allow_hosts>
            </clickhouse>
            """);
        return config;
    }

    private static string UsersXml()
    {
        var engines = string.Join(", ", s_localEngines.Select(e => $"TABLE ENGINE ON {e}"));
        // No SOURCES (file, url, s3, hdfs, remote, mysql, postgresql, jdbc, odbc, ...), SYSTEM, CLUSTER,
        // INTROSPECTION, CREATE DICTIONARY / FUNCTION, access management or displaySecretsInShowAndSelect.
        return $"""
            <clickhouse>
              <users>
                <default>
                  <password></password>
                  <profile>default</profile>
                  <quota>default</quota>
                  <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
                  <grants>
                    <query>GRANT SHOW, SELECT, INSERT, ALTER, CREATE DATABASE, CREATE TABLE, CREATE VIEW, CREATE TEMPORARY TABLE, DROP, UNDROP TABLE, TRUNCATE, OPTIMIZE, dictGet ON *.*</query>
                    <query>GRANT {engines}</query>
                  </grants>
                </default>
              </users>
              <profiles>
                <default>
                  <constraints>
                    <readonly><const/></readonly>
                    <allow_ddl><const/></allow_ddl>
                  </constraints>
                </default>
              </profiles>
              <quotas><default></default></quotas>
            </clickhouse>
            """;
    }
}
