using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using Pipeline.EmbeddedStack.ClickHouse;
using Pipeline.EmbeddedStack.Credentials;

namespace Pipeline.TestSupport.Fixtures;

/// <summary>
/// The ClickHouse that tests talk to, one per test process: the embedded engine (chDB) behind
/// its HTTP interface on an ephemeral 127.0.0.1 port by default, or the real server named by
/// PIPELINE_TEST_CLICKHOUSE (an http URL, with user:password@ when the server needs them). Tests get
/// isolation from unique database names. The embedded endpoint has the three users `up` has (migrator,
/// sink, analyst) with passwords generated for this process; tests connect as the migrator unless they
/// test a role.
/// </summary>
public sealed class ClickHouseFixture
{
    public const string EnvironmentVariable = "PIPELINE_TEST_CLICKHOUSE";
    public const string LibraryEnvironmentVariable = "PIPELINE_CHDB_LIBRARY";
    private const string LibraryRelativePath = ".pipeline/engines/chdb/node_modules/@chdb/lib-linux-x64-gnu/libchdb.so";

    private static readonly Lazy<ClickHouseFixture> _shared = new(Create, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<ChdbEngine> _embeddedEngine = new(OpenEmbeddedEngine, LazyThreadSafetyMode.ExecutionAndPublication);

    private ClickHouseFixture(string url, ChdbEngine? engine, ClickHouseHttpEndpoint? endpoint, StackCredentials? credentials)
    {
        var uri = new Uri(url);
        Url = uri.GetLeftPart(UriPartial.Path).TrimEnd('/');
        Engine = engine;
        Endpoint = endpoint;
        Credentials = credentials;
        var userInfo = uri.UserInfo.Split(':', 2);
        _serverUser = new UserCredential(
            userInfo[0].Length > 0 ? Uri.UnescapeDataString(userInfo[0]) : "default",
            userInfo.Length > 1 ? Uri.UnescapeDataString(userInfo[1]) : "");
    }

    private readonly UserCredential _serverUser;

    /// <summary>The embedded endpoint's users (null against a real server, whose one user comes from its URL).</summary>
    public StackCredentials? Credentials { get; }

    /// <summary>Who connects for <paramref name="role"/>: the embedded endpoint's user of that role, or the real server's user.</summary>
    public UserCredential User(ClickHouseRole role = ClickHouseRole.Migrator) => Credentials?.ClickHouse.For(role) ?? _serverUser;

    /// <summary>The process-wide instance, started on first use; the embedded engine lives until the process exits.</summary>
    public static ClickHouseFixture Shared => _shared.Value;

    /// <summary>ClickHouse's HTTP interface, e.g. http://127.0.0.1:41234.</summary>
    public string Url { get; }

    public bool IsEmbedded => Engine is not null;

    /// <summary>The embedded engine, or null against a real server.</summary>
    public ChdbEngine? Engine { get; }

    /// <summary>The embedded HTTP endpoint (stop/start it for fault tests), or null against a real server.</summary>
    public ClickHouseHttpEndpoint? Endpoint { get; }

    /// <summary>
    /// The chDB engine of this process, for tests of the embedded component itself: the shared
    /// fixture's engine, or (when tests run against a real server) one opened just for them.
    /// </summary>
    public static ChdbEngine EmbeddedEngine => _embeddedEngine.Value;

    /// <summary>
    /// A second HTTP endpoint (own ephemeral port) on the shared embedded engine, for a test that
    /// takes ClickHouse down: stopping it leaves <see cref="Endpoint"/> serving the other tests
    /// that run at the same time. Same data, so the test can still check results through either.
    /// </summary>
    public async Task<ClickHouseHttpEndpoint> StartPrivateEndpointAsync()
    {
        var engine = Engine ?? throw new InvalidOperationException(
            $"A private endpoint serves the embedded engine; this run uses the real server at {Url} ({EnvironmentVariable}), which tests cannot stop.");
        return await ClickHouseHttpEndpoint.StartAsync(engine, Credentials!.ClickHouseUsers(), "http://127.0.0.1:0");
    }

    /// <summary>A ClickHouse.Driver connection string for <paramref name="database"/> on this server, as <paramref name="role"/>.</summary>
    public string ConnectionString(string database, ClickHouseRole role = ClickHouseRole.Migrator)
    {
        var uri = new Uri(Url);
        var user = User(role);
        var https = uri.Scheme == Uri.UriSchemeHttps ? ";Protocol=https" : "";
        return $"Host={uri.Host};Port={uri.Port};Database={database};Username={user.User};Password={user.Password}{https}";
    }

    /// <summary>Settings for a service (the sink) that connects as <paramref name="role"/>: ClickHouse:Url, User, Password.</summary>
    public Dictionary<string, string?> ServiceSettings(ClickHouseRole role = ClickHouseRole.Sink) => new()
    {
        ["ClickHouse:Url"] = Url,
        ["ClickHouse:User"] = User(role).User,
        ["ClickHouse:Password"] = User(role).Password,
    };

    /// <summary>An HttpClient that authenticates as <paramref name="role"/> with HTTP basic auth, as curl -u does.</summary>
    public HttpClient HttpClient(ClickHouseRole role = ClickHouseRole.Migrator)
    {
        var user = User(role);
        var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user.User}:{user.Password}")));
        return http;
    }

