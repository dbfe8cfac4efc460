using System.CommandLine;
using Pipeline.Cli.Testing;

namespace Pipeline.Cli.Commands;

/// <summary>`./pipeline test`: every test project, one summary line over all of them.</summary>
public static class TestCommand
{
    public static Command Create()
    {
        var filter = new Option<string?>("--filter") { Description = "A dotnet test --filter expression applied to every project." };
        var project = new Option<string[]>("--project") { Description = "Run only these test projects (folder names under tests/).", AllowMultipleArgumentsPerToken = true };
        var command = new Command("test", "Run the full test suite (unit and integration) and print 'N passed, N failed'.") { filter, project };
        command.SetAction((parse, ct) =>
            new TestSuiteRunner(RepositoryPaths.Root, Console.Out).RunAsync(parse.GetValue(project) ?? [], parse.GetValue(filter), ct));
        return command;
    }
}
