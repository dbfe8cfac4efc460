namespace Pipeline.EmbeddedStack.ClickHouse.Http;

/// <summary>
/// What a user may run through the embedded endpoint, decided on the client's own statement text
/// before anything reaches the engine:
/// <list type="bullet">
/// <item>For every user: nothing that reaches outside the engine. Table functions and engines that read
/// or write files, URLs, other servers or programs; FROM INFILE and INTO OUTFILE (chDB runs those on its
/// client side, which no grant covers); SYSTEM, KILL, BACKUP/RESTORE, ATTACH/DETACH, access management,
/// dictionaries and functions; settings that would lift the restrictions; more than one statement.</item>
/// <item>Per role: the analyst reads (SELECT, WITH, SHOW, DESCRIBE, EXISTS), the sink also inserts, the
/// migrator also changes the schema. A GET request is read-only for everyone, as in ClickHouse.</item>
/// </list>
/// The engine's own grants (ChdbAccessConfig) refuse the outside-reaching functions and engines a second
/// time, so a statement this check misreads still cannot read a file or fetch a URL.
/// </summary>
internal static class StatementPolicy
{
    private static readonly HashSet<string> s_readKinds = new(StringComparer.OrdinalIgnoreCase)
    {
        "SELECT", "WITH", "SHOW", "DESCRIBE", "DESC", "EXISTS",
    };

    // Statements no client runs here: they act on the server or its access control, not on data.
    private static readonly HashSet<string> s_refusedKinds = new(StringComparer.OrdinalIgnoreCase)
    {
        "SYSTEM", "KILL", "BACKUP", "RESTORE", "ATTACH", "DETACH", "GRANT", "REVOKE", "INSTALL", "EXECUTE", "MOVE",
    };

    // Objects of CREATE/ALTER/DROP that are not data: dictionaries read external sources, functions and
    // access entities change what queries may do.
    private static readonly HashSet<string> s_refusedObjects = new(StringComparer.OrdinalIgnoreCase)
    {
        "DICTIONARY", "FUNCTION", "USER", "ROLE", "QUOTA", "POLICY", "PROFILE", "NAMED", "WORKLOAD", "RESOURCE",
    };

    // Table functions (and the `file` scalar function) that read or write outside the engine.
    private static readonly HashSet<string> s_outsideFunctions = new(StringComparer.OrdinalIgnoreCase)
    {
        "file", "fileCluster", "url", "urlCluster", "s3", "s3Cluster", "gcs", "oss", "cosn", "hdfs", "hdfsCluster",
        "remote", "remoteSecure", "cluster", "clusterAllReplicas", "mysql", "postgresql", "sqlite", "mongodb",
        "redis", "jdbc", "odbc", "executable", "hive", "hudi", "hudiCluster", "arrowFlight", "arrowflight", "ytsaurus",
        "azureBlobStorage", "azureBlobStorageCluster", "prometheusQuery", "prometheusQueryRange", "timeSeriesSelector",
    };

    // Families named by prefix (iceberg, icebergS3, icebergLocal, deltaLakeLocal, paimonS3, ...).
    private static readonly string[] s_outsidePrefixes = ["iceberg", "deltalake", "paimon", "hudi", "azure", "s3", "hdfs"];

    // Table and database engines whose data stays inside the engine's own storage.
    private static readonly HashSet<string> s_localEngines = new(StringComparer.OrdinalIgnoreCase)
    {
        "MergeTree", "ReplacingMergeTree", "SummingMergeTree", "AggregatingMergeTree", "CollapsingMergeTree",
        "VersionedCollapsingMergeTree", "CoalescingMergeTree", "Memory", "Null", "Log", "TinyLog", "StripeLog",
        "Set", "Join", "Buffer", "GenerateRandom", "Atomic", "Ordinary", "Lazy",
    };

    // Settings that would undo a restriction (the engine also pins them with constraints).
    private static readonly HashSet<string> s_protectedSettings = new(StringComparer.OrdinalIgnoreCase)
    {
        "readonly", "allow_ddl", "allow_introspection_functions", "user_files_path", "user_scripts_path",
    };

    /// <summary>Throws ClickHouse's refusal when <paramref name="user"/> may not run <paramref name="statementText"/>.</summary>
    /// <param name="statementText">The client's statement, without an INSERT's inline data.</param>
    /// <param name="readOnlyRequest">A GET request: ClickHouse allows only reads through GET.</param>
    /// <param name="requestSettings">Names of the settings the request passes as URL parameters.</param>
    public static void Check(ClickHouseUser user, string statementText, bool readOnlyRequest, IEnumerable<string> requestSettings)
    {
        var tokens = SqlTokenizer.Tokenize(statementText);
        var kind = tokens.FirstOrDefault(t => t.Kind == SqlTokenKind.Word).Text?.ToUpperInvariant() ?? "";

        CheckSingleStatement(tokens);
        if (s_refusedKinds.Contains(kind))
            throw Denied(user, $"{kind} statements are not served by the embedded ClickHouse");
        CheckObjects(user, tokens, kind);
        CheckClientFiles(user, tokens);
        CheckFunctions(user, tokens);
        CheckEngines(user, tokens, kind);
        CheckSettings(user, tokens, requestSettings);
        CheckRole(user, kind, readOnlyRequest);
    }

