using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Pipeline.Contracts;

namespace Pipeline.DeviceRegistry;

/// <summary>
/// Device tokens: 192 random bits shown once, stored only as a salted PBKDF2-SHA256 hash.
/// The token's entropy is what makes guessing hopeless; the slow hash is defence in depth for a
/// leaked registry. Its iteration count is stored in each record, so it can be raised later
/// without invalidating existing tokens. The default keeps a CONNECT storm affordable: every
/// connect with a token costs one hash (the bridge caches successful checks).
/// </summary>
public static class DeviceTokens
{
    public const string Algorithm = "PBKDF2-SHA256";
    public const int DefaultIterations = 10_000;
    private const int TokenBytes = 24;
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    /// <summary>A new random token (URL-safe base64, 32 characters, 192 bits).</summary>
    public static string NewToken() => Base64Url(RandomNumberGenerator.GetBytes(TokenBytes));

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

    /// <summary>True when <paramref name="token"/> matches; compares in constant time. Unknown algorithms never match.</summary>
    public static bool Verify(string? token, DeviceRecord.Types.TokenHash? stored)
    {
        if (string.IsNullOrEmpty(token) || stored is null || stored.Algorithm != Algorithm
            || stored.Iterations < 1 || stored.Salt.IsEmpty || stored.Hash.Length != HashBytes)
            return false;
        // A token is short; refuse absurd inputs before spending a hash on them.
        if (token.Length > 256)
            return false;
        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(token), stored.Salt.Span, stored.Iterations, HashAlgorithmName.SHA256, HashBytes);
        return CryptographicOperations.FixedTimeEquals(actual, stored.Hash.Span);
    }

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
