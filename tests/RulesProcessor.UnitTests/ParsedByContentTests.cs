using Pipeline.RulesProcessor.Topology;

namespace Pipeline.RulesProcessor.UnitTests;

/// <summary>The enrich join's cache of parsed registry records, found by the bytes' content (the store hands out copies).</summary>
public sealed class ParsedByContentTests
{
    [Fact]
    public void A_copy_of_the_same_bytes_finds_the_parsed_value_and_other_bytes_do_not()
    {
        var parsed = new ParsedByContent<string>();
        parsed.Add([1, 2, 3], "dev-1 v1");

        Assert.True(parsed.TryGet([1, 2, 3], out var found));
        Assert.Equal("dev-1 v1", found);
        Assert.False(parsed.TryGet([1, 2, 4], out _));
        Assert.False(parsed.TryGet([1, 2], out _));
    }

    [Fact]
    public void Past_its_limit_it_starts_over()
    {
        var parsed = new ParsedByContent<string>();
        for (var i = 0; i <= ParsedByContent<string>.Limit; i++)
            parsed.Add(BitConverter.GetBytes(i), "v");

        Assert.Equal(1, parsed.Count);
    }
}