    /// <summary>
    /// The rows of an INSERT ... VALUES: the engine evaluates expressions in them, and its scalar file() reads
    /// any path (clickhouse-local has no user_files fence for it), so they get the function check too.
    /// </summary>
    public static void CheckValues(ClickHouseUser user, string values) => CheckFunctions(user, SqlTokenizer.Tokenize(values));

    private static void CheckSingleStatement(List<SqlToken> tokens)
    {
        var end = tokens.FindIndex(t => t.Depth == 0 && t.IsSymbol(';'));
        if (end >= 0 && tokens.Skip(end + 1).Any(t => !t.IsSymbol(';')))
            throw new ChdbQueryException("Code: 62. DB::Exception: Syntax error (Multi-statements are not allowed). (SYNTAX_ERROR)");
    }

    private static void CheckObjects(ClickHouseUser user, List<SqlToken> tokens, string kind)
    {
        if (kind is not ("CREATE" or "ALTER" or "DROP" or "RENAME" or "EXCHANGE" or "REPLACE" or "UNDROP" or "SHOW"))
            return;
        // CREATE [OR REPLACE] [TEMPORARY] DICTIONARY ..., SHOW CREATE USER ..., DROP NAMED COLLECTION ...
        foreach (var token in tokens.Where(t => t.Kind == SqlTokenKind.Word).Skip(1).Take(4))
            if (s_refusedObjects.Contains(token.Text))
                throw Denied(user, $"{kind} {token.Text.ToUpperInvariant()} is not served by the embedded ClickHouse");
    }

    private static void CheckClientFiles(ClickHouseUser user, List<SqlToken> tokens)
    {
        if (tokens.Any(t => t.IsWord("INFILE")))
            throw Denied(user, "FROM INFILE reads a file of the server's machine; send the data in the request body instead");
        if (tokens.Any(t => t.IsWord("OUTFILE")))
            throw Denied(user, "INTO OUTFILE writes a file on the server's machine; read the result from the response instead");
    }

    private static void CheckFunctions(ClickHouseUser user, List<SqlToken> tokens)
    {
        for (var i = 0; i + 1 < tokens.Count; i++)
        {
            if (!tokens[i].IsName || !tokens[i + 1].IsSymbol('('))
                continue;
            var name = tokens[i].Text;
            if (s_outsideFunctions.Contains(name) || s_outsidePrefixes.Any(p => name.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
                throw Denied(user, $"the function {name}() reaches outside the embedded ClickHouse (files, URLs, other servers or programs) and is not served");
        }
    }

    private static void CheckEngines(ClickHouseUser user, List<SqlToken> tokens, string kind)
    {
        if (kind is not ("CREATE" or "ALTER" or "REPLACE"))
            return;
        for (var i = 0; i < tokens.Count; i++)
        {
            if (!tokens[i].IsWord("ENGINE"))
                continue;
            var next = i + 1 < tokens.Count && tokens[i + 1].IsSymbol('=') ? i + 2 : i + 1;
            if (next >= tokens.Count || !tokens[next].IsName)
                continue;
            var engine = tokens[next].Text;
            if (!s_localEngines.Contains(engine))
                throw Denied(user, $"ENGINE = {engine} is not served by the embedded ClickHouse; it keeps data only in its own storage ({string.Join(", ", s_localEngines.Order())})");
        }
    }

    private static void CheckSettings(ClickHouseUser user, List<SqlToken> tokens, IEnumerable<string> requestSettings)
    {
        foreach (var name in requestSettings)
            if (s_protectedSettings.Contains(name))
                throw Denied(user, $"the setting {name} cannot be changed on the embedded ClickHouse");
        // `name = value` pairs after a SETTINGS keyword at the same depth (also `SET name = value`).
        var settingsDepth = new HashSet<int>();
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (token.IsWord("SETTINGS") || (i == 0 && token.IsWord("SET")))
            {
                settingsDepth.Add(token.Depth);
                continue;
            }
            if (token.IsName && settingsDepth.Contains(token.Depth) && i + 1 < tokens.Count && tokens[i + 1].IsSymbol('=')
                && s_protectedSettings.Contains(token.Text))
                throw Denied(user, $"the setting {token.Text} cannot be changed on the embedded ClickHouse");
        }
    }

    private static void CheckRole(ClickHouseUser user, string kind, bool readOnlyRequest)
    {
        // SET and USE change nothing here: without a session the endpoint does not run them (see the handler).
        if (s_readKinds.Contains(kind) || kind is "SET" or "USE")
            return;
        if (readOnlyRequest)
            throw new ChdbQueryException($"Code: 164. DB::Exception: {user.Name}: Cannot execute query in readonly mode. For queries over HTTP, method GET implies readonly. You should use method POST for modifying queries. (READONLY)");
        var allowed = user.Role switch
        {
            ClickHouseRole.Analyst => false,
            ClickHouseRole.Sink => kind == "INSERT",
            _ => true,
        };
        if (allowed)
            return;
        if (user.Role == ClickHouseRole.Analyst)
            throw new ChdbQueryException($"Code: 164. DB::Exception: {user.Name}: Cannot execute query in readonly mode. (READONLY)");
        throw Denied(user, $"the sink user may only INSERT and SELECT, not {kind}");
    }

    private static ChdbQueryException Denied(ClickHouseUser user, string reason) =>
        new($"Code: 497. DB::Exception: {user.Name}: Not enough privileges: {reason}. (ACCESS_DENIED)");
}
