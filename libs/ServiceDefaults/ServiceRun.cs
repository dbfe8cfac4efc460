using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Options;

namespace Pipeline.ServiceDefaults;

/// <summary>How every service runs its host and what its exit code tells the supervisor.</summary>
public static class ServiceRun
{
    /// <summary>
    /// EX_CONFIG from sysexits.h: a setting was refused at start. Starting again cannot help, so a supervisor
    /// (`./pipeline up`) stops instead of restarting, and shows the message, which names the setting.
    /// </summary>
    public const int ConfigurationErrorExitCode = 78;

    /// <summary>
    /// Runs the host. Options that fail validation, and Kafka refusing the service's credentials at start
    /// (<see cref="Kafka.KafkaAccessException"/>), and a topic it relies on missing or not compacted
    /// (<see cref="Kafka.Topics.KafkaTopicsException"/>) end the process with <see cref="ConfigurationErrorExitCode"/> and their
    /// messages on stderr, as do the exceptions <paramref name="isConfigurationError"/> accepts; otherwise the exit
    /// code a service set (e.g. the processor's stream failure), or 0.
    /// </summary>
    public static async Task<int> RunServiceAsync(this WebApplication app, Func<Exception, bool>? isConfigurationError = null)
    {
        try
        {
            await app.RunAsync();
            return Environment.ExitCode;
        }
        catch (OptionsValidationException e)
        {
            await Console.Error.WriteLineAsync($"Configuration refused: {string.Join(" ", e.Failures)}");
            return ConfigurationErrorExitCode;
        }
        catch (Kafka.KafkaAccessException e)
        {
            await Console.Error.WriteLineAsync($"Configuration refused: {e.Message}");
            return ConfigurationErrorExitCode;
        }
        catch (Kafka.Topics.KafkaTopicsException e)
        {
            await Console.Error.WriteLineAsync($"Configuration refused: {e.Message}");
            return ConfigurationErrorExitCode;
        }
        catch (Exception e) when (isConfigurationError?.Invoke(e) == true)
        {
            await Console.Error.WriteLineAsync($"Configuration refused: {e.Message}");
            return ConfigurationErrorExitCode;
        }
    }
}
