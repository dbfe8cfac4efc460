using Pipeline.ServiceDefaults;

var builder = ServiceDefaultsExtensions.CreateServiceBuilder(args, defaultHttpUrl: "http://127.0.0.1:9102");

var app = builder.Build();
app.MapServiceEndpoints();
await app.RunAsync();
