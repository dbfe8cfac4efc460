using Confluent.Kafka;
using Microsoft.Extensions.Options;

namespace Pipeline.ServiceDefaults.Kafka;

/// <summary>
/// The rules between Kafka settings that attributes cannot express, each broken rule a message naming the setting.
/// Used at host start (ValidateOnStart) and by <see cref="KafkaClientFactory"/> for tools that build options by hand,
/// so a missing file or user is reported before any client starts retrying. Messages never hold a secret's value.
/// </summary>
public sealed class KafkaOptionsValidator : IValidateOptions<KafkaOptions>
{
    public ValidateOptionsResult Validate(string? name, KafkaOptions options)
    {
        var problems = Problems(options);
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    public static IReadOnlyList<string> Problems(KafkaOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var problems = new List<string>();
        if (!Enum.IsDefined(o.SecurityProtocol))
            problems.Add("Kafka:SecurityProtocol must be Plaintext, Ssl, SaslPlaintext or SaslSsl.");
        if (o.UsesSasl)
        {
            if (!Enum.IsDefined(o.SaslMechanism))
                problems.Add("Kafka:SaslMechanism must be Plain, ScramSha256 or ScramSha512.");
            if (string.IsNullOrWhiteSpace(o.SaslUsername))
                problems.Add($"Kafka:SaslUsername is required when Kafka:SecurityProtocol is {o.SecurityProtocol}.");
            if (string.IsNullOrEmpty(o.SaslPassword))
                problems.Add($"Kafka:SaslPassword is required when Kafka:SecurityProtocol is {o.SecurityProtocol} (set it through the environment, PIPELINE__Kafka__SaslPassword).");
        }
        else if (!string.IsNullOrEmpty(o.SaslUsername) || !string.IsNullOrEmpty(o.SaslPassword))
        {
            problems.Add($"Kafka:SaslUsername/Kafka:SaslPassword are set but Kafka:SecurityProtocol is {o.SecurityProtocol}: choose SaslSsl or SaslPlaintext, or remove them.");
        }

        var tlsFiles = new[]
        {
            ("Kafka:SslCaLocation", o.SslCaLocation),
            ("Kafka:SslCertificateLocation", o.SslCertificateLocation),
            ("Kafka:SslKeyLocation", o.SslKeyLocation),
        };
        foreach (var (setting, path) in tlsFiles.Where(f => !string.IsNullOrEmpty(f.Item2)))
        {
            if (!o.UsesTls)
                problems.Add($"{setting} is set but Kafka:SecurityProtocol is {o.SecurityProtocol}: TLS files are used only with Ssl or SaslSsl.");
            else if (!File.Exists(path))
                problems.Add($"{setting} names a file that does not exist: {path}.");
        }
        if (string.IsNullOrEmpty(o.SslCertificateLocation) != string.IsNullOrEmpty(o.SslKeyLocation))
            problems.Add("Kafka:SslCertificateLocation and Kafka:SslKeyLocation go together: a client certificate needs its key, and a key its certificate.");
        if (!string.IsNullOrEmpty(o.SslKeyPassword) && string.IsNullOrEmpty(o.SslKeyLocation))
            problems.Add("Kafka:SslKeyPassword is set but Kafka:SslKeyLocation is not.");
        SchemaRegistryProblems(o, problems);
        return problems;
    }

    private static void SchemaRegistryProblems(KafkaOptions o, List<string> problems)
    {
        if (string.IsNullOrEmpty(o.SchemaRegistryUsername) != string.IsNullOrEmpty(o.SchemaRegistryPassword))
            problems.Add("Kafka:SchemaRegistryUsername and Kafka:SchemaRegistryPassword go together: set both (basic auth) or neither.");
        if (o.SchemaRegistryUsername.Contains(':', StringComparison.Ordinal))
            problems.Add("Kafka:SchemaRegistryUsername may not contain ':' (basic auth separates user and password with it).");
        if (!string.IsNullOrEmpty(o.SchemaRegistryCaLocation))
        {
            if (!o.SchemaRegistryUrl.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
                problems.Add("Kafka:SchemaRegistryCaLocation is set but Kafka:SchemaRegistryUrl is not https.");
            else if (!File.Exists(o.SchemaRegistryCaLocation))
                problems.Add($"Kafka:SchemaRegistryCaLocation names a file that does not exist: {o.SchemaRegistryCaLocation}.");
        }
    }

    /// <summary>Throws <see cref="OptionsValidationException"/> listing every broken rule (for callers outside a host).</summary>
    public static void ThrowIfInvalid(KafkaOptions options)
    {
        var problems = Problems(options);
        if (problems.Count > 0)
            throw new OptionsValidationException(KafkaOptions.SectionName, typeof(KafkaOptions), problems);
    }
}
