using Pipeline.Contracts;
using Streamiz.Kafka.Net;

namespace Pipeline.RulesProcessor.Topology;

/// <summary>
/// One topology a data engineer adds to the rules processor: enabled by <see cref="Name"/> in
/// <c>Rules:Modules</c>, built into the processor's single Streamiz topology in the listed order.
/// </summary>
/// <remarks>
/// A module either works on the telemetry chain (reads <see cref="ModuleContext.Telemetry"/> and replaces it
/// with what passes, like validate, dedupe, enrich) or taps it (reads it and writes its own topic, like window
/// and threshold-alert). See docs/topologies.md.
/// </remarks>
public interface ITopologyModule
{
    /// <summary>The name used in <c>Rules:Modules</c> and as the <c>module</c> label of the metrics.</summary>
    string Name { get; }

    /// <summary>
    /// The topics and state stores this module uses, given the configured topic names. The processor
    /// pre-creates these (the embedded Kafka cannot create topics on demand) and registers a schema for
    /// every written topic before the stream starts.
    /// </summary>
    ModuleDescription Describe(KafkaTopics topics);

    /// <summary>Adds the module's nodes. Pure: no I/O, so it runs the same under TopologyTestDriver.</summary>
    void Build(StreamBuilder builder, ModuleContext context);
}

/// <summary>What a module reads and writes besides the telemetry chain, and the state stores it owns.</summary>
/// <param name="Reads">Topics read directly (e.g. iot.devices for a global table).</param>
/// <param name="Writes">Topics written (each gets a registered schema id before the stream starts).</param>
/// <param name="StateStores">Store names; each has a changelog topic <c>&lt;application.id&gt;-&lt;store&gt;-changelog</c>.</param>
public sealed record ModuleDescription(
    IReadOnlyList<string> Reads,
    IReadOnlyList<string> Writes,
    IReadOnlyList<string> StateStores)
{
    public static ModuleDescription None { get; } = new([], [], []);
}
