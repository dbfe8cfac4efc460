namespace Pipeline.RulesProcessor.Replay;

/// <summary>
/// Builds the <see cref="OutputLedger"/> of one output topic for an input partition a task resumes at.
/// <c>keyedLikeInput</c>: the outputs carry the input's key (the device id), so they are partitioned like it.
/// </summary>
public interface IOutputLedgerSource
{
    OutputLedger Read(string outputTopic, bool keyedLikeInput, string inputTopic, int inputPartition, long resumedAt);
}

/// <summary>No ledger: every record is written (TopologyTestDriver, where nothing was written before).</summary>
public sealed class NoOutputLedger : IOutputLedgerSource
{
    public static NoOutputLedger Instance { get; } = new();

    public OutputLedger Read(string outputTopic, bool keyedLikeInput, string inputTopic, int inputPartition, long resumedAt) => OutputLedger.Empty;
}
