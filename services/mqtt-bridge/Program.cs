using Pipeline.MqttBridge;
using Pipeline.MqttBridge.Hosting;
using Pipeline.MqttBridge.HttpPublish;
using Pipeline.ServiceDefaults;

// Before the first socket: the receive path runs on the socket engine's threads (SocketCompletions says why).
SocketCompletions.RunInlineUnlessConfigured();
const string defaultHttpUrl = "http://127.0.0.1:9101";
var builder = ServiceDefaultsExtensions.CreateServiceBuilder(args, defaultHttpUrl);
builder.Services.AddMqttBridge(builder.Configuration);
builder.AddBridgeHttps(defaultHttpUrl);

var app = builder.Build();
app.MapBridgeEndpoints();
return await app.RunServiceAsync();
