using Confluent.Kafka;
using Pipeline.RulesProcessor.Hosting;
using Pipeline.ServiceDefaults;
using Pipeline.ServiceDefaults.Kafka;

namespace Pipeline.RulesProcessor.UnitTests;

/// <summary>Streamiz's clients get the factory's connection settings and keep the processor's own tuning.</summary>
public sealed class StreamSettingsTests
{
    private const string Password = "pw-91be-streams";

    [Fact]
    public void Every_Streamiz_client_gets_SASL_and_TLS_from_the_Kafka_section()
    {
        var ca = Path.GetTempFileName();
        try
        {
            var factory = new KafkaClientFactory(new KafkaOptions
            {
                BootstrapServers = "k1:9093", SecurityProtocol = SecurityProtocol.SaslSsl, SaslMechanism = KafkaSaslMechanism.ScramSha512,
                SaslUsername = "processor", SaslPassword = Password, SslCaLocation = ca, ClientId = "rp-1", SessionTimeoutMs = 12_000,
                SocketTimeoutMs = 15_000,
            }, "rules-processor");
            var config = StreamSettings.Create(new RulesOptions { ApplicationId = "rules-test" }, factory, Path.GetTempPath());

            ClientConfig[] clients = [config.ToConsumerConfig("c"), config.ToProducerConfig("p"), config.ToAdminConfig("a"), config.ToGlobalConsumerConfig("g")];
            foreach (var client in clients)
            {
                Assert.Equal("k1:9093", client.BootstrapServers);
                Assert.Equal(SecurityProtocol.SaslSsl, client.SecurityProtocol);
                Assert.Equal(SaslMechanism.ScramSha512, client.SaslMechanism);
                Assert.Equal("processor", client.SaslUsername);
                Assert.Equal(Password, client.SaslPassword);
                Assert.Equal(ca, client.SslCaLocation);
                Assert.Equal(15_000, client.SocketTimeoutMs);
            }
            Assert.Equal("rp-1.streams", config.ClientId);
            Assert.Equal(12_000, config.SessionTimeoutMs);
            Assert.Equal(Partitioner.ConsistentRandom, config.Partitioner);
            Assert.DoesNotContain(Password, config.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(ca);
        }
    }

    [Fact]
    public void Plaintext_leaves_SASL_and_TLS_unset_and_the_default_session_timeout_is_the_processors_10_s()
    {
        var config = StreamSettings.Create(new RulesOptions { ApplicationId = "rules-test" },
            new KafkaClientFactory(new KafkaOptions { BootstrapServers = "k:9092" }, "rules-processor"), Path.GetTempPath());
        var consumer = config.ToConsumerConfig("c");
        Assert.Equal(SecurityProtocol.Plaintext, consumer.SecurityProtocol);
        Assert.Null(consumer.SaslMechanism);
        Assert.Null(consumer.SaslPassword);
        Assert.Null(consumer.SslCaLocation);
        Assert.Equal(10_000, config.SessionTimeoutMs);
        Assert.Equal(3_000, config.HeartbeatIntervalMs);
    }

    [Fact]
    public void The_stream_thread_gathers_input_for_Rules_PollInterval_and_not_Streamiz_default_100_ms()
    {
        var factory = new KafkaClientFactory(new KafkaOptions { BootstrapServers = "k:9092" }, "rules-processor");

        var byDefault = StreamSettings.Create(new RulesOptions { ApplicationId = "rules-test" }, factory, Path.GetTempPath());
        var configured = StreamSettings.Create(new RulesOptions { ApplicationId = "rules-test", PollInterval = TimeSpan.FromMilliseconds(7) }, factory, Path.GetTempPath());

        Assert.Equal(20, byDefault.PollMs);
        Assert.Equal(7, configured.PollMs);
    }
}
