using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Pipeline.EmbeddedStack.ClickHouse;

namespace Pipeline.EmbeddedStack.Credentials;

/// <summary>One user name and its password. <see cref="ToString"/> never shows the password.</summary>
public sealed record UserCredential(
    [property: JsonPropertyName("user")] string User,
    [property: JsonPropertyName("password")] string Password)
{
    public override string ToString() => User;
}

/// <summary>The embedded ClickHouse's three users (contract.md: migrator, sink, read-only analyst).</summary>
public sealed record ClickHouseCredentials(
    [property: JsonPropertyName("migrator")] UserCredential Migrator,
    [property: JsonPropertyName("sink")] UserCredential Sink,
    [property: JsonPropertyName("analyst")] UserCredential Analyst)
{
    public UserCredential For(ClickHouseRole role) => role switch
    {
        ClickHouseRole.Migrator => Migrator,
        ClickHouseRole.Sink => Sink,
        _ => Analyst,
    };
}

/// <summary>
/// The secrets of an embedded run, <c>&lt;state&gt;/credentials.json</c> (mode 0600), generated at the first
/// start of `up` or `devstack` and kept across restarts (clients read them from the file):
/// <c>{"clickhouse":{"migrator":{"user":"..","password":".."},"sink":{..},"analyst":{..}},"operatorToken":"..","schemaRegistry":{"user":"pipeline","password":".."},"tokenPepper":".."}</c>.
/// The token pepper keys the device token hashes in the registry (DeviceTokens:Pepper): the bridge and the CLI's
/// registry writers read it from here.
/// `--fresh` deletes the file with the rest of the state, so a fresh run has new secrets.
/// </summary>
public sealed record StackCredentials(
    [property: JsonPropertyName("clickhouse")] ClickHouseCredentials ClickHouse,
    [property: JsonPropertyName("operatorToken")] string OperatorToken,
    [property: JsonPropertyName("schemaRegistry")] UserCredential? SchemaRegistry = null,
    [property: JsonPropertyName("tokenPepper")] string? TokenPepper = null)
{
    /// <summary>The Schema Registry front's writer (registering schemas, changing config, deleting); reads need none.</summary>
    [JsonIgnore]
    public UserCredential SchemaRegistryWriter => SchemaRegistry ?? throw new InvalidOperationException("The credentials have no Schema Registry user.");

    public const string FileName = "credentials.json";

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode GroupOrOther = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };

    public static string PathIn(string stateDir) => Path.Combine(Path.GetFullPath(stateDir), FileName);

    /// <summary>The users the embedded ClickHouse endpoint accepts.</summary>
    public IReadOnlyList<ClickHouseUser> ClickHouseUsers() =>
    [
        new(ClickHouse.Migrator.User, ClickHouse.Migrator.Password, ClickHouseRole.Migrator),
        new(ClickHouse.Sink.User, ClickHouse.Sink.Password, ClickHouseRole.Sink),
        new(ClickHouse.Analyst.User, ClickHouse.Analyst.Password, ClickHouseRole.Analyst),
    ];

    /// <summary>Fresh random secrets (32 bytes each from the system's CSPRNG).</summary>
    public static StackCredentials Generate() => new(
        new ClickHouseCredentials(
            new UserCredential("migrator", NewSecret()),
            new UserCredential("sink", NewSecret()),
            new UserCredential("analyst", NewSecret())),
        NewSecret(),
        new UserCredential("pipeline", NewSecret()),
        NewSecret());

    /// <summary>The file's credentials, or new ones written to it (0600) when there is none.</summary>
    public static StackCredentials LoadOrCreate(string stateDir)
    {
        var path = PathIn(stateDir);
        if (Read(stateDir) is { } existing)
        {
            if (existing.SchemaRegistry is not null && !string.IsNullOrEmpty(existing.TokenPepper))
                return existing;
            // A file from before the Schema Registry had a writer or the registry a token pepper: keep its secrets, add the new ones.
            var completed = existing with
            {
                SchemaRegistry = existing.SchemaRegistry ?? new UserCredential("pipeline", NewSecret()),
                TokenPepper = string.IsNullOrEmpty(existing.TokenPepper) ? NewSecret() : existing.TokenPepper,
            };
            completed.WriteTo(path, overwrite: true);
            return completed;
        }
        var created = Generate();
        created.WriteTo(path, overwrite: false);
        return created;
    }

    /// <summary>The file's credentials; null when there is no file. A file others can read is made private first.</summary>
    public static StackCredentials? Read(string stateDir)
    {
        var path = PathIn(stateDir);
        if (!File.Exists(path))
            return null;
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & GroupOrOther) != 0)
            File.SetUnixFileMode(path, OwnerOnly);
        StackCredentials? credentials;
        try
        {
            credentials = JsonSerializer.Deserialize<StackCredentials>(File.ReadAllText(path), s_json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not a credentials file ({e.Message}); delete it to have new credentials generated at the next start.", e);
        }
        if (credentials?.ClickHouse is not { } ch
            || new[] { ch.Migrator, ch.Sink, ch.Analyst }.Any(u => string.IsNullOrWhiteSpace(u?.User) || string.IsNullOrEmpty(u.Password))
            || string.IsNullOrEmpty(credentials.OperatorToken))
            throw new InvalidDataException($"{path} lacks a user, password or the operator token; delete it to have new credentials generated at the next start.");
        return credentials;
    }

    /// <summary>Writes the file through a temporary one that is 0600 from its creation, never readable by others.</summary>
    private void WriteTo(string path, bool overwrite)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = $"{path}.{Environment.ProcessId}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = OwnerOnly;
        using (var stream = new FileStream(temp, options))
            JsonSerializer.Serialize(stream, this, s_json);
        File.Move(temp, path, overwrite);
    }

    private static string NewSecret() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    // Records print every property; these hold secrets.
    public override string ToString() => $"credentials for {ClickHouse.Migrator}, {ClickHouse.Sink}, {ClickHouse.Analyst}";
}
