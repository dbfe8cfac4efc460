using System.Collections.Concurrent;
using Pipeline.Contracts;

namespace Pipeline.MqttBridge.ShadowApi;

/// <summary>
/// HTTP requests of this instance waiting for the shadow writer's answer, by request id. The shadow
/// response dispatcher, which reads every answer anyway, hands each .../accepted or .../rejected here.
/// </summary>
public sealed class PendingShadowAnswers
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<ShadowResponse>> _waiting = new(StringComparer.Ordinal);

    /// <summary>Registers <paramref name="requestId"/> before its request is written, so the answer cannot come first.</summary>
    public Task<ShadowResponse> Expect(string requestId) =>
        _waiting.GetOrAdd(requestId, _ => new TaskCompletionSource<ShadowResponse>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void Forget(string requestId) => _waiting.TryRemove(requestId, out _);

    /// <summary>Completes the waiting request this answer belongs to, if any (delta and documents messages are not answers).</summary>
    public void Offer(ShadowResponse response)
    {
        if (!response.Topic.EndsWith("/accepted", StringComparison.Ordinal) && !response.Topic.EndsWith("/rejected", StringComparison.Ordinal))
            return;
        if (_waiting.TryRemove(response.RequestId, out var waiting))
            waiting.TrySetResult(response);
    }
}
