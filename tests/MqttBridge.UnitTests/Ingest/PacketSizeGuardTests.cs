using Pipeline.MqttBridge.Listeners;

namespace Pipeline.MqttBridge.UnitTests.Ingest;

public class PacketSizeGuardTests
{
    private static PacketSizeGuard Guard(int max) => new(max);

    [Fact]
    public void Packets_within_the_limit_pass_in_any_chunking()
    {
        var guard = Guard(200);
        // PUBLISH with remaining length 150 (0x96 0x01), then a PINGREQ (0xC0 0x00).
        var stream = new byte[] { 0x30, 0x96, 0x01 }.Concat(new byte[150]).Concat(new byte[] { 0xC0, 0x00 }).ToArray();
        foreach (var chunk in stream.Chunk(7))
            guard.Inspect(chunk);
    }

    [Fact]
    public void A_header_announcing_too_many_bytes_throws_before_the_body_arrives()
    {
        var guard = Guard(1000);
        // Remaining length 268435455 (the MQTT maximum): 0xFF 0xFF 0xFF 0x7F.
        Assert.Throws<PacketTooLargeException>(() => guard.Inspect([0x30, 0xFF, 0xFF, 0xFF, 0x7F]));
    }

    [Fact]
    public void A_length_longer_than_four_bytes_is_malformed()
    {
        var guard = Guard(int.MaxValue);
        Assert.Throws<IOException>(() => guard.Inspect([0x30, 0x80, 0x80, 0x80, 0x80, 0x01]));
    }

    [Fact]
    public void Random_bytes_never_pass_an_oversized_length()
    {
        var random = new Random(42);
        for (var run = 0; run < 200; run++)
        {
            var guard = Guard(1024);
            var bytes = new byte[4096];
            random.NextBytes(bytes);
            try
            {
                guard.Inspect(bytes);
            }
            catch (IOException)
            {
            }
        }
    }
}
