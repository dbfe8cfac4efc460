using Microsoft.Extensions.Logging;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Exceptions;

namespace Pipeline.MqttBridge.Hosting;

/// <summary>
/// MQTTnet's log into ours. Its verbose level prints whole packets (CONNECT carries the token), so
/// it is never forwarded; its warnings are per-connection network noise (a device dropped its TCP
/// connection) and become debug messages; its errors stay errors.
/// </summary>
public sealed class MqttNetLogger(ILogger<MqttNetLogger> logger) : IMqttNetLogger
{
    public bool IsEnabled => true;

    public void Publish(MqttNetLogLevel level, string source, string message, object[]? parameters, Exception? exception)
    {
        var mapped = level switch
        {
            MqttNetLogLevel.Verbose => LogLevel.None,
            MqttNetLogLevel.Info => LogLevel.Debug,
            MqttNetLogLevel.Warning => LogLevel.Debug,
            // A peer that sends garbage or drops the connection mid-CONNECT is the peer's problem, not the bridge's.
            _ when IsPeerProblem(exception) => LogLevel.Debug,
            _ => LogLevel.Error,
        };
        if (mapped == LogLevel.None || !logger.IsEnabled(mapped))
            return;
        var text = parameters is { Length: > 0 } ? SafeFormat(message, parameters) : message;
#pragma warning disable CA2254 // MQTTnet's messages are already formatted text
        logger.Log(mapped, exception, "MQTTnet {Source}: {Message}", source, text);
#pragma warning restore CA2254
    }

    private static bool IsPeerProblem(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
            if (e is MqttCommunicationException or MqttProtocolViolationException or IOException or System.Net.Sockets.SocketException)
                return true;
        return false;
    }

    private static string SafeFormat(string message, object[] parameters)
    {
        try
        {
            return string.Format(System.Globalization.CultureInfo.InvariantCulture, message, parameters);
        }
        catch (FormatException)
        {
            return message;
        }
    }
}
