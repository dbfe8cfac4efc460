using Confluent.Kafka;
using Pipeline.ServiceDefaults.Kafka;

namespace Pipeline.ServiceDefaults.UnitTests;

/// <summary>The start-up error for a refused login or handshake names the settings and never a secret.</summary>
public sealed class KafkaAccessCheckTests
{
    private const string Password = "pw-44d1-never-shown";

    private static KafkaClientFactory Sasl() => new(new KafkaOptions
    {
        BootstrapServers = "k:9093", SecurityProtocol = SecurityProtocol.SaslSsl, SaslMechanism = KafkaSaslMechanism.ScramSha256,
        SaslUsername = "bridge", SaslPassword = Password,
    }, "svc");

    [Fact]
    public void A_refused_login_names_the_user_and_password_settings()
    {
        var message = KafkaAccessCheck.Describe(Sasl(), new Error(ErrorCode.Local_Authentication,
            $"SASL authentication error: Authentication failed during authentication due to invalid credentials (echo {Password})"));
        Assert.Contains("refused the login of Kafka:SaslUsername 'bridge' with Kafka:SaslMechanism ScramSha256", message);
        Assert.Contains("check Kafka:SaslUsername and Kafka:SaslPassword", message);
        Assert.DoesNotContain(Password, message);
    }

    [Fact]
    public void A_failed_handshake_names_the_CA_setting()
    {
        var message = KafkaAccessCheck.Describe(Sasl(), new Error(ErrorCode.Local_Ssl, "SSL handshake failed: certificate verify failed"));
        Assert.Contains("check Kafka:SslCaLocation", message);
    }

    [Theory]
    [InlineData(ErrorCode.Local_Authentication, true)]
    [InlineData(ErrorCode.SaslAuthenticationFailed, true)]
    [InlineData(ErrorCode.Local_Ssl, true)]
    [InlineData(ErrorCode.Local_AllBrokersDown, false)]
    [InlineData(ErrorCode.Local_Transport, false)]
    [InlineData(ErrorCode.Local_TimedOut, false)]
    public void Only_refusals_stop_the_start_not_an_unreachable_Kafka(ErrorCode code, bool refusal) =>
        Assert.Equal(refusal, KafkaAccessCheck.IsRefusal(code));
}
