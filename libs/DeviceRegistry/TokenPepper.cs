using System.Security.Cryptography;
using System.Text;

namespace Pipeline.DeviceRegistry;

/// <summary>
/// The server secret that device token hashes are keyed with (HMAC-SHA256). The registry holds only
/// HMAC(pepper, token): without the pepper a leaked registry cannot be checked against guesses at all,
/// and with it a check costs one HMAC (microseconds) instead of a slow password hash. Device tokens are
/// 192 random bits, so a slow hash adds nothing against guessing them. <see cref="KeyId"/> (4 bytes of
/// HMAC(pepper, "key-id")) is stored with each hash so that a record keyed with another pepper is told apart
/// from a wrong token. <see cref="ToString"/> never shows the secret.
/// </summary>
public sealed class TokenPepper
{
    public const int MinLength = 32;
    private readonly byte[] _key;

    private TokenPepper(byte[] key)
    {
        _key = key;
        KeyId = HMACSHA256.HashData(key, "key-id"u8)[..4];
    }

    /// <summary>Identifies the pepper without revealing it (stored in each keyed record).</summary>
    public byte[] KeyId { get; }

    /// <summary>The pepper from its configured text: at least <see cref="MinLength"/> printable ASCII characters without spaces.</summary>
    public static TokenPepper FromSecret(string secret)
    {
        if (Problem(secret) is { } problem)
            throw new ArgumentException(problem, nameof(secret));
        return new TokenPepper(Encoding.ASCII.GetBytes(secret));
    }

    /// <summary>Why <paramref name="secret"/> cannot be a pepper, or null when it can.</summary>
    public static string? Problem(string? secret) =>
        secret is null || secret.Length < MinLength || secret.Any(c => c <= ' ' || c > '~')
            ? $"must be at least {MinLength} printable ASCII characters without spaces (e.g. `openssl rand -hex 32`)"
            : null;

    /// <summary>A new random pepper (32 bytes from the system's CSPRNG, as 64 hex digits).</summary>
    public static string NewSecret() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    internal byte[] Mac(ReadOnlySpan<byte> token) => HMACSHA256.HashData(_key, token);

    public override string ToString() => $"token pepper {Convert.ToHexStringLower(KeyId)}";
}
