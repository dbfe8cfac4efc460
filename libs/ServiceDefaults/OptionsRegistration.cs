using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Pipeline.ServiceDefaults;

public static class OptionsRegistration
{
    /// <summary>
    /// Binds <typeparamref name="T"/> to its configuration section and validates it when the
    /// host starts, so a bad setting stops the process with a message naming the setting.
    /// </summary>
    public static OptionsBuilder<T> AddValidatedOptions<T>(this IServiceCollection services, string section)
        where T : class =>
        services.AddOptions<T>()
            .BindConfiguration(section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
}
