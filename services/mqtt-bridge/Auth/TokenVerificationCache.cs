using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Pipeline.Contracts;
using Pipeline.DeviceRegistry;

namespace Pipeline.MqttBridge.Auth;

/// <summary>
/// Remembers tokens that passed the slow hash, so a reconnecting device costs one HMAC instead of
/// one PBKDF2. Only a keyed MAC of the token is kept (the key lives in this process only), tied to
/// the stored hash: a new token in the registry misses the cache.
/// </summary>
public sealed class TokenVerificationCache
{
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly ConcurrentDictionary<string, (ByteString StoredHash, byte[] Mac)> _verified = new(StringComparer.Ordinal);

    public bool Verify(string deviceId, string token, DeviceRecord.Types.TokenHash? stored)
    {
        if (stored is null || token.Length > 256)
            return false;
        var mac = HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(token));
        if (_verified.TryGetValue(deviceId, out var entry) && entry.StoredHash.Equals(stored.Hash)
            && CryptographicOperations.FixedTimeEquals(entry.Mac, mac))
            return true;
        if (!DeviceTokens.Verify(token, stored))
            return false;
        _verified[deviceId] = (stored.Hash, mac);
        return true;
    }

    public void Forget(string deviceId) => _verified.TryRemove(deviceId, out _);
}
