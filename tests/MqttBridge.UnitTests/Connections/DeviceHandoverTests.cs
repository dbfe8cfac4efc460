using Pipeline.MqttBridge.Connections;

namespace Pipeline.MqttBridge.UnitTests.Connections;

public sealed class DeviceHandoverTests
{
    [Fact]
    public async Task A_second_change_of_the_same_device_waits_for_the_first_to_be_released()
    {
        var handover = new DeviceHandover(TimeSpan.FromMinutes(1));
        var ending = await handover.EnterAsync("d1");
        var connecting = handover.EnterAsync("d1");
        var other = await handover.EnterAsync("d2"); // another device never waits

        Assert.False(connecting.IsCompleted);
        ending.Release();
        var turn = await connecting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(turn.Held);
        turn.Release();
        other.Release();
        Assert.Equal(0, handover.Count);
    }

    [Fact]
    public async Task Releasing_a_turn_twice_gives_it_back_once()
    {
        var handover = new DeviceHandover(TimeSpan.FromMinutes(1));
        var first = await handover.EnterAsync("d1");
        var second = handover.EnterAsync("d1");
        var third = handover.EnterAsync("d1");
        first.Release();
        first.Release();
        var next = await second.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(third.IsCompleted);
        next.Release();
        (await third.WaitAsync(TimeSpan.FromSeconds(10))).Release();
        Assert.Equal(0, handover.Count);
    }

    [Fact]
    public async Task A_turn_never_released_holds_the_next_change_back_only_for_the_longest_wait()
    {
        var handover = new DeviceHandover(TimeSpan.FromMilliseconds(50));
        var stuck = await handover.EnterAsync("d1");
        var late = await handover.EnterAsync("d1").WaitAsync(TimeSpan.FromSeconds(10));

        Assert.False(late.Held);
        late.Release(); // gives back nothing it did not hold
        stuck.Release();
        Assert.Equal(0, handover.Count);
        var again = await handover.EnterAsync("d1");
        Assert.True(again.Held);
        again.Release();
    }
}
