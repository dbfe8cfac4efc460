using Pipeline.MqttBridge;
using Pipeline.ServiceDefaults;

var builder = ServiceDefaultsExtensions.CreateServiceBuilder(args, defaultHttpUrl: "http://127.0.0.1:9101");
builder.Services.AddMqttBridge(builder.Configuration);

var app = builder.Build();
app.MapBridgeEndpoints();
return await app.RunServiceAsync();
