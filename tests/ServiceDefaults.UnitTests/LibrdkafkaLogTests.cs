using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Pipeline.ServiceDefaults.Kafka;

namespace Pipeline.ServiceDefaults.UnitTests;

public sealed class LibrdkafkaLogTests
{
    [Theory]
    [InlineData(SyslogLevel.Emergency, LogLevel.Critical)]
    [InlineData(SyslogLevel.Alert, LogLevel.Critical)]
    [InlineData(SyslogLevel.Critical, LogLevel.Critical)]
    [InlineData(SyslogLevel.Error, LogLevel.Error)]
    [InlineData(SyslogLevel.Warning, LogLevel.Warning)]
    [InlineData(SyslogLevel.Notice, LogLevel.Information)]
    [InlineData(SyslogLevel.Info, LogLevel.Information)]
    [InlineData(SyslogLevel.Debug, LogLevel.Debug)]
    public void Syslog_levels_map_to_LogLevels(SyslogLevel syslog, LogLevel expected) =>
        Assert.Equal(expected, LibrdkafkaLog.ToLogLevel(syslog));

    [Fact]
    public void A_line_is_written_with_its_client_facility_and_level()
    {
        var loggers = new CapturingLoggerFactory();
        LibrdkafkaLog.Write(loggers.CreateLogger("x"), new LogMessage("rdkafka#producer-1", SyslogLevel.Error, "FAIL", "SASL authentication error: Authentication failed"));
        var line = Assert.Single(loggers.Lines);
        Assert.Equal(LogLevel.Error, line.Level);
        Assert.Equal("rdkafka#producer-1 [FAIL] SASL authentication error: Authentication failed", line.Text);
    }

    [Theory]
    [InlineData("127.0.0.1:9092/bootstrap: Connect to ipv4#127.0.0.1:9092 failed: Connection refused (after 0ms in state CONNECT)")]
    [InlineData("1/1 brokers are down")]
    [InlineData("127.0.0.1:9092/1: Disconnected (after 5012ms in state UP)")]
    [InlineData("127.0.0.1:9092/1: Receive failed: Connection reset by peer")]
    public void A_broker_that_cannot_be_reached_is_a_warning_because_librdkafka_reconnects_by_itself(string text) =>
        Assert.Equal(LogLevel.Warning, LibrdkafkaLog.ToLogLevel(new LogMessage("rdkafka#consumer-2", SyslogLevel.Error, "FAIL", text)));

    [Theory]
    [InlineData("127.0.0.1:9093/bootstrap: SASL authentication error: Authentication failed during authentication due to invalid credentials")]
    [InlineData("127.0.0.1:9093/bootstrap: SSL handshake failed: certificate verify failed (after 3ms in state SSL_HANDSHAKE)")]
    public void A_refusal_of_our_credentials_or_TLS_stays_an_error(string text) =>
        Assert.Equal(LogLevel.Error, LibrdkafkaLog.ToLogLevel(new LogMessage("rdkafka#producer-1", SyslogLevel.Error, "FAIL", text)));
}
