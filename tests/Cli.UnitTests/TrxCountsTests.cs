using Pipeline.Cli.Testing;

namespace Pipeline.Cli.UnitTests;

public sealed class TrxCountsTests
{
    [Fact]
    public void Errored_timed_out_and_aborted_tests_count_as_failed()
    {
        var dir = Directory.CreateTempSubdirectory("trx").FullName;
        File.WriteAllText(Path.Combine(dir, "a.trx"), """
            <?xml version="1.0" encoding="utf-8"?>
            <TestRun xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
              <ResultSummary outcome="Failed">
                <Counters total="10" executed="9" passed="5" failed="1" error="1" timeout="1" aborted="1" notExecuted="1" />
              </ResultSummary>
            </TestRun>
            """);
        Assert.Equal(new TrxCounts(5, 4, 1), TrxCounts.ReadAll(dir));
        Assert.Null(TrxCounts.ReadAll(Path.Combine(dir, "missing")));
    }
}

public sealed class TrxFailuresTests
{
    [Fact]
    public void Failed_tests_are_named_with_the_first_line_of_their_error()
    {
        var dir = Directory.CreateTempSubdirectory("trx").FullName;
        File.WriteAllText(Path.Combine(dir, "a.trx"), """
            <?xml version="1.0" encoding="utf-8"?>
            <TestRun xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
              <Results>
                <UnitTestResult testName="Ns.A.Passes" outcome="Passed" />
                <UnitTestResult testName="Ns.A.Breaks" outcome="Failed">
                  <Output><ErrorInfo><Message>Assert.Equal() Failure: Values differ
            Expected: 3
            Actual:   2</Message><StackTrace>at X</StackTrace></ErrorInfo></Output>
                </UnitTestResult>
              </Results>
            </TestRun>
            """);
        Assert.Equal(["Ns.A.Breaks: Assert.Equal() Failure: Values differ\n    Expected: 3\n    Actual:   2"], TrxFailures.ReadAll(dir));
    }

    [Fact]
    public void A_long_error_is_cut_to_a_bounded_number_of_lines_saying_how_many_were_left_out()
    {
        var dir = Directory.CreateTempSubdirectory("trx").FullName;
        var message = string.Join("\n", Enumerable.Range(1, 40).Select(i => $"line {i}"));
        File.WriteAllText(Path.Combine(dir, "a.trx"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <TestRun xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
              <Results>
                <UnitTestResult testName="Ns.A.Long" outcome="Failed">
                  <Output><ErrorInfo><Message>{message}</Message></ErrorInfo></Output>
                </UnitTestResult>
              </Results>
            </TestRun>
            """);
        var lines = Assert.Single(TrxFailures.ReadAll(dir)).Split('\n');
        Assert.Equal("Ns.A.Long: line 1", lines[0]);
        Assert.Equal("    line 13", lines[12]);
        Assert.Equal("    ... 27 more line(s) in the TRX report", lines[^1]);
        Assert.Equal(14, lines.Length);
    }
}
