using System.ComponentModel.DataAnnotations;
using Pipeline.MqttBridge.Options;

namespace Pipeline.MqttBridge.UnitTests.Options;

public class BridgeOptionsTests
{
    private static List<string> Problems(BridgeOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results.Select(r => r.ErrorMessage!).ToList();
    }

    [Fact]
    public void The_defaults_load()
    {
        Assert.Empty(Problems(new BridgeOptions()));
        Assert.Equal(1_000_000, new BridgeOptions().BatchBytes); // librdkafka's own batch.size: batches as large as the linger gathers
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1023)]
    [InlineData(1_000_001)]
    public void A_batch_size_librdkafka_would_refuse_is_refused_at_start_with_the_setting_named(int bytes) =>
        Assert.Contains("Bridge:BatchBytes", Assert.Single(Problems(new BridgeOptions { BatchBytes = bytes })), StringComparison.Ordinal);
}
