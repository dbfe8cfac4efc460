using System.ComponentModel.DataAnnotations;
using Pipeline.DeviceRegistry;

namespace Pipeline.MqttBridge.UnitTests.Registry;

public class DeviceTokenOptionsTests
{
    private static List<string> Problems(DeviceTokenOptions options) =>
        options.Validate(new ValidationContext(options)).Select(r => r.ErrorMessage!).ToList();

    [Fact]
    public void A_bridge_without_a_pepper_is_refused_with_the_setting_named()
    {
        var problem = Assert.Single(Problems(new DeviceTokenOptions()));
        Assert.Contains("DeviceTokens:Pepper", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_short_pepper_is_refused_and_a_long_one_loads()
    {
        Assert.Contains("DeviceTokens:Pepper", Assert.Single(Problems(new DeviceTokenOptions { Pepper = "too-short" })), StringComparison.Ordinal);
        var secret = TokenPepper.NewSecret();
        Assert.Empty(Problems(new DeviceTokenOptions { Pepper = secret }));
        var token = DeviceTokens.NewToken();
        Assert.True(DeviceTokens.Verify(token, DeviceTokens.HashKeyed(token, new DeviceTokenOptions { Pepper = secret }.Load()!), TokenPepper.FromSecret(secret)));
    }

    [Fact]
    public void A_pepper_file_is_read_trimmed_and_an_unreadable_one_is_named()
    {
        var path = Path.GetTempFileName();
        try
        {
            var secret = TokenPepper.NewSecret();
            File.WriteAllText(path, secret + "\n");
            var fromFile = new DeviceTokenOptions { PepperFile = path };
            Assert.Empty(Problems(fromFile));
            Assert.Equal(TokenPepper.FromSecret(secret).KeyId, fromFile.Load()!.KeyId);
        }
        finally
        {
            File.Delete(path);
        }
        Assert.Contains("DeviceTokens:PepperFile", Assert.Single(Problems(new DeviceTokenOptions { PepperFile = path })), StringComparison.Ordinal);
    }
}
