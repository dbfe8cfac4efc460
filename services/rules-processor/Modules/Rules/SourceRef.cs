using System.Security.Cryptography;
using System.Text;

namespace Pipeline.RulesProcessor.Modules.Rules;

/// <summary>The input record a rule ran on: its Kafka topic, partition and offset, the same again on a replay.</summary>
public readonly record struct SourceRef(string Topic, int Partition, long Offset)
{
    /// <summary>
    /// An id for what action <paramref name="actionIndex"/> of <paramref name="rule"/> made of this record: a republished
    /// command's id, an http action's Idempotency-Key. Deterministic, so a replay after a crash makes the same id and a
    /// receiver can drop the repeat.
    /// </summary>
    public string ActionId(string rule, int actionIndex)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{Topic}\u0000{Partition}\u0000{Offset}\u0000{rule}\u0000{actionIndex}"), hash);
        return new Guid(hash[..16]).ToString();
    }
}
