using Pipeline.DeviceRegistry;
using Pipeline.MqttBridge.Auth;

namespace Pipeline.MqttBridge.UnitTests.Registry;

public class DeviceTokensTests
{
    [Fact]
    public void Tokens_are_random_and_carry_at_least_128_bits()
    {
        var tokens = Enumerable.Range(0, 50).Select(_ => DeviceTokens.NewToken()).ToList();
        Assert.Equal(50, tokens.Distinct().Count());
        // URL-safe base64: 6 bits per character.
        Assert.All(tokens, t => Assert.True(t.Length * 6 >= 128 && t.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')));
    }

    [Fact]
    public void The_hash_is_salted_pbkdf2_and_never_the_token()
    {
        var token = DeviceTokens.NewToken();
        var a = DeviceTokens.Hash(token);
        var b = DeviceTokens.Hash(token);
        Assert.Equal("PBKDF2-SHA256", a.Algorithm);
        Assert.True(a.Iterations >= 1000);
        Assert.Equal(16, a.Salt.Length);
        Assert.NotEqual(a.Salt, b.Salt);
        Assert.NotEqual(a.Hash, b.Hash);
        Assert.DoesNotContain(token, a.ToString());
    }

    [Fact]
    public void Verify_accepts_the_token_and_nothing_else()
    {
        var token = DeviceTokens.NewToken();
        var stored = DeviceTokens.Hash(token);
        Assert.True(DeviceTokens.Verify(token, stored));
        Assert.False(DeviceTokens.Verify(token + "x", stored));
        Assert.False(DeviceTokens.Verify(token[..^1], stored));
        Assert.False(DeviceTokens.Verify("", stored));
        Assert.False(DeviceTokens.Verify(null, stored));
        Assert.False(DeviceTokens.Verify(token, null));
        Assert.False(DeviceTokens.Verify(new string('a', 10_000), stored));
        var otherAlgorithm = stored.Clone();
        otherAlgorithm.Algorithm = "MD5";
        Assert.False(DeviceTokens.Verify(token, otherAlgorithm));
    }

    [Fact]
    public void The_iteration_count_is_read_from_the_stored_hash()
    {
        var token = DeviceTokens.NewToken();
        var stored = DeviceTokens.Hash(token, iterations: 2000);
        Assert.Equal(2000, stored.Iterations);
        Assert.True(DeviceTokens.Verify(token, stored));
    }

    [Theory]
    [InlineData("sensor-1", true)]
    [InlineData("a", true)]
    [InlineData("Site_3.line:7-x", true)]
    [InlineData("", false)]
    [InlineData("with space", false)]
    [InlineData("slash/id", false)]
    [InlineData("plus+", false)]
    [InlineData("hash#", false)]
    [InlineData("caf\u00e9", false)]
    public void Device_ids_are_restricted_to_a_safe_alphabet(string id, bool valid)
    {
        Assert.Equal(valid, DeviceIds.IsValid(id));
        if (!valid)
            Assert.Equal(DeviceRegistryError.InvalidId, Assert.Throws<DeviceRegistryException>(() => DeviceIds.Validate(id)).Error);
    }

    [Fact]
    public void Device_ids_are_at_most_128_characters()
    {
        Assert.True(DeviceIds.IsValid(new string('a', 128)));
        Assert.False(DeviceIds.IsValid(new string('a', 129)));
    }

    [Theory]
    [InlineData("rate_limit", "0")]
    [InlineData("rate_limit", "fast")]
    [InlineData("bad key", "x")]
    [InlineData("", "x")]
    public void Bad_attributes_are_refused(string key, string value) =>
        Assert.Equal(DeviceRegistryError.InvalidAttribute,
            Assert.Throws<DeviceRegistryException>(() => DeviceAttributes.Validate(new Dictionary<string, string> { [key] = value })).Error);
}
