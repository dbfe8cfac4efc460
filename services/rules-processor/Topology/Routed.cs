using Pipeline.Contracts;

namespace Pipeline.RulesProcessor.Topology;

/// <summary>
/// What a processor emits when it can both pass a record on and reject one: exactly one of
/// <see cref="Value"/> and <see cref="Rejection"/> is set. <see cref="ModuleContext.SplitRejections{T}"/>
/// sends the rejections to the rejected topic and returns the rest.
/// </summary>
public sealed class Routed<T> where T : class
{
    private Routed(T? value, RejectedMessage? rejection)
    {
        Value = value;
        Rejection = rejection;
    }

    public T? Value { get; }

    public RejectedMessage? Rejection { get; }

    public static Routed<T> Pass(T value) => new(value, null);

    public static Routed<T> Reject(RejectedMessage rejection) => new(null, rejection);
}