    /// <summary>Creates a database named <c>&lt;prefix&gt;_&lt;random&gt;</c> and returns its name.</summary>
    public string CreateUniqueDatabase(string prefix)
    {
        if (string.IsNullOrEmpty(prefix) || prefix.Length > 100 || !prefix.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') || char.IsAsciiDigit(prefix[0]))
            throw new ArgumentException($"Prefix '{prefix}' must be 1-100 characters of [A-Za-z0-9_], not starting with a digit.", nameof(prefix));
        var name = $"{prefix}_{Guid.NewGuid():N}";
        ExecuteAsync($"CREATE DATABASE {name}").GetAwaiter().GetResult();
        return name;
    }

    /// <summary>Runs one statement over HTTP and returns the TabSeparated answer (a small helper for checks, like curl).</summary>
    public async Task<string> ExecuteAsync(string sql, string? database = null)
    {
        using var http = HttpClient();
        var url = Url + "/" + (database is null ? "" : "?database=" + Uri.EscapeDataString(database));
        using var response = await http.PostAsync(url, new StringContent(sql));
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"ClickHouse answered {(int)response.StatusCode} to '{sql}': {body}");
        return body;
    }

    private static ClickHouseFixture Create()
    {
        var external = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(external))
            return new ClickHouseFixture(external, engine: null, endpoint: null, credentials: null);

        var library = FindLibrary();
        RemoveDataOfExitedTestProcesses();
        var dataDir = Path.Combine(Path.GetTempPath(), $"{DataDirPrefix}{Environment.ProcessId}-{Guid.NewGuid():N}");
        var engine = ChdbEngine.Open(library, dataDir);
        var credentials = StackCredentials.Generate();
        var endpoint = ClickHouseHttpEndpoint.StartAsync(engine, credentials.ClickHouseUsers(), "http://127.0.0.1:0").GetAwaiter().GetResult();
        return new ClickHouseFixture(endpoint.Url, engine, endpoint, credentials);
    }

    private static ChdbEngine OpenEmbeddedEngine()
    {
        if (Shared.Engine is not null)
            return Shared.Engine;
        RemoveDataOfExitedTestProcesses();
        return ChdbEngine.Open(FindLibrary(), Path.Combine(Path.GetTempPath(), $"{DataDirPrefix}{Environment.ProcessId}-{Guid.NewGuid():N}"));
    }

    private const string DataDirPrefix = "pipeline-tests-clickhouse-";

    /// <summary>
    /// The engine keeps running (background merges) until the test process exits, so its data
    /// directory cannot be deleted on the way out; the next test process removes the ones whose
    /// process is gone.
    /// </summary>
    private static void RemoveDataOfExitedTestProcesses()
    {
        foreach (var dir in Directory.EnumerateDirectories(Path.GetTempPath(), DataDirPrefix + "*"))
        {
            var pidText = Path.GetFileName(dir)[DataDirPrefix.Length..].Split('-')[0];
            if (!int.TryParse(pidText, out var pid) || IsRunning(pid))
                continue;
            try { Directory.Delete(dir, recursive: true); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }

        static bool IsRunning(int pid)
        {
            try { using var process = System.Diagnostics.Process.GetProcessById(pid); return !process.HasExited; }
            catch (ArgumentException) { return false; }
            catch (InvalidOperationException) { return false; }
        }
    }

    /// <summary>libchdb.so: PIPELINE_CHDB_LIBRARY, else the copy the ./pipeline set-up fetched above the test binaries.</summary>
    public static string FindLibrary()
    {
        var configured = Environment.GetEnvironmentVariable(LibraryEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(configured))
            return File.Exists(configured)
                ? configured
                : throw new FileNotFoundException($"{LibraryEnvironmentVariable} names {configured}, which does not exist.", configured);
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, LibraryRelativePath);
            if (File.Exists(candidate))
                return candidate;
        }
        throw new FileNotFoundException(
            $"The embedded ClickHouse engine (libchdb.so) was not found in {LibraryRelativePath} above {AppContext.BaseDirectory}. " +
            $"Run the ./pipeline set-up once (it installs @chdb/lib-linux-x64-gnu), set {LibraryEnvironmentVariable} to the library, " +
            $"or set {EnvironmentVariable} to a ClickHouse server's http URL.");
    }
}
