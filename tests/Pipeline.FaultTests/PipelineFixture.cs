namespace Pipeline.FaultTests;

/// <summary>One `up` shared by the tests of a class that do not break it (hostile input).</summary>
public sealed class PipelineFixture : IAsyncLifetime
{
    public RunningPipeline Pipeline { get; private set; } = null!;

    // New devices are refused until the bridge has read them from the registry topic; the tests poll their
    // first connect, so the failed-connect throttle (tested in MqttBridge.IntegrationTests) is raised here.
    public async Task InitializeAsync() =>
        Pipeline = await RunningPipeline.StartAsync(new Dictionary<string, string> { ["PIPELINE__Limits__FailedConnectsPerMinute"] = "10000" });

    public async Task DisposeAsync() => await Pipeline.DisposeAsync();
}
