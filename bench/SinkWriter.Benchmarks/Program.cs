using System.CommandLine;
using Pipeline.SinkWriter.Benchmarks;

var root = new RootCommand("sink-writer throughput (a command, not a test).")
{
    SinkVsDriverCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
