using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Pipeline.Contracts;

namespace Pipeline.DeviceRegistry;

/// <summary>What checking a token against a stored hash found.</summary>
public enum TokenCheck
{
    /// <summary>Wrong token, no stored hash, an unknown algorithm, or a hash keyed with another pepper.</summary>
    Refused,
    /// <summary>The token matches a keyed hash made with the current pepper.</summary>
    Valid,
    /// <summary>The token matches an older PBKDF2 record: valid, and the record should be rewritten keyed.</summary>
    ValidLegacy,
}

/// <summary>
/// Device tokens: 192 random bits shown once, stored only as a hash. New records hold HMAC-SHA256 keyed with
/// the server's <see cref="TokenPepper"/> (<see cref="KeyedAlgorithm"/>): the token's entropy is what makes
/// guessing hopeless, and the pepper makes a leaked registry useless, so a check costs microseconds and a
/// reconnect storm is not throttled by hashing. Records from before (salted PBKDF2-SHA256,
/// <see cref="Algorithm"/>) still verify; the bridge rewrites them keyed after their next successful connect.
/// All comparisons are constant-time.
/// </summary>
public static class DeviceTokens
{
    /// <summary>The legacy slow hash (its iteration count stored per record).</summary>
    public const string Algorithm = "PBKDF2-SHA256";
    public const string KeyedAlgorithm = "HMAC-SHA256";
    public const int DefaultIterations = 10_000;
    private const int TokenBytes = 24;
    private const int SaltBytes = 16;
    private const int HashBytes = 32;
    // A token is 32 characters; refuse absurd inputs before spending a hash on them.
    private const int MaxTokenLength = 256;

    /// <summary>A new random token (URL-safe base64, 32 characters, 192 bits).</summary>
    public static string NewToken() => Base64Url(RandomNumberGenerator.GetBytes(TokenBytes));

    /// <summary>The keyed form: HMAC-SHA256(pepper, token), with the pepper's key id in the salt field.</summary>
    public static DeviceRecord.Types.TokenHash HashKeyed(string token, TokenPepper pepper)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        ArgumentNullException.ThrowIfNull(pepper);
        return new DeviceRecord.Types.TokenHash
        {
            Algorithm = KeyedAlgorithm,
            Salt = ByteString.CopyFrom(pepper.KeyId),
            Hash = ByteString.CopyFrom(pepper.Mac(Encoding.UTF8.GetBytes(token))),
        };
    }

    /// <summary>The legacy slow form (salted PBKDF2-SHA256); what a registry writer without a pepper stores.</summary>
    public static DeviceRecord.Types.TokenHash Hash(string token, int iterations = DefaultIterations)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1000);
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(token), salt, iterations, HashAlgorithmName.SHA256, HashBytes);
        return new DeviceRecord.Types.TokenHash
        {
            Algorithm = Algorithm,
            Iterations = iterations,
            Salt = ByteString.CopyFrom(salt),
            Hash = ByteString.CopyFrom(hash),
        };
    }

    /// <summary>
    /// Checks <paramref name="token"/> against either form. A keyed record needs <paramref name="pepper"/> (the same one it
    /// was made with); a PBKDF2 record verifies without it and answers <see cref="TokenCheck.ValidLegacy"/>.
    /// </summary>
    public static TokenCheck Check(string? token, DeviceRecord.Types.TokenHash? stored, TokenPepper? pepper)
    {
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenLength || stored is null || stored.Hash.Length != HashBytes)
            return TokenCheck.Refused;
        if (stored.Algorithm == KeyedAlgorithm)
        {
            if (pepper is null || !stored.Salt.Span.SequenceEqual(pepper.KeyId))
                return TokenCheck.Refused;
            var mac = pepper.Mac(Encoding.UTF8.GetBytes(token));
            return CryptographicOperations.FixedTimeEquals(mac, stored.Hash.Span) ? TokenCheck.Valid : TokenCheck.Refused;
        }
        if (stored.Algorithm != Algorithm || stored.Iterations < 1 || stored.Salt.IsEmpty)
            return TokenCheck.Refused;
        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(token), stored.Salt.Span, stored.Iterations, HashAlgorithmName.SHA256, HashBytes);
        return CryptographicOperations.FixedTimeEquals(actual, stored.Hash.Span) ? TokenCheck.ValidLegacy : TokenCheck.Refused;
    }

    /// <summary>True when <paramref name="token"/> matches either form (see <see cref="Check"/>).</summary>
    public static bool Verify(string? token, DeviceRecord.Types.TokenHash? stored, TokenPepper? pepper = null) =>
        Check(token, stored, pepper) != TokenCheck.Refused;

    /// <summary>
    /// <paramref name="current"/> with its token hash replaced by <paramref name="keyed"/>, nothing else changed but the change
    /// time, which moves past the current record's so that registry views take it and refuse a replay of the old form.
    /// </summary>
    public static DeviceRecord Rekeyed(DeviceRecord current, DeviceRecord.Types.TokenHash keyed, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(keyed);
        if (keyed.Algorithm != KeyedAlgorithm)
            throw new ArgumentException($"Device '{current.DeviceId}': only a keyed hash replaces a record's token hash.", nameof(keyed));
        var upgraded = current.Clone();
        upgraded.Token = keyed;
        upgraded.UpdatedTsMs = Math.Max(nowMs, Math.Max(current.UpdatedTsMs, Math.Max(current.CreatedTsMs, current.RevokedTsMs)) + 1);
        return upgraded;
    }

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
