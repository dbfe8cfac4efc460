using System.Text;
using Confluent.Kafka;
using Pipeline.RulesProcessor.Replay;
using Pipeline.RulesProcessor.Topology;
using Streamiz.Kafka.Net.Processors.Public;

namespace Pipeline.RulesProcessor.Modules.Rules;

/// <summary>
/// The rules module's one evaluating node: reads the rule set in force (one volatile read per record), runs the rules
/// whose FROM matches the record's topic (looked up once per topic and rule set: <see cref="RuleMatchCache"/>) and
/// forwards each output. With no enabled rule a record costs that read and nothing else; with none matching its topic,
/// one lookup more.
/// </summary>
/// <remarks>
/// A kafka action's output carries the header <see cref="RuleHeader"/> ("name:version") and the source position
/// (<see cref="SourcePosition"/>) in a headers object of its own: the input record's is shared with every other node,
/// the telemetry chain's too, and the record context's headers are put back once the outputs are forwarded.
/// </remarks>
internal sealed class RuleEvaluation<TIn>(RuleBook book, RuleEngine engine, RulesMetrics metrics, string module, Func<TIn, RuleSubject?> subjectOf)
    : ITransformer<string, TIn, string, RuleOutput>
{
    public const string RuleHeader = "iot-rule";

    private readonly List<RuleOutput> _outputs = [];
    private readonly RuleMatchCache _matches = new();
    private ProcessorContext<string, RuleOutput> _context = null!;

    public void Init(ProcessorContext<string, RuleOutput> context) => _context = context;

    public Record<string, RuleOutput> Process(Record<string, TIn> record)
    {
        var rules = book.Current;
        if (rules.Enabled.Length == 0)
            return null!;
        var subject = subjectOf(record.Value);
        if (subject is null)
            return null!;
        var matching = _matches.Matching(rules, subject.Topic);
        if (matching.Length == 0)
            return null!;
        var position = record.TopicPartitionOffset;
        _outputs.Clear();
        engine.RunMatching(matching, subject, new SourceRef(position.Topic, position.Partition.Value, position.Offset.Value), _outputs);
        if (_outputs.Count == 0)
            return null!;
        var original = _context.Headers;
        try
        {
            foreach (var output in _outputs)
            {
                // Only a kafka action's output gets its own headers; the others go on with the record's.
                _context.SetHeaders(output.Kind == RuleOutputKind.Kafka ? KafkaHeaders(original, output, position) : original);
                metrics.RecordOut(module);
                _context.Forward(record.Key, output);
            }
        }
        finally
        {
            _context.SetHeaders(original);
            _outputs.Clear();
        }
        return null!;
    }

    private static Headers KafkaHeaders(Headers? original, RuleOutput output, TopicPartitionOffset position)
    {
        var headers = new Headers();
        if (original is not null)
        {
            foreach (var header in original)
                headers.Add(header.Key, header.GetValueBytes());
        }
        headers.Remove(RuleHeader);
        headers.Add(RuleHeader, Encoding.UTF8.GetBytes(output.Rule));
        SourcePosition.Stamp(headers, position.Topic, position.Partition.Value, position.Offset.Value);
        return headers;
    }

    public void Close()
    {
    }
}
