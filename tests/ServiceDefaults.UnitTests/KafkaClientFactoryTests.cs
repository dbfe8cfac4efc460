using Confluent.Kafka;
using Pipeline.ServiceDefaults.Kafka;

namespace Pipeline.ServiceDefaults.UnitTests;

/// <summary>What librdkafka is handed for each way of reaching Kafka, read back as its own property names.</summary>
public sealed class KafkaClientFactoryTests : IDisposable
{
    private const string Password = "pw-7f3a9c-not-in-logs";
    private const string KeyPassword = "keypw-51e2-not-in-logs";
    private readonly string _dir = Directory.CreateTempSubdirectory("kafka-factory-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string File(string name)
    {
        var path = Path.Combine(_dir, name);
        System.IO.File.WriteAllText(path, "-----BEGIN CERTIFICATE-----\n");
        return path;
    }

    private static Dictionary<string, string> Properties(ClientConfig config) => config.ToDictionary(kv => kv.Key, kv => kv.Value);

    [Fact]
    public void Plaintext_sets_brokers_and_client_id_and_nothing_of_SASL_or_TLS()
    {
        var factory = new KafkaClientFactory(new KafkaOptions { BootstrapServers = "b1:9092,b2:9092" }, "mqtt-bridge");
        var p = Properties(factory.ProducerConfig("producer"));
        Assert.Equal("b1:9092,b2:9092", p["bootstrap.servers"]);
        Assert.Equal("plaintext", p["security.protocol"]);
        Assert.Equal($"mqtt-bridge-{Environment.MachineName}-{Environment.ProcessId}.producer", p["client.id"]);
        Assert.DoesNotContain(p.Keys, k => k.StartsWith("sasl.", StringComparison.Ordinal) || k.StartsWith("ssl.", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(SecurityProtocol.SaslPlaintext, KafkaSaslMechanism.Plain, "sasl_plaintext", "PLAIN")]
    [InlineData(SecurityProtocol.SaslPlaintext, KafkaSaslMechanism.ScramSha256, "sasl_plaintext", "SCRAM-SHA-256")]
    [InlineData(SecurityProtocol.SaslPlaintext, KafkaSaslMechanism.ScramSha512, "sasl_plaintext", "SCRAM-SHA-512")]
    [InlineData(SecurityProtocol.SaslSsl, KafkaSaslMechanism.Plain, "sasl_ssl", "PLAIN")]
    [InlineData(SecurityProtocol.SaslSsl, KafkaSaslMechanism.ScramSha256, "sasl_ssl", "SCRAM-SHA-256")]
    [InlineData(SecurityProtocol.SaslSsl, KafkaSaslMechanism.ScramSha512, "sasl_ssl", "SCRAM-SHA-512")]
    public void SASL_protocols_and_mechanisms_become_librdkafka_properties_on_every_client_kind(
        SecurityProtocol protocol, KafkaSaslMechanism mechanism, string expectedProtocol, string expectedMechanism)
    {
        var factory = new KafkaClientFactory(new KafkaOptions
        {
            SecurityProtocol = protocol, SaslMechanism = mechanism, SaslUsername = "sink", SaslPassword = Password,
        }, "sink-writer");
        ClientConfig[] configs =
        [
            factory.ProducerConfig("p"), factory.GroupConsumerConfig("c", "g"), factory.ReaderConfig("r"),
            factory.GroupOffsetsConfig("o", "g"), factory.AdminConfig("a"), factory.CommonConfig("s"),
        ];
        foreach (var p in configs.Select(Properties))
        {
            Assert.Equal(expectedProtocol, p["security.protocol"]);
            Assert.Equal(expectedMechanism, p["sasl.mechanism"]);
            Assert.Equal("sink", p["sasl.username"]);
            Assert.Equal(Password, p["sasl.password"]);
            Assert.DoesNotContain("ssl.ca.location", p.Keys);
        }
    }

    [Fact]
    public void SaslSsl_with_a_CA_file_sets_the_CA_and_SSL_with_a_client_certificate_sets_mTLS()
    {
        var ca = File("ca.pem");
        var sasl = Properties(new KafkaClientFactory(new KafkaOptions
        {
            SecurityProtocol = SecurityProtocol.SaslSsl, SaslUsername = "u", SaslPassword = Password, SslCaLocation = ca,
        }, "svc").ConsumerConfigForTest());
        Assert.Equal(ca, sasl["ssl.ca.location"]);
        Assert.DoesNotContain("ssl.certificate.location", sasl.Keys);

        var cert = File("client.pem");
        var key = File("client.key");
        var mtls = Properties(new KafkaClientFactory(new KafkaOptions
        {
            SecurityProtocol = SecurityProtocol.Ssl, SslCaLocation = ca, SslCertificateLocation = cert, SslKeyLocation = key, SslKeyPassword = KeyPassword,
        }, "svc").ProducerConfig("p"));
        Assert.Equal("ssl", mtls["security.protocol"]);
        Assert.Equal(ca, mtls["ssl.ca.location"]);
        Assert.Equal(cert, mtls["ssl.certificate.location"]);
        Assert.Equal(key, mtls["ssl.key.location"]);
        Assert.Equal(KeyPassword, mtls["ssl.key.password"]);
        Assert.DoesNotContain(mtls.Keys, k => k.StartsWith("sasl.", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_client_waits_Kafka_SocketTimeoutMs_for_an_answer_10_s_by_default_instead_of_librdkafkas_60()
    {
        var defaults = new KafkaClientFactory(new KafkaOptions(), "sink-writer");
        Assert.Equal(10_000, defaults.ProducerConfig("p").SocketTimeoutMs);
        var factory = new KafkaClientFactory(new KafkaOptions { SocketTimeoutMs = 25_000 }, "sink-writer");
        Assert.Equal(25_000, factory.ProducerConfig("p").SocketTimeoutMs);
        Assert.Equal(25_000, factory.GroupConsumerConfig("c", "g").SocketTimeoutMs);
        Assert.Equal(25_000, factory.ReaderConfig("r").SocketTimeoutMs);
        Assert.Equal(25_000, factory.GroupOffsetsConfig("o", "g").SocketTimeoutMs);
        Assert.Equal(25_000, factory.AdminConfig("a").SocketTimeoutMs);
        Assert.Equal(25_000, factory.CommonConfig("streams").SocketTimeoutMs);
    }

    [Fact]
    public void Only_group_members_get_Kafka_SessionTimeoutMs_and_the_callers_tuning_is_kept()
    {
        var factory = new KafkaClientFactory(new KafkaOptions { SessionTimeoutMs = 7000, ClientId = "bridge-a" }, "mqtt-bridge");
        var member = factory.GroupConsumerConfig("commands", "mqtt-bridge-commands");
        Assert.Equal(7000, member.SessionTimeoutMs);
        Assert.Equal("mqtt-bridge-commands", member.GroupId);
        Assert.Equal("bridge-a.commands", member.ClientId);
        Assert.Null(factory.ReaderConfig("view").SessionTimeoutMs);
        Assert.False(factory.ReaderConfig("view").EnableAutoCommit);
        Assert.NotEqual(factory.ReaderConfig("view").GroupId, factory.ReaderConfig("view").GroupId);
        var producer = factory.ProducerConfig("p");
        producer.LingerMs = 5;
        producer.Acks = Acks.All;
        Assert.Equal("5", Properties(producer)["linger.ms"]);
        Assert.Equal("-1", Properties(producer)["acks"]);
    }

    [Fact]
    public void Options_ToString_and_Redact_never_show_the_secrets()
    {
        var options = new KafkaOptions
        {
            SecurityProtocol = SecurityProtocol.SaslSsl, SaslMechanism = KafkaSaslMechanism.ScramSha512,
            SaslUsername = "bridge", SaslPassword = Password, SslKeyPassword = KeyPassword, SslKeyLocation = "", BootstrapServers = "k:9093",
        };
        Assert.Equal("k:9093 (SaslSsl, SASL ScramSha512 as 'bridge')", options.ToString());
        options.SslKeyPassword = "";
        var factory = new KafkaClientFactory(options, "svc");
        Assert.Equal("broker said *** was wrong", factory.Redact($"broker said {Password} was wrong"));
    }

    [Fact]
    public void A_client_built_by_the_factory_logs_through_ILogger_with_secrets_masked()
    {
        var loggers = new CapturingLoggerFactory();
        // A SASL producer with librdkafka's debug output on, pointed at a port nothing listens on: librdkafka logs
        // its configuration (including, unmasked, whatever it considers non-sensitive) and the connection failures.
        var factory = new KafkaClientFactory(new KafkaOptions
        {
            BootstrapServers = "127.0.0.1:1", SecurityProtocol = SecurityProtocol.SaslPlaintext, SaslUsername = "u", SaslPassword = Password,
        }, "svc", loggers);
        var config = factory.ProducerConfig("p");
        config.Debug = "conf,broker,security";
        using (var producer = factory.CreateProducer<Null, string>(config))
        {
            // Polls until librdkafka has logged its first connection attempt, for at most 10 s.
            SpinWait.SpinUntil(() => loggers.Lines.Any(l => l.Text.Contains("127.0.0.1:1", StringComparison.Ordinal)), TimeSpan.FromSeconds(10));
        }
        var lines = loggers.Lines.ToList();
        Assert.Contains(lines, l => l.Category == LibrdkafkaLog.Category && l.Text.Contains("127.0.0.1:1", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Level == Microsoft.Extensions.Logging.LogLevel.Debug);
        Assert.DoesNotContain(lines, l => l.Text.Contains(Password, StringComparison.Ordinal));
    }
}

internal static class FactoryTestExtensions
{
    public static ConsumerConfig ConsumerConfigForTest(this KafkaClientFactory factory) => factory.GroupConsumerConfig("c", "g");
}
