namespace Pipeline.MqttBridge.IntegrationTests.Support;

/// <summary>One bridge shared by the tests of a class (each test uses its own devices).</summary>
public sealed class BridgeFixture : IAsyncLifetime
{
    public TestBridge Bridge { get; private set; } = null!;

    public async Task InitializeAsync() => Bridge = await TestBridge.StartAsync();

    public async Task DisposeAsync()
    {
        var errors = Bridge.LoggedErrors;
        await Bridge.DisposeAsync();
        Assert.True(errors.Count == 0, "The bridge logged errors:\n" + string.Join("\n", errors));
    }
}
