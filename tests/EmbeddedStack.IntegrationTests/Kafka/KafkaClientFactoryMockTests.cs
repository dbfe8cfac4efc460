using System.Collections.Concurrent;
using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipeline.EmbeddedStack.Kafka;
using Pipeline.ServiceDefaults;
using Pipeline.ServiceDefaults.Kafka;

namespace Pipeline.EmbeddedStack.IntegrationTests.Kafka;

/// <summary>
/// The services' Kafka client factory against the embedded Kafka. librdkafka's mock cluster cannot require SASL:
/// it has no SaslHandshake or SaslAuthenticate handler (its request table in src/rdkafka_mock_handlers.c) and no
/// TLS listener, so a right and a wrong password cannot be told apart here. What can be tested is tested: PLAINTEXT
/// clients from the factory work; a SASL client meets a broker that cannot authenticate it, and that is a start-up
/// error naming the settings within seconds (not a retry loop), with the password in no log line.
/// </summary>
public sealed class KafkaClientFactoryMockTests
{
    private const string Password = "pw-6d0e-never-logged";

    [Fact]
    public async Task A_producer_and_a_consumer_from_the_factory_round_trip_a_record()
    {
        using var cluster = MockKafkaCluster.Start();
        cluster.CreateTopic("factory-plain", partitions: 1);
        var loggers = new Lines();
        using var factoryLoggers = LoggerFactory.Create(b => b.AddProvider(loggers).SetMinimumLevel(LogLevel.Debug));
        var factory = new KafkaClientFactory(new KafkaOptions { BootstrapServers = cluster.BootstrapServers }, "factory-test", factoryLoggers);

        var producerConfig = factory.ProducerConfig("producer");
        producerConfig.Acks = Acks.All;
        using (var producer = factory.CreateProducer<string, string>(producerConfig))
            await producer.ProduceAsync("factory-plain", new Message<string, string> { Key = "k", Value = "v" });

        var consumerConfig = factory.GroupConsumerConfig("consumer", "factory-plain-group");
        consumerConfig.AutoOffsetReset = AutoOffsetReset.Earliest;
        using var consumer = factory.CreateConsumer<string, string>(consumerConfig);
        consumer.Subscribe("factory-plain");
        var result = consumer.Consume(TimeSpan.FromSeconds(30));
        consumer.Close();

        Assert.NotNull(result);
        Assert.Equal("v", result.Message.Value);
        await KafkaAccessCheck.VerifyAsync(factory, TimeSpan.FromSeconds(10), factoryLoggers.CreateLogger("check"), CancellationToken.None);
        Assert.Contains(loggers.All, l => l.Contains("accepted this service", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(KafkaSaslMechanism.Plain)]
    [InlineData(KafkaSaslMechanism.ScramSha256)]
    public async Task A_SASL_login_the_broker_cannot_accept_stops_the_start_naming_the_settings_and_logs_no_password(KafkaSaslMechanism mechanism)
    {
        using var cluster = MockKafkaCluster.Start();
        var lines = new Lines();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(lines).SetMinimumLevel(LogLevel.Debug));
        var factory = new KafkaClientFactory(new KafkaOptions
        {
            BootstrapServers = cluster.BootstrapServers, SecurityProtocol = SecurityProtocol.SaslPlaintext, SaslMechanism = mechanism,
            SaslUsername = "bridge", SaslPassword = Password,
        }, "factory-test", loggers);

        var watch = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<KafkaAccessException>(() =>
            KafkaAccessCheck.VerifyAsync(factory, TimeSpan.FromSeconds(30), loggers.CreateLogger("check"), CancellationToken.None));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"the refusal took {watch.Elapsed.TotalSeconds:0.0} s to surface");
        Assert.Contains($"refused the login of Kafka:SaslUsername 'bridge' with Kafka:SaslMechanism {mechanism}", e.Message);
        Assert.Contains("Kafka:SaslPassword", e.Message);
        Assert.Contains("SASL", e.Message); // librdkafka's own reason is kept
        Assert.DoesNotContain(Password, e.Message);
        Assert.Contains(lines.All, l => l.StartsWith($"Error {LibrdkafkaLog.Category}", StringComparison.Ordinal));
        Assert.DoesNotContain(lines.All, l => l.Contains(Password, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_service_host_configured_for_SASL_fails_to_start_with_the_access_error()
    {
        using var cluster = MockKafkaCluster.Start();
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kafka:BootstrapServers"] = cluster.BootstrapServers,
            ["Kafka:SecurityProtocol"] = "SaslPlaintext",
            ["Kafka:SaslUsername"] = "sink",
            ["Kafka:SaslPassword"] = Password,
        });
        builder.Logging.ClearProviders();
        builder.Services.AddKafkaClients("factory-test");
        var started = false;
        builder.Services.AddHostedService(_ => new Marker(() => started = true));
        using var host = builder.Build();

        var e = await Assert.ThrowsAsync<KafkaAccessException>(() => host.StartAsync());

        Assert.Contains("Kafka:SaslUsername 'sink'", e.Message);
        Assert.False(started, "a hosted service registered after the check started although Kafka refused the login");
    }

    private sealed class Marker(Action onStart) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            onStart();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>Every log line as "Level Category: text".</summary>
    private sealed class Lines : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public IReadOnlyCollection<string> All => _lines.ToArray();

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : " " + exception)}");
        }
    }
}
