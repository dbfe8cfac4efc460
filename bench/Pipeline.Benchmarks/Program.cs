using System.CommandLine;
using Pipeline.Benchmarks;

var root = new RootCommand("Pipeline throughput benchmarks (commands, not tests).")
{
    ClickHouseInsertCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
