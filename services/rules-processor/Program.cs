using Pipeline.RulesProcessor;
using Pipeline.RulesProcessor.Hosting;
using Pipeline.ServiceDefaults;

if (ListTopicsCommand.TryRun(args) is { } exitCode)
    return exitCode;

var builder = ServiceDefaultsExtensions.CreateServiceBuilder(args, defaultHttpUrl: "http://127.0.0.1:9102");
builder.AddRulesProcessor();

var app = builder.Build();
app.MapServiceEndpoints();
// Non-zero when the stream failed (RulesStreamService.StreamFailedExitCode), so a supervisor restarts it; 78 for a refused setting.
return await app.RunServiceAsync();
