using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Pipeline.ServiceDefaults.Kafka;

namespace Pipeline.ServiceDefaults.UnitTests;

/// <summary>Each broken rule gives a message that names the setting, and no message carries a secret.</summary>
public sealed class KafkaOptionsValidationTests
{
    private const string Password = "pw-0b7c-never-shown";

    private static string Problems(KafkaOptions options) => string.Join(" | ", KafkaOptionsValidator.Problems(options));

    [Fact]
    public void The_defaults_are_valid_plaintext() => Assert.Empty(KafkaOptionsValidator.Problems(new KafkaOptions()));

    [Theory]
    [InlineData(SecurityProtocol.SaslPlaintext)]
    [InlineData(SecurityProtocol.SaslSsl)]
    public void SASL_without_a_user_or_password_names_both_settings(SecurityProtocol protocol)
    {
        var problems = Problems(new KafkaOptions { SecurityProtocol = protocol });
        Assert.Contains($"Kafka:SaslUsername is required when Kafka:SecurityProtocol is {protocol}", problems);
        Assert.Contains($"Kafka:SaslPassword is required when Kafka:SecurityProtocol is {protocol}", problems);
    }

    [Fact]
    public void SASL_credentials_without_a_SASL_protocol_are_refused_without_showing_the_password()
    {
        var problems = Problems(new KafkaOptions { SaslUsername = "u", SaslPassword = Password });
        Assert.Contains("Kafka:SaslUsername/Kafka:SaslPassword are set but Kafka:SecurityProtocol is Plaintext", problems);
        Assert.DoesNotContain(Password, problems);
    }

    [Fact]
    public void A_CA_file_that_does_not_exist_is_named_with_its_setting_and_path()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"no-such-ca-{Guid.NewGuid():N}.pem");
        var problems = Problems(new KafkaOptions { SecurityProtocol = SecurityProtocol.Ssl, SslCaLocation = missing });
        Assert.Equal($"Kafka:SslCaLocation names a file that does not exist: {missing}.", problems);
    }

    [Fact]
    public void TLS_files_with_a_protocol_without_TLS_and_a_certificate_without_its_key_are_refused()
    {
        var plain = Problems(new KafkaOptions { SecurityProtocol = SecurityProtocol.SaslPlaintext, SaslUsername = "u", SaslPassword = Password, SslCaLocation = "/etc/hostname" });
        Assert.Contains("Kafka:SslCaLocation is set but Kafka:SecurityProtocol is SaslPlaintext", plain);
        var halfPair = Problems(new KafkaOptions { SecurityProtocol = SecurityProtocol.Ssl, SslCertificateLocation = "/etc/hostname" });
        Assert.Contains("Kafka:SslCertificateLocation and Kafka:SslKeyLocation go together", halfPair);
        var keyPassword = Problems(new KafkaOptions { SecurityProtocol = SecurityProtocol.Ssl, SslKeyPassword = Password });
        Assert.Contains("Kafka:SslKeyPassword is set but Kafka:SslKeyLocation is not", keyPassword);
        Assert.DoesNotContain(Password, keyPassword);
    }

    [Fact]
    public void The_factory_refuses_invalid_options_for_callers_outside_a_host()
    {
        var e = Assert.Throws<OptionsValidationException>(() =>
            new KafkaClientFactory(new KafkaOptions { SecurityProtocol = SecurityProtocol.SaslSsl, SaslUsername = "u" }, "cli"));
        Assert.Contains("Kafka:SaslPassword", e.Message);
    }

    [Fact]
    public void A_host_validates_the_section_from_configuration_with_attributes_and_rules()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kafka:SecurityProtocol"] = "SaslSsl",
            ["Kafka:SaslMechanism"] = "ScramSha256",
            ["Kafka:SaslPassword"] = Password,
            ["Kafka:SessionTimeoutMs"] = "100",
            ["Kafka:SocketTimeoutMs"] = "10",
        }).Build();
        using var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging()
            .AddKafkaClients("svc").BuildServiceProvider();
        var e = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<KafkaOptions>>().Value);
        Assert.Contains(e.Failures, f => f.Contains("Kafka:SessionTimeoutMs must be between 6000 and 300000.", StringComparison.Ordinal));
        Assert.Contains(e.Failures, f => f.Contains("Kafka:SocketTimeoutMs must be between 1000 and 300000.", StringComparison.Ordinal));
        Assert.Contains(e.Failures, f => f.StartsWith("Kafka:SaslUsername is required", StringComparison.Ordinal));
        Assert.DoesNotContain(Password, e.Message);
    }

    [Fact]
    public void Mechanism_and_protocol_names_bind_from_configuration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kafka:SecurityProtocol"] = "SaslSsl",
            ["Kafka:SaslMechanism"] = "ScramSha512",
        }).Build();
        var options = configuration.GetSection("Kafka").Get<KafkaOptions>()!;
        Assert.Equal(SecurityProtocol.SaslSsl, options.SecurityProtocol);
        Assert.Equal(KafkaSaslMechanism.ScramSha512, options.SaslMechanism);
    }

    [Theory]
    [InlineData("MqttBridge", "mqtt-bridge")]
    [InlineData("RulesProcessor", "rules-processor")]
    [InlineData("SinkWriter", "sink-writer")]
    [InlineData("", "service")]
    public void The_default_client_id_names_the_service_as_it_calls_itself(string applicationName, string expected) =>
        Assert.Equal(expected, KafkaServiceCollectionExtensions.ServiceName(applicationName));
}
