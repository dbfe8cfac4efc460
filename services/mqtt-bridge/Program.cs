using Pipeline.MqttBridge;
using Pipeline.MqttBridge.HttpPublish;
using Pipeline.ServiceDefaults;

// Socket reads continue on the socket engine's own threads (one per core) instead of being handed to the thread
// pool: every MQTT packet read used to cost a thread-pool wake-up and context switch, and nothing on the bridge's
// receive path blocks (Kafka's Produce only queues; waits are awaited; blocking consumers have their own
// threads). Measured +12-14% QoS 1 msg/s acknowledged in the bridge-alone benchmark (docs/operations.md,
// "Bridge throughput"). Set DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=0 to hand reads to the pool again.
// It must be set before the first socket is used, so it is set here and not in configuration.
if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null)
    Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
const string defaultHttpUrl = "http://127.0.0.1:9101";
var builder = ServiceDefaultsExtensions.CreateServiceBuilder(args, defaultHttpUrl);
builder.Services.AddMqttBridge(builder.Configuration);
builder.AddBridgeHttps(defaultHttpUrl);

var app = builder.Build();
app.MapBridgeEndpoints();
return await app.RunServiceAsync();
