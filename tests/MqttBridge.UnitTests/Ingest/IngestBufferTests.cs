using Pipeline.MqttBridge.Ingest;

namespace Pipeline.MqttBridge.UnitTests.Ingest;

public class IngestBufferTests
{
    [Fact]
    public void Reservations_beyond_capacity_fail_until_bytes_are_released()
    {
        var buffer = new IngestBuffer(100);
        Assert.True(buffer.TryReserve(60));
        Assert.False(buffer.TryReserve(50));
        buffer.Release(60);
        Assert.True(buffer.TryReserve(50));
        Assert.Equal(50, buffer.UsedBytes);
    }

    [Fact]
    public void One_message_larger_than_the_buffer_passes_when_the_buffer_is_empty()
    {
        var buffer = new IngestBuffer(100);
        Assert.True(buffer.TryReserve(500));
        Assert.False(buffer.TryReserve(1));
    }

    [Fact]
    public async Task A_waiting_reservation_completes_when_space_is_released()
    {
        var buffer = new IngestBuffer(100);
        buffer.TryReserve(100);
        var waiting = buffer.ReserveAsync(40, CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        buffer.Release(100);
        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(40, buffer.UsedBytes);
    }

    [Fact]
    public async Task A_waiting_reservation_can_be_cancelled()
    {
        var buffer = new IngestBuffer(100);
        buffer.TryReserve(100);
        using var cts = new CancellationTokenSource();
        var waiting = buffer.ReserveAsync(40, cts.Token);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
    }
}
