using System.Collections.Concurrent;
using System.Security.Cryptography;
using Google.Protobuf;
using Pipeline.Contracts;
using Pipeline.DeviceRegistry;

namespace Pipeline.MqttBridge.Auth;

/// <summary>
/// Checks device tokens against the registry. A keyed record (HMAC-SHA256 with the token pepper) costs one HMAC per
/// check, nothing cached. A legacy PBKDF2 record is checked slowly once, then remembered (as its keyed MAC, tied to
/// the stored hash) until its rewrite in the keyed form reaches the registry: after each successful legacy check the
/// record and the token's keyed hash go to <paramref name="legacyVerified"/> (the bridge's <see cref="TokenHashUpgrader"/>).
/// </summary>
public sealed class TokenVerificationCache(TokenPepper pepper, Action<DeviceRecord, DeviceRecord.Types.TokenHash>? legacyVerified = null)
{
    private readonly ConcurrentDictionary<string, (ByteString StoredHash, ByteString Mac)> _legacyVerified = new(StringComparer.Ordinal);

    public bool Verify(DeviceRecord record, string token)
    {
        ArgumentNullException.ThrowIfNull(record);
        var stored = record.Token;
        if (stored is null || string.IsNullOrEmpty(token) || token.Length > 256)
            return false;
        if (stored.Algorithm == DeviceTokens.KeyedAlgorithm)
        {
            _legacyVerified.TryRemove(record.DeviceId, out _);
            return DeviceTokens.Check(token, stored, pepper) == TokenCheck.Valid;
        }
        var keyed = DeviceTokens.HashKeyed(token, pepper);
        if (_legacyVerified.TryGetValue(record.DeviceId, out var entry) && entry.StoredHash.Equals(stored.Hash)
            && CryptographicOperations.FixedTimeEquals(entry.Mac.Span, keyed.Hash.Span))
            return true;
        if (DeviceTokens.Check(token, stored, pepper) != TokenCheck.ValidLegacy)
            return false;
        _legacyVerified[record.DeviceId] = (stored.Hash, keyed.Hash);
        if (!record.Revoked)
            legacyVerified?.Invoke(record, keyed);
        return true;
    }

    public void Forget(string deviceId) => _legacyVerified.TryRemove(deviceId, out _);
}
