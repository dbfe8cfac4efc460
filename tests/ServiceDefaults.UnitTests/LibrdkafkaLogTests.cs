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
        LibrdkafkaLog.Write(loggers.CreateLogger("x"), new LogMessage("rdkafka#producer-1", SyslogLevel.Error, "FAIL", "Connect failed"));
        var line = Assert.Single(loggers.Lines);
        Assert.Equal(LogLevel.Error, line.Level);
        Assert.Equal("rdkafka#producer-1 [FAIL] Connect failed", line.Text);
    }
}
