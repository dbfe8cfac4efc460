using Pipeline.MqttBridge;
using Pipeline.MqttBridge.HttpPublish;
using Pipeline.ServiceDefaults;

const string defaultHttpUrl = "http://127.0.0.1:9101";
var builder = ServiceDefaultsExtensions.CreateServiceBuilder(args, defaultHttpUrl);
builder.Services.AddMqttBridge(builder.Configuration);
builder.AddBridgeHttps(defaultHttpUrl);

var app = builder.Build();
app.MapBridgeEndpoints();
return await app.RunServiceAsync();
