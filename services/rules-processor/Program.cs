using Pipeline.RulesProcessor;
using Pipeline.RulesProcessor.Hosting;
using Pipeline.ServiceDefaults;

if (ListTopicsCommand.TryRun(args) is { } exitCode)
    return exitCode;

var builder = ServiceDefaultsExtensions.CreateServiceBuilder(args, defaultHttpUrl: "http://127.0.0.1:9102");
builder.AddRulesProcessor();

var app = builder.Build();
app.MapServiceEndpoints();
var hostExitCode = await app.RunServiceAsync();
// Non-zero when the stream failed (RulesStreamService.StreamFailedExitCode), so a supervisor restarts it.
return hostExitCode != 0 ? hostExitCode : Environment.ExitCode;
