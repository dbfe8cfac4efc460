using Pipeline.ServiceDefaults;
using Pipeline.SinkWriter;

var builder = ServiceDefaultsExtensions.CreateServiceBuilder(args, defaultHttpUrl: "http://127.0.0.1:9103");
builder.Services.AddSinkWriter(builder.Configuration);

var app = builder.Build();
app.MapServiceEndpoints();
return await app.RunSinkWriterAsync();
