using System.Security.Cryptography;
using System.Text;
using Pipeline.Contracts;
using Pipeline.DeviceRegistry;
using Pipeline.MqttBridge.Auth;

namespace Pipeline.MqttBridge.UnitTests.Registry;

public class KeyedTokenHashTests
{
    private static readonly TokenPepper Pepper = TokenPepper.FromSecret(TokenPepper.NewSecret());

    [Fact]
    public void A_keyed_record_verifies_its_token_and_refuses_any_other()
    {
        var token = DeviceTokens.NewToken();
        var stored = DeviceTokens.HashKeyed(token, Pepper);

        Assert.Equal(DeviceTokens.KeyedAlgorithm, stored.Algorithm);
        Assert.Equal(TokenCheck.Valid, DeviceTokens.Check(token, stored, Pepper));
        Assert.Equal(TokenCheck.Refused, DeviceTokens.Check(token + "x", stored, Pepper));
        Assert.Equal(TokenCheck.Refused, DeviceTokens.Check(token[..^1], stored, Pepper));
        Assert.Equal(TokenCheck.Refused, DeviceTokens.Check(DeviceTokens.NewToken(), stored, Pepper));
        Assert.Equal(TokenCheck.Refused, DeviceTokens.Check("", stored, Pepper));
        Assert.Equal(TokenCheck.Refused, DeviceTokens.Check(new string('a', 10_000), stored, Pepper));
    }

    [Fact]
    public void A_leaked_keyed_record_does_not_verify_without_the_pepper()
    {
        var token = DeviceTokens.NewToken();
        var stored = DeviceTokens.HashKeyed(token, Pepper);

        // Whoever has the record but not the server secret cannot check a guess, not even the right one.
        Assert.Equal(TokenCheck.Refused, DeviceTokens.Check(token, stored, pepper: null));
        Assert.Equal(TokenCheck.Refused, DeviceTokens.Check(token, stored, TokenPepper.FromSecret(TokenPepper.NewSecret())));
        Assert.NotEqual(SHA256.HashData(Encoding.UTF8.GetBytes(token)), stored.Hash.ToByteArray());
        Assert.NotEqual(HMACSHA256.HashData(Array.Empty<byte>(), Encoding.UTF8.GetBytes(token)), stored.Hash.ToByteArray());
        // A record forged with another pepper's key id and a MAC under that pepper is refused too.
        var forged = DeviceTokens.HashKeyed(token, TokenPepper.FromSecret(TokenPepper.NewSecret()));
        forged.Salt = stored.Salt;
        Assert.Equal(TokenCheck.Refused, DeviceTokens.Check(token, forged, Pepper));
    }

    [Fact]
    public void The_pepper_must_be_long_printable_and_never_prints()
    {
        Assert.NotNull(TokenPepper.Problem("short"));
        Assert.NotNull(TokenPepper.Problem(new string('a', 31)));
        Assert.NotNull(TokenPepper.Problem(new string('a', 31) + " "));
        Assert.Null(TokenPepper.Problem(new string('a', 32)));
        var secret = TokenPepper.NewSecret();
        Assert.DoesNotContain(secret, TokenPepper.FromSecret(secret).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_legacy_record_verifies_and_is_handed_on_for_its_rewrite_which_then_verifies_keyed()
    {
        var token = DeviceTokens.NewToken();
        var legacy = new DeviceRecord { DeviceId = "d-1", CreatedTsMs = 1_000, UpdatedTsMs = 2_000, Token = DeviceTokens.Hash(token, 1000) };
        legacy.Attributes["site"] = "plant-1";
        var handedOn = new List<(DeviceRecord Record, DeviceRecord.Types.TokenHash Keyed)>();
        var tokens = new TokenVerificationCache(Pepper, (record, keyed) => handedOn.Add((record, keyed)));

        Assert.Equal(TokenCheck.ValidLegacy, DeviceTokens.Check(token, legacy.Token, Pepper));
        Assert.True(tokens.Verify(legacy, token));
        Assert.True(tokens.Verify(legacy, token)); // the second check is the cached one: handed on once
        var (current, keyedHash) = Assert.Single(handedOn);
        Assert.Same(legacy, current);

        var upgraded = DeviceTokens.Rekeyed(current, keyedHash, nowMs: 1_500);
        Assert.Equal(DeviceTokens.KeyedAlgorithm, upgraded.Token.Algorithm);
        Assert.Equal(TokenCheck.Valid, DeviceTokens.Check(token, upgraded.Token, Pepper));
        Assert.True(upgraded.UpdatedTsMs > legacy.UpdatedTsMs, "the rewrite is newer than the record it replaces (a replay of the old one is refused)");
        Assert.Equal("plant-1", upgraded.Attributes["site"]);
        Assert.Equal(legacy.CreatedTsMs, upgraded.CreatedTsMs);
        Assert.True(tokens.Verify(upgraded, token));
        Assert.False(tokens.Verify(upgraded, DeviceTokens.NewToken()));
        Assert.Single(handedOn);
    }

    [Fact]
    public void A_wrong_token_against_a_legacy_record_is_refused_and_nothing_is_rewritten()
    {
        var legacy = new DeviceRecord { DeviceId = "d-2", Token = DeviceTokens.Hash(DeviceTokens.NewToken(), 1000) };
        var handedOn = 0;
        var tokens = new TokenVerificationCache(Pepper, (_, _) => handedOn++);

        Assert.False(tokens.Verify(legacy, DeviceTokens.NewToken()));
        Assert.False(tokens.Verify(legacy, ""));
        Assert.Equal(0, handedOn);
    }

    [Fact]
    public void A_revoked_legacy_record_is_not_handed_on_and_a_new_token_misses_the_cache()
    {
        var token = DeviceTokens.NewToken();
        var revoked = new DeviceRecord { DeviceId = "d-3", Revoked = true, Token = DeviceTokens.Hash(token, 1000) };
        var handedOn = 0;
        var tokens = new TokenVerificationCache(Pepper, (_, _) => handedOn++);

        Assert.True(tokens.Verify(revoked, token)); // the authenticator answers 0x87 for a revoked device that proves itself
        Assert.Equal(0, handedOn);
        var replaced = new DeviceRecord { DeviceId = "d-3", Token = DeviceTokens.Hash(DeviceTokens.NewToken(), 1000) };
        Assert.False(tokens.Verify(replaced, token));
    }
}
